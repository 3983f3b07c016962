"""One error shape for the whole HTTP API: OpenAI's `{"error": {...}}`, mapped here and only here.

Clients written for OpenAI (including its SDK) already parse it, and every
Warden route uses it too, so a caller handles errors one way. Every `WardenError`
(see `warden.errors` for the hierarchy) answers with its own status, code and
param; request validation is a 400; anything else is Warden's fault, a logged 500.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warden.errors import RateLimited, WardenError

log = logging.getLogger(__name__)

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    408: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    431: "invalid_request_error",
    429: "rate_limit_error",
}


class APIError(WardenError):
    """A `WardenError` the HTTP layer raises itself, with an explicit status (request parsing)."""

    def __init__(
        self, status: int, message: str, *, param: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, param=param, status=status)
        self.code = code


def error_body(status: int, message: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    kind = _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _respond(status: int, message: str, param: str | None = None, code: str | None = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=error_body(status, message, param, code), headers=headers)


def error_response(status: int, message: str, *, param: str | None = None, code: str | None = None,
                   close: bool = False, retry_after: float | None = None) -> JSONResponse:
    """The shared error shape as a ready response, for the ASGI layers below the routes' handlers
    (`warden.api.limits`); `close` adds `Connection: close` when the connection cannot be reused."""
    headers = {"Connection": "close"} if close else {}
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return _respond(status, message, param, code, headers)


class ContainErrors:
    """Turns an exception no handler took into the shared 500 answer *without* re-raising it, so the
    server keeps the keep-alive connection usable (Starlette's outermost handler answers and then
    re-raises, and uvicorn then drops the connection without `Connection: close`). An exception
    after the response started cannot be answered; the connection is then closed, as it must be."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started:
                raise
            log.error("internal error", exc_info=exc)
            response = _respond(500, "internal error; the request changed nothing", code="internal_error")
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(ContainErrors)

    @app.exception_handler(WardenError)
    async def _warden_error(_: Request, exc: WardenError) -> JSONResponse:
        if exc.status >= 500:
            log.error("%s: %s", type(exc).__name__, exc.message)
        headers = None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
        if exc.extra:
            body = error_body(exc.status, exc.message, exc.param, exc.code)
            body["error"].update(exc.extra)
            return JSONResponse(status_code=exc.status, content=body, headers=headers)
        return _respond(exc.status, exc.message, exc.param, exc.code, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ()) if p != "body"]
        param = ".".join(loc) or None
        message = f"{param}: {first['msg']}" if param else str(first["msg"])
        return _respond(400, message, param, "invalid_value")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _respond(exc.status_code, str(exc.detail))

    @app.exception_handler(DataError)
    async def _unstorable(_: Request, exc: DataError) -> JSONResponse:
        # The store refused a value the schema let through (e.g. a NUL character in text on
        # PostgreSQL); the transaction rolled back, so this is the caller's bad input, not a crash.
        # The driver's message names tables, columns and SQL: it is logged, never sent back.
        log.warning("the store refused a value: %s", str(exc.orig).strip().splitlines()[0] if exc.orig else exc)
        return _respond(400, "a value in the request cannot be stored (text with a NUL character, or a number "
                        "out of range)", code="invalid_value")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("internal error", exc_info=exc)
        return _respond(500, "internal error; the request changed nothing", code="internal_error")
