"""The FastAPI application.

Routes live in their own modules and are registered through ROUTERS (core)
or the `warden.routes` entry-point group (plugins), each a dotted path to an
`APIRouter`, so core features and plugins join the app the same way.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from fastapi import APIRouter, FastAPI

import warden
from warden.api import errors

ROUTERS: list[str] = [
    "warden.api.moderations:router",
    "warden.api.routes_directory:router",
    "warden.api.routes_enforcement:router",
    "warden.api.routes_cases:router",
    "warden.api.routes_reports:router",
    "warden.api.routes_notices:router",
    "warden.api.routes_transparency:router",
    "warden.api.routes_review:router",
]


def _load(path: str) -> APIRouter:
    module, _, attr = path.partition(":")
    router = getattr(importlib.import_module(module), attr or "router")
    assert isinstance(router, APIRouter), f"{path} is not an APIRouter"
    return router


def create_app() -> FastAPI:
    app = FastAPI(title="Warden", version=warden.__version__)
    errors.install(app)
    for path in ROUTERS:
        app.include_router(_load(path))
    for ep in entry_points(group="warden.routes"):
        app.include_router(_load(ep.value))

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": warden.__version__}

    return app
