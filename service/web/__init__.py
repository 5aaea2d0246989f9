"""Web pages for customers and the team workspace: the Jinja environment (gettext bound per
render) and the static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from service.http.no_store import ASSETS_CACHE

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
TRANSLATIONS_KEY = "translations"
"""Context variable holding the page's `service.i18n.catalogs.translations(locale)` catalog."""


@pass_context
def _gettext(context: Context, message: str) -> str:
    return str(context[TRANSLATIONS_KEY].gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return str(context[TRANSLATIONS_KEY].ngettext(singular, plural, n))


@pass_context
def _pgettext(context: Context, msgctxt: str, message: str) -> str:
    return str(context[TRANSLATIONS_KEY].pgettext(msgctxt, message))


@pass_context
def _npgettext(context: Context, msgctxt: str, singular: str, plural: str, n: int) -> str:
    return str(context[TRANSLATIONS_KEY].npgettext(msgctxt, singular, plural, n))


def page_environment() -> Environment:
    """Autoescaping Jinja with jinja2.ext.i18n reading the catalog from each render's context."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Same whitespace handling as the extraction (babel.cfg: trimmed = true).
    environment.policies["ext.i18n.trimmed"] = True
    install: Any = environment.install_gettext_callables  # type: ignore[attr-defined]
    install(_gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext)
    return environment


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(page_environment()))


def static_files() -> Router:
    return create_static_files_router(
        path="/static", directories=[STATIC_DIR], cache_control=ASSETS_CACHE
    )
