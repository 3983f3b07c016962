"""The FastAPI application.

Routes live in their own modules and are registered through ROUTERS (core)
or the `warden.routes` entry-point group (plugins), each a dotted path to an
`APIRouter`, so core features and plugins join the app the same way.

The app's lifespan is the service's composition root: unless it was handed a
runtime, it builds one (`Runtime.build`, from `Settings.from_env()` or the
settings given), starts its background work (the notice outbox) and closes it
on shutdown, so `uvicorn warden.api.app:create_app --factory` and `warden serve`
run the same service. A runtime that cannot be built (a policy or detector that
cannot load) stops start-up with its message.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import entry_points

from fastapi import APIRouter, FastAPI

import warden
from warden import console
from warden.api import docs, errors
from warden.api.auth import Public
from warden.api.limits import RequestLimits
from warden.ratelimit import RateLimiter
from warden.runtime import Runtime, StartupError
from warden.settings import LimitSettings, Settings
from warden.trends.metrics import RequestMetrics

log = logging.getLogger(__name__)

ROUTERS: list[str] = [
    "warden.api.moderations:router",
    "warden.api.routes_directory:router",
    "warden.api.routes_enforcement:router",
    "warden.api.routes_cases:router",
    "warden.api.routes_reports:router",
    "warden.api.routes_notices:router",
    "warden.api.routes_transparency:router",
    "warden.api.routes_review:router",
    "warden.api.routes_overlays:router",
    "warden.api.routes_exemptions:router",
    "warden.api.routes_connectors:router",
    "warden.gateway.routes:router",
    "warden.trends.routes:router",
]


def _load(path: str) -> APIRouter:
    module, _, attr = path.partition(":")
    router = getattr(importlib.import_module(module), attr or "router")
    assert isinstance(router, APIRouter), f"{path} is not an APIRouter"
    return router


def create_app(runtime: Runtime | None = None, *, settings: Settings | None = None,
               manage: bool | None = None) -> FastAPI:
    """The service. With `runtime`, routes use it and the caller owns it (unless `manage=True`);
    without, the lifespan builds one from `settings` (default: the environment) and owns it."""
    owns = runtime is None if manage is None else manage

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt: Runtime | None = getattr(app.state, "warden", None)
        if rt is None:
            try:
                rt = Runtime.build(settings)
            except StartupError as exc:
                log.critical("%s", exc)
                raise
            app.state.warden = rt
        if owns:
            rt.start()
        try:
            yield
        finally:
            if owns:
                rt.close()

    # /docs and /redoc are served with local assets (warden.api.docs), not FastAPI's CDN pages
    app = FastAPI(title="Warden", version=warden.__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    if runtime is not None:
        app.state.warden = runtime
    errors.install(app)

    def limits() -> LimitSettings:
        rt: Runtime | None = getattr(app.state, "warden", None)
        return rt.settings.limits if rt is not None else (settings or Settings()).limits

    def limiter() -> RateLimiter | None:
        rt: Runtime | None = getattr(app.state, "warden", None)
        return rt.limiter if rt is not None else None

    app.add_middleware(RequestLimits, limits=limits, limiter=limiter)  # body size, time, per-address rate
    app.add_middleware(RequestMetrics)  # outermost: counts and times every request, refused ones too
    for path in ROUTERS:
        app.include_router(_load(path))
    for ep in entry_points(group="warden.routes"):
        app.include_router(_load(ep.value))

    docs.install(app)
    console.install(app)

    @app.get("/healthz", tags=["meta"], dependencies=[Public])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": warden.__version__}

    return app
