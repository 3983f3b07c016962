"""The console's own small app, mounted under /console on the API's app.

It shares the API's runtime (read from the parent app's state), renders Warden's errors as pages
with their status (a case of another tenant is a 404 page, a missing permission a 403), and sends
a visitor without a session to the login form. Login exchanges an API key for a session cookie
(`session`); the key is checked by the same `keys.authenticate` the API uses.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from warden.console.session import COOKIE, TTL_SECONDS, Signer
from warden.console.web import LoginRequired, Visit, runtime_of, signer_of, visitor
from warden.enforce import keys
from warden.errors import WardenError

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

PAGES = ["warden.console.pages_cases", "warden.console.pages_admin", "warden.console.pages_trends"]


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/console/") and "//" not in value else "/console/queue"


def build(parent: FastAPI) -> FastAPI:
    import importlib

    console = FastAPI(title="Warden console", docs_url=None, redoc_url=None, openapi_url=None)
    console.state.parent = parent
    rt = getattr(parent.state, "warden", None)
    console.state.signer = Signer(rt.settings.console_secret if rt is not None else None)
    console.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @console.exception_handler(WardenError)
    async def _error(request: Request, exc: WardenError) -> Response:
        if isinstance(exc, LoginRequired):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/console/login?next={quote(target)}", status_code=303)
        if exc.status >= 500:
            log.error("%s: %s", type(exc).__name__, exc.message)
        return templates.TemplateResponse(request, "error.html", {"status": exc.status, "message": exc.message,
                                                                  "visit": None}, status_code=exc.status)

    @console.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "request" for e in exc.errors())
        return templates.TemplateResponse(request, "error.html", {
            "status": 400, "message": f"the form is incomplete or invalid: {fields}", "visit": None}, status_code=400)

    @console.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return templates.TemplateResponse(request, "error.html", {
            "status": exc.status_code, "message": str(exc.detail), "visit": None}, status_code=exc.status_code)

    @console.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str | None = None, error: str | None = None) -> Response:
        return templates.TemplateResponse(request, "login.html", {"next": _safe_next(next), "error": error,
                                                                  "visit": None})

    @console.post("/login")
    def login(request: Request, api_key: Annotated[str, Form()], next: Annotated[str, Form()] = "") -> Response:
        runtime = runtime_of(request)
        with runtime.db.transaction() as s:
            principal = keys.authenticate(s, api_key.strip())
        if principal is None:
            return templates.TemplateResponse(request, "login.html", {
                "next": _safe_next(next), "error": "That API key is not valid or was revoked.", "visit": None},
                status_code=401)
        value, _ = signer_of(request).issue(principal.key_id)
        resp = RedirectResponse(_safe_next(next), status_code=303)
        resp.set_cookie(COOKIE, value, max_age=TTL_SECONDS, httponly=True, samesite="strict", path="/console",
                        secure=request.url.scheme == "https")
        return resp

    @console.post("/logout")
    def logout(visit: Annotated[Visit, Depends(visitor)]) -> Response:
        resp = RedirectResponse("/console/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/console")
        return resp

    @console.get("/")
    def home() -> Response:
        return RedirectResponse("/console/queue", status_code=303)

    for name in PAGES:
        console.include_router(importlib.import_module(name).router)
    return console
