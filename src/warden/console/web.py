"""What every console page depends on: the visitor (session -> key -> principal) and its permission.

`Allowed(Permission)` is the console's `Requires(Permission)`: it resolves the session cookie to the
key's principal and calls the same `Principal.require` the API's declaration calls, before the page
runs; a POST must also carry the session's CSRF token. Services below do their own checks and
tenant scoping as they do for the API; nothing is checked here that they check again differently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from warden.console.session import COOKIE, ConsoleSession, Signer, csrf_ok
from warden.enforce import keys
from warden.enforce.principal import Permission, Principal
from warden.errors import Forbidden, WardenError
from warden.runtime import Runtime


class LoginRequired(WardenError):
    status = 401
    code = "login_required"


class BadCSRF(Forbidden):
    code = "csrf"


def runtime_of(request: Request) -> Runtime:
    rt: Runtime | None = getattr(request.app.state, "warden", None)
    parent = getattr(request.app.state, "parent", None)
    if rt is None and parent is not None:
        rt = getattr(parent.state, "warden", None)
    if rt is None:
        raise WardenError("the console has no runtime")
    return rt


def signer_of(request: Request) -> Signer:
    signer: Signer = request.app.state.signer
    return signer


@dataclass
class Visit:
    """One request of a logged-in visitor: the console's counterpart of the API's `Ctx`."""

    rt: Runtime
    principal: Principal
    session: ConsoleSession
    request: Request

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with self.rt.db.transaction() as s:
            yield s

    @property
    def now(self) -> dt.datetime:
        return self.rt.clock()

    def can(self, permission: Permission) -> bool:
        """Whether to offer a link or a button: the same check the page behind it will make."""
        try:
            self.principal.require(permission)
        except Forbidden:
            return False
        return True

    def page(self, **values: Any) -> dict[str, Any]:
        return {"visit": self, "principal": self.principal, "csrf": self.session.csrf, "P": Permission, **values}


async def visitor(request: Request) -> Visit:
    rt = runtime_of(request)
    session = signer_of(request).read(request.cookies.get(COOKIE))
    if session is None:
        raise LoginRequired("log in with an API key")
    with rt.db.transaction() as s:
        principal = keys.principal_for(s, session.key_id)
    if principal is None:
        raise LoginRequired("the key of this session was revoked; log in again")
    if request.method == "POST":
        form = await request.form()
        token = form.get("csrf")
        if not csrf_ok(session, token if isinstance(token, str) else None):
            raise BadCSRF("the form's CSRF token is missing or stale; reload the page")
    return Visit(rt=rt, principal=principal, session=session, request=request)


class _Allowed:
    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, visit: Visit = Depends(visitor)) -> Visit:  # noqa: B008
        visit.principal.require(self.permission)
        return visit

    def __repr__(self) -> str:
        return f"Allowed({self.permission.value})"


def Allowed(permission: Permission) -> Any:
    """`visit: Annotated[Visit, Allowed(Permission.REVIEW)]`: the page's permission, in its signature."""
    return Depends(_Allowed(permission))
