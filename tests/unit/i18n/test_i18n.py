"""Locale negotiation, catalog loading, plural forms, formatting and translation statistics."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from service.i18n import catalogs as i18n
from service.i18n.catalogs import translations
from service.i18n.formatting import format_due
from service.i18n.negotiation import SUPPORTED, LocaleChoice, negotiate
from service.i18n.translator_stats import (
    CatalogStat,
    catalog_stats,
    untranslated,
    weighted_stats,
)

REPO_LOCALES = Path(__file__).resolve().parents[3] / "locales"


@pytest.mark.parametrize(
    ("kwargs", "locale", "fallback_from", "has_catalog"),
    [
        ({"language": "en"}, "en", None, True),
        ({"language": "pt", "declared": "pt-PT"}, "pt_BR", "pt-PT", True),
        ({"language": "pt", "country": "PT"}, "pt_BR", "pt-PT", True),
        ({"language": "pt", "country": "BR"}, "pt_BR", None, True),
        ({"language": "pt"}, "pt_BR", None, True),
        ({"language": "zh-Hant", "country": "HK"}, "zh_Hant", None, True),
        ({"language": None, "declared": "zh-Hant-HK"}, "zh_Hant", None, True),
        ({"language": None, "declared": "zh_TW"}, "zh_Hant", None, True),
        ({"language": "zh", "country": "TW"}, "zh_Hant", None, True),
        ({"language": "zh", "country": "HK"}, "zh_Hant", None, True),
        ({"language": "zh", "country": "CN"}, "zh_Hans", None, True),
        ({"language": "zh", "country": "SG"}, "zh_Hans", None, True),
        ({"language": "zh"}, "zh_Hans", None, True),
        ({"language": "zh-Hans", "country": "TW"}, "zh_Hans", None, True),
        ({"language": "es", "declared": "es-MX"}, "es", None, True),
        ({"language": "es", "country": "MX"}, "es", None, True),
        ({"language": "sw"}, "en", "sw", False),
        ({"language": "sw", "country": "KE"}, "en", "sw-KE", False),
        ({"language": "fr", "declared": "sw"}, "fr", "sw", True),
        ({"language": "in"}, "id", None, True),
        ({"language": "und", "accept_language": "de-CH, en;q=0.5"}, "de", None, True),
        ({"language": "und"}, "en", None, True),
        ({"language": None}, "en", None, True),
        ({"language": "ar"}, "ar", None, True),
        ({"language": None, "declared": "ja_JP.UTF-8"}, "ja", None, True),
        ({"language": "de", "declared": "fr-CA"}, "fr", None, True),
    ],
)
def test_negotiation_table(
    kwargs: dict[str, str | None], locale: str, fallback_from: str | None, has_catalog: bool
) -> None:
    choice = negotiate(**kwargs)
    assert (choice.locale, choice.fallback_from, choice.has_catalog) == (
        locale,
        fallback_from,
        has_catalog,
    )
    assert choice.locale in SUPPORTED


def test_choice_carries_bcp47_tag_and_direction() -> None:
    assert negotiate(language="zh-Hant") == LocaleChoice(
        locale="zh_Hant", tag="zh-Hant", fallback_from=None, has_catalog=True, direction="ltr"
    )
    assert negotiate(language="pt").tag == "pt-BR"
    assert negotiate(language="ar").direction == "rtl"
    assert negotiate(language="sw").direction == "ltr"


def test_detected_language_takes_region_from_accept_language_before_country() -> None:
    choice = negotiate(language="pt", accept_language="en;q=0.9, pt-PT;q=0.8", country="BR")
    assert (choice.locale, choice.fallback_from) == ("pt_BR", "pt-PT")
    choice = negotiate(language="zh", accept_language="zh-TW, en;q=0.5", country="CN")
    assert choice.locale == "zh_Hant"


def test_declared_locale_wins_over_detected_language() -> None:
    assert negotiate(language="ru", declared="de-AT", accept_language="ru").locale == "de"


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("fr;q=0.3, ja;q=0.9, de;q=0.5", "ja"),
        ("ko, ja", "ko"),
        ("vi;q=0.5, th;q=0.5", "vi"),
        ("sw, tr;q=0.2", "tr"),
        ("ja;q=0, it;q=0.1", "it"),
        ("de;q=2, ru;q=0.4", "ru"),
        ("es;q=abc, hi;q=0.2", "hi"),
        ("*, id;q=0.1", "id"),
        ("*", "en"),
    ],
)
def test_accept_language_in_q_order(header: str, locale: str) -> None:
    assert negotiate(language=None, accept_language=header).locale == locale


@pytest.mark.parametrize(
    "tag",
    ["", "   ", "!!", "e", "english", "en--US", "123", "zh-", "-de", "x-klingon", "en_US!!", "und"],
)
def test_malformed_tags_are_ignored(tag: str) -> None:
    assert negotiate(language=tag, declared=tag, accept_language=tag, country=tag).locale == "en"
    assert negotiate(language=tag, declared=tag, accept_language=f"{tag}, ko").locale == "ko"


def test_unknown_language_after_supported_one_records_nothing_missing() -> None:
    choice = negotiate(language=None, accept_language="sw;q=0.9, fr;q=0.8")
    assert (choice.locale, choice.fallback_from, choice.has_catalog) == ("fr", "sw", True)


def test_translations_are_cached_per_locale_across_threads() -> None:
    results: list[object] = []

    def load() -> None:
        results.append(translations("ko"))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(result) for result in results}) == 1
    assert results[0] is translations("ko")


def test_translations_accept_tags_and_unknown_locales() -> None:
    assert translations("pt-PT") is translations("pt_BR")
    assert translations("sw") is translations("en")
    assert translations("de").gettext("Kind regards,") == "Mit freundlichen Grüßen"


def _copy_catalog(locale: str, destination: Path) -> Path:
    target = destination / locale / "LC_MESSAGES"
    target.mkdir(parents=True)
    return Path(shutil.copy(REPO_LOCALES / locale / "LC_MESSAGES" / "messages.po", target))


def test_missing_mo_is_compiled_from_po_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    po_path = _copy_catalog("it", tmp_path)
    monkeypatch.setenv(i18n.LOCALES_DIR_ENV, str(tmp_path))
    assert translations("it").gettext("Kind regards,") == "Cordiali saluti,"
    assert po_path.with_suffix(".mo").is_file()


def test_missing_catalog_falls_back_to_english_then_msgids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(i18n.LOCALES_DIR_ENV, str(tmp_path))
    assert translations("fr").gettext("Kind regards,") == "Kind regards,"
    english = _copy_catalog("en", tmp_path / "with-en")
    marked = 'msgstr "Kind regards, from the English catalog"'
    english.write_text(english.read_text().replace('msgstr "Kind regards,"', marked))
    monkeypatch.setenv(i18n.LOCALES_DIR_ENV, str(tmp_path / "with-en"))
    assert translations("fr").gettext("Kind regards,") == "Kind regards, from the English catalog"


def test_stale_mo_is_recompiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    po_path = _copy_catalog("es", tmp_path)
    mo_path = po_path.with_suffix(".mo")
    mo_path.write_bytes(b"not a catalog")
    stale = po_path.stat().st_mtime - 60
    os.utime(mo_path, (stale, stale))
    monkeypatch.setenv(i18n.LOCALES_DIR_ENV, str(tmp_path))
    assert translations("es").gettext("Kind regards,") == "Atentamente,"
    assert mo_path.read_bytes()[:4] in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")


def test_format_due_uses_customer_zone_and_rounds_up_to_the_minute() -> None:
    due = datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC)
    assert format_due(due, "Asia/Tokyo", "en") == (
        "Monday, March 2, 2026, 6:01\u202fPM Japan Standard Time"
    )
    assert format_due(due, "No/Such_Zone", "en").endswith("9:01\u202fAM Coordinated Universal Time")
    assert format_due(due, None, "en") == format_due(due, "UTC", "en")
    offset = datetime(2026, 3, 2, 18, 0, tzinfo=timezone(timedelta(hours=9)))
    assert format_due(offset, "Asia/Tokyo", "en").endswith("6:00\u202fPM Japan Standard Time")


def test_format_due_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_due(datetime(2026, 3, 2, 9, 0), "UTC", "en")


@pytest.mark.parametrize("locale", SUPPORTED)
def test_format_due_shows_no_seconds(locale: str) -> None:
    text = format_due(datetime(2026, 5, 4, 3, 2, 0, tzinfo=UTC), "UTC", locale)
    assert "02:00" not in text and ":2:00" not in text and "02.00" not in text
    assert "2026" in text


def _write_catalog(directory: Path, locale: str, catalog: Catalog) -> None:
    target = directory / locale / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.po").open("wb") as po_file:
        write_po(po_file, catalog)


def test_catalog_stats_counts_translated_fuzzy_and_missing(tmp_path: Path) -> None:
    catalog = Catalog(locale="ru")
    catalog.add("One", "Один")
    catalog.add("Two", "Два", flags=["fuzzy"])
    catalog.add("Three", "")
    catalog.add(("%(num)s case", "%(num)s cases"), ("a", "b", ""))
    catalog.add(("%(num)s day", "%(num)s days"), ("a", "b", "c"))
    _write_catalog(tmp_path, "ru", catalog)
    _write_catalog(tmp_path, "de", Catalog(locale="de"))
    assert catalog_stats(tmp_path) == [
        CatalogStat(locale="de", translated=0, fuzzy=0, missing=0, total=0),
        CatalogStat(locale="ru", translated=2, fuzzy=1, missing=2, total=5),
    ]


def test_untranslated_lists_missing_and_fuzzy_strings_in_catalog_order(tmp_path: Path) -> None:
    catalog = Catalog(locale="ru")
    catalog.add("One", "Один")
    catalog.add("Two", "Два", flags=["fuzzy"])
    catalog.add("Three", "")
    catalog.add(("%(num)s case", "%(num)s cases"), ("a", "b", ""))
    _write_catalog(tmp_path, "ru", catalog)
    assert untranslated(tmp_path, "ru") == ["Two", "Three", "%(num)s case"]
    assert untranslated(tmp_path, "ru", limit=1) == ["Two"]


def test_shipped_catalogs_are_complete() -> None:
    stats = catalog_stats(REPO_LOCALES)
    assert {stat.locale for stat in stats} == set(SUPPORTED)
    assert all(stat.translated == stat.total > 0 for stat in stats)


def test_weighted_stats_rank_by_demand_meeting_english() -> None:
    stats = [
        CatalogStat(locale="de", translated=8, fuzzy=0, missing=2, total=10),
        CatalogStat(locale="ja", translated=5, fuzzy=1, missing=4, total=10),
        CatalogStat(locale="fr", translated=10, fuzzy=0, missing=0, total=10),
    ]
    demand = {"de": 300, "de-CH": 100, "ja": 100, "fr": 200, "sw": 150, "sw-KE": 50, "und": 100}
    rows = weighted_stats(stats, demand)
    assert [row.locale for row in rows] == ["sw", "de", "ja", "fr"]
    by_locale = {row.locale: row for row in rows}
    assert by_locale["de"].share == pytest.approx(0.4)
    assert by_locale["de"].weighted_missing == pytest.approx(0.2 * 0.4)
    assert by_locale["ja"].weighted_missing == pytest.approx(0.5 * 0.1)
    assert by_locale["sw"].has_catalog is False
    assert by_locale["sw"].share == by_locale["sw"].weighted_missing == pytest.approx(0.2)
    assert by_locale["fr"].weighted_missing == 0


def test_weighted_stats_without_demand() -> None:
    rows = weighted_stats([CatalogStat("it", 1, 0, 1, 2)], {})
    assert [(row.locale, row.share, row.weighted_missing) for row in rows] == [("it", 0.0, 0.0)]
