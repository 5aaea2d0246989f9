"""The shipped gettext catalogs: complete, consistent with the code and compilable."""

from __future__ import annotations

import re
from gettext import c2py
from pathlib import Path

import babel
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from service.i18n.negotiation import SUPPORTED
from service.i18n.plural_forms import SAMPLE_NUMBERS

REPO = Path(__file__).resolve().parents[3]
LOCALES = REPO / "locales"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _read(path: Path) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file)


def _catalog(locale: str) -> Catalog:
    return _read(LOCALES / locale / "LC_MESSAGES" / "messages.po")


def _messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _ids(message: Message) -> tuple[str, ...]:
    """The msgid, and msgid_plural for a plural entry."""
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def _strings(message: Message) -> tuple[str, ...]:
    """The msgstr, or every msgstr[n] of a plural entry."""
    if message.string is None:
        return ()
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def _keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(message.context, _ids(message)[0]) for message in _messages(catalog)}


def test_a_catalog_for_every_supported_locale_and_nothing_else() -> None:
    shipped = {path.parents[1].name for path in LOCALES.glob("*/LC_MESSAGES/messages.po")}
    assert shipped == set(SUPPORTED)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_compiles(locale: str, tmp_path: Path) -> None:
    catalog = _catalog(locale)
    mo_path = tmp_path / "messages.mo"
    with mo_path.open("wb") as mo_file:
        write_mo(mo_file, catalog)
    with mo_path.open("rb") as mo_file:
        compiled = read_mo(mo_file)
    assert len(_messages(compiled)) == len(_messages(catalog))


@pytest.mark.parametrize("locale", SUPPORTED)
def test_babel_checkers_pass(locale: str) -> None:
    problems = [(message.id, errors) for message, errors in _catalog(locale).check()]
    assert problems == []


def test_plural_forms_headers_follow_the_installed_babel() -> None:
    """One test for all catalogs, so a Babel upgrade with new CLDR rules is one clear failure."""
    outdated = {
        locale: (_catalog(locale).plural_forms, get_plural(locale).plural_forms)
        for locale in SUPPORTED
        if _catalog(locale).plural_forms != get_plural(locale).plural_forms
    }
    assert not outdated, (
        f"Babel {babel.__version__} has other plural rules (catalog, Babel): {outdated}. "
        "Run `make locales-plural-forms`, then translate the entries it marks fuzzy "
        "(locales/README.md, 'Plural forms')."
    )


@pytest.mark.parametrize("locale", SUPPORTED)
def test_no_untranslated_fuzzy_or_incomplete_plural_entry(locale: str) -> None:
    catalog = _catalog(locale)
    assert not catalog.fuzzy
    for message in _messages(catalog):
        assert not message.fuzzy, message.id
        strings = _strings(message)
        assert len(strings) == (catalog.num_plurals if message.pluralizable else 1), message.id
        assert all(strings), message.id


def _numbers_per_form(catalog: Catalog) -> dict[int, list[int]]:
    """Which sample numbers each plural form is used for, by the catalog's Plural-Forms."""
    plural = c2py(catalog.plural_expr)
    forms: dict[int, list[int]] = {}
    for number in SAMPLE_NUMBERS:
        forms.setdefault(plural(number), []).append(number)
    return forms


@pytest.mark.parametrize("locale", SUPPORTED)
def test_placeholders_match_the_msgid(locale: str) -> None:
    """Every placeholder kept; a plural form for a single number (Arabic "two") may spell it."""
    catalog = _catalog(locale)
    numbers_per_form = _numbers_per_form(catalog)
    for message in _messages(catalog):
        wanted = set(PLACEHOLDER.findall(_ids(message)[-1]))
        for index, translation in enumerate(_strings(message)):
            found = set(PLACEHOLDER.findall(translation))
            assert found <= wanted, (message.id, translation)
            if not message.pluralizable or len(numbers_per_form.get(index, [])) > 1:
                assert found == wanted, (message.id, translation)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_po_matches_the_template(locale: str) -> None:
    assert _keys(_catalog(locale)) == _keys(_read(LOCALES / "messages.pot"))


def test_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    """Same arguments as `make locales-extract` (mk/locales.mk)."""
    extracted = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(REPO / "babel.cfg"),
            "--add-comments=NOTE",
            "--add-comments=NOTE:",
            "-k",
            "_l",
            "-o",
            str(extracted),
            str(REPO),
        ]
    )
    assert _keys(_read(extracted)) == _keys(_read(LOCALES / "messages.pot")), (
        "run `make locales-update` and translate the new strings"
    )
