"""Bring each catalog's Plural-Forms header to the installed Babel's CLDR rules.

`python -m service.i18n.plural_forms [LOCALES_DIR]` (or `make locales-plural-forms`) rewrites the
header of every catalog whose rule differs from Babel's. A plural entry keeps its translations
where a form still covers the same numbers; each new form starts from the old form that covered a
sample of its numbers and the entry is marked fuzzy, so a translator must check it (fuzzy entries
fail the catalog tests and are not shipped).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from gettext import c2py
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

# Numbers that reach every form CLDR defines for our languages (Arabic two/few/many, millions).
SAMPLE_NUMBERS = (*range(0, 1000), 1_000_000, 2_000_000, 1_000_001)
PO_WIDTH = 100  # as mk/locales.mk


def old_form_for_each_new_form(old_expr: str, new_expr: str, new_count: int) -> list[int]:
    """Which old form to start each new form from: the same index where it covers some of the
    same numbers, else the old form that covers most of the new form's numbers."""
    old_select: Callable[[int], int] = c2py(old_expr)
    new_select: Callable[[int], int] = c2py(new_expr)
    covered: list[Counter[int]] = [Counter() for _ in range(new_count)]
    for number in SAMPLE_NUMBERS:
        covered[new_select(number)][old_select(number)] += 1
    return [
        form if form in counts else (counts.most_common(1)[0][0] if counts else 0)
        for form, counts in enumerate(covered)
    ]


def upgrade_catalog(catalog: Catalog) -> list[str]:
    """Rewrite the catalog's plural rule to Babel's; returns the msgids now fuzzy."""
    rule = get_plural(str(catalog.locale))
    if catalog.plural_forms == rule.plural_forms:
        return []
    sources = old_form_for_each_new_form(catalog.plural_expr, rule.plural_expr, rule.num_plurals)
    changed: list[str] = []
    for message in catalog:
        if not message.id or not message.pluralizable:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        old = [text or "" for text in strings]
        new = [old[min(source, len(old) - 1)] for source in sources]
        if new != old or len(old) != rule.num_plurals:
            message.string = tuple(new)
            message.flags.add("fuzzy")
            changed.append(message.id[0])
    catalog.mime_headers = [("Plural-Forms", rule.plural_forms)]  # sets only this header
    return changed


def upgrade_directory(directory: Path) -> dict[str, list[str]]:
    """Upgrade every `<locale>/LC_MESSAGES/messages.po`; returns the fuzzy msgids per locale."""
    report: dict[str, list[str]] = {}
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        before = catalog.plural_forms
        fuzzy = upgrade_catalog(catalog)
        if catalog.plural_forms == before:
            continue
        with po_path.open("wb") as po_file:
            write_po(po_file, catalog, width=PO_WIDTH)
        report[po_path.parents[1].name] = fuzzy
    return report


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else Path("locales")
    report = upgrade_directory(directory)
    if not report:
        print("every catalog already follows Babel's plural rules")
    for locale, fuzzy in report.items():
        print(f"{locale}: Plural-Forms rewritten; {len(fuzzy)} plural entries to check (fuzzy)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
