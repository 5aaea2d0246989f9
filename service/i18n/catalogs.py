"""The gettext catalogs: where they are, compiled on first use, loaded per locale."""

from __future__ import annotations

import io
import os
import tempfile
import threading
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from service.i18n.negotiation import DEFAULT_LOCALE, catalog_name
from service.settings import PROJECT_ROOT

DOMAIN = "messages"
LOCALES_DIR_ENV = "MERIDIAN_LOCALES_DIR"


def locales_dir() -> Path:
    """Directory holding <locale>/LC_MESSAGES/messages.po (env MERIDIAN_LOCALES_DIR overrides)."""
    override = os.environ.get(LOCALES_DIR_ENV)
    return Path(override) if override else PROJECT_ROOT / "locales"


def _compiled_catalog(po_path: Path) -> bytes | None:
    """The .mo bytes of a catalog, compiling a missing or stale .mo next to its .po."""
    mo_path = po_path.with_suffix(".mo")
    po_exists = po_path.is_file()
    if mo_path.is_file() and (not po_exists or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        return mo_path.read_bytes()
    if not po_exists:
        return None
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    data = buffer.getvalue()
    tmp_path: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(dir=po_path.parent, suffix=".tmp", delete=False) as tmp:
            tmp_path = Path(tmp.name)
            tmp.write(data)
        tmp_path.chmod(0o644)
        tmp_path.replace(mo_path)
    except OSError:  # read-only install: serve the in-memory compilation
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)
    return data


_translations_cache: dict[tuple[Path, str], Translations] = {}
_translations_lock = threading.RLock()


def _load_translations(directory: Path, locale: str) -> Translations:
    key = (directory, locale)
    with _translations_lock:
        if key in _translations_cache:
            return _translations_cache[key]
        data = _compiled_catalog(directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po")
        loaded = Translations(io.BytesIO(data), domain=DOMAIN) if data else Translations()
        if locale != DEFAULT_LOCALE:
            loaded.add_fallback(_load_translations(directory, DEFAULT_LOCALE))
        _translations_cache[key] = loaded
        return loaded


def translations(locale: str) -> Translations:
    """Translations of a catalog (any tag is negotiated), falling back to en, then to msgids."""
    return _load_translations(locales_dir(), catalog_name(locale))
