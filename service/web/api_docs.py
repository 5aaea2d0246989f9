"""Swagger UI at /schema/swagger, its assets served by the app from the swagger-ui-py wheel."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from litestar import Router
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from service.http.no_store import ASSETS_CACHE

ASSETS_PATH = "/api-docs/assets"


def _swagger_ui_static_dir() -> Path:
    # The package's __init__ imports every web-framework adapter; only its files are needed.
    spec = find_spec("swagger_ui")
    assert spec is not None and spec.submodule_search_locations, "swagger-ui-py is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def swagger_assets() -> Router:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[_swagger_ui_static_dir()],
        include_in_schema=False,
        cache_control=ASSETS_CACHE,
    )


def swagger_plugin() -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )
