"""What routes depend on: the runtime the app was built with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from warden.errors import ConfigurationError
from warden.runtime import Runtime


class NoRuntime(ConfigurationError, RuntimeError):
    """The app is serving without a runtime: it was neither given one nor started through its lifespan."""


def runtime(request: Request) -> Runtime:
    current: Runtime | None = getattr(request.app.state, "warden", None)
    if current is None:
        raise NoRuntime("the app has no runtime: pass create_app(runtime=...) or serve it with its lifespan")
    return current


async def _runtime(request: Request) -> Runtime:
    return runtime(request)  # async: FastAPI runs a sync dependency on a worker thread, a hop per request


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
