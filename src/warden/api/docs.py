"""`/docs` (Swagger UI) and `/redoc` with their assets served from an installed package
(`fastapi-offline` ships Swagger UI's and ReDoc's bundles), so the pages work without internet.
FastAPI's own pages load them from a CDN; the app turns those off and installs these."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from warden.api.auth import Public

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"

router = APIRouter(include_in_schema=False)


REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"  # the one remote URL the ReDoc bundle loads by itself


@cache
def _redoc_bundle() -> bytes:
    """ReDoc's bundle with its sidebar logo pointed at a local asset, so the page makes no outside request."""
    return (ASSETS / "redoc.standalone.js").read_text(encoding="utf-8").replace(
        REDOC_LOGO, f"{ASSETS_URL}/favicon.png").encode()


class _Assets(StaticFiles):
    """The bundles as shipped, but ReDoc's with its logo served locally."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path == "redoc.standalone.js":
            return Response(_redoc_bundle(), media_type="text/javascript")
        return await super().get_response(path, scope)


@router.get("/docs", dependencies=[Public])
def swagger(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} - Swagger UI",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect", swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css", swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None})  # no badge from validator.swagger.io


@router.get("/docs/oauth2-redirect", dependencies=[Public])
def swagger_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc", dependencies=[Public])
def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_redoc_html(openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} - ReDoc",
                          redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
                          redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png", with_google_fonts=False)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(ASSETS_URL, _Assets(directory=ASSETS), name="docs-assets")
