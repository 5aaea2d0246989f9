"""Moving a catalog to new CLDR plural rules keeps what still fits and flags the rest."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from service.i18n.plural_forms import old_form_for_each_new_form, upgrade_catalog, upgrade_directory

OLD_SPANISH_RULE = "nplurals=2; plural=(n != 1);"


OLD_SPANISH_PO = f"""
msgid ""
msgstr ""
"Language: es\\n"
"Plural-Forms: {OLD_SPANISH_RULE}\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "%(num)s hour"
msgid_plural "%(num)s hours"
msgstr[0] "%(num)s hora"
msgstr[1] "%(num)s horas"

msgid "Closed"
msgstr "Cerrada"
"""


def _spanish_catalog_on_the_old_rule() -> Catalog:
    return read_po(BytesIO(OLD_SPANISH_PO.encode()))


def test_a_new_middle_form_starts_from_the_form_that_covered_its_numbers() -> None:
    # Spanish 2 → 3 forms: one, many (millions), other. Millions used "other" before.
    sources = old_form_for_each_new_form(
        "(n != 1)", get_plural("es").plural_expr, get_plural("es").num_plurals
    )
    assert sources == [0, 1, 1]


def test_hindi_zero_moving_to_the_singular_keeps_both_forms_in_place() -> None:
    assert old_form_for_each_new_form("(n != 1)", "(n > 1)", 2) == [0, 1]


def test_upgrade_rewrites_the_rule_and_marks_changed_plurals_fuzzy() -> None:
    catalog = _spanish_catalog_on_the_old_rule()
    assert catalog.plural_forms == OLD_SPANISH_RULE

    fuzzy = upgrade_catalog(catalog)

    assert catalog.plural_forms == get_plural("es").plural_forms
    assert fuzzy == ["%(num)s hour"]
    hours = catalog.get(("%(num)s hour", "%(num)s hours"))
    assert hours is not None and hours.fuzzy
    assert hours.string == ("%(num)s hora", "%(num)s horas", "%(num)s horas")
    closed = catalog.get("Closed")
    assert closed is not None and not closed.fuzzy


def test_upgrade_directory_leaves_current_catalogs_untouched(tmp_path: Path) -> None:
    po_path = tmp_path / "es" / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True)
    po_path.write_text(OLD_SPANISH_PO, encoding="utf-8")

    assert upgrade_directory(tmp_path) == {"es": ["%(num)s hour"]}
    written = po_path.read_bytes()
    assert upgrade_directory(tmp_path) == {}
    assert po_path.read_bytes() == written
