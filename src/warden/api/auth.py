"""API-key authentication and the per-request context every enforcement route uses.

`Ctx.tx()` runs a block in one transaction (errors are mapped once, at the app's
edge: `warden.api.errors`); `Ctx.create()` adds idempotency keys to creating POSTs: the
same key with the same body replays the first answer, with another body it is
a 409, and the record is written in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warden.api.deps import RuntimeDep
from warden.api.errors import APIError
from warden.api.limits import client_address
from warden.enforce import keys
from warden.enforce.keys import SHOWN_ONCE
from warden.enforce.pages import DEFAULT_LIMIT, Page
from warden.enforce.principal import Permission, Principal
from warden.runtime import Runtime
from warden.store.tables import IdempotencyRecord

REDACTED = "(shown once, when it was created; not stored, so not replayed)"


def redacted(model: BaseModel, content: dict[str, Any]) -> dict[str, Any]:
    """The answer as an idempotency record keeps it: every field marked shown-once (a new API key, a
    webhook secret) replaced by a note saying so, so no secret rests in the store."""
    secret = {name for name, field in type(model).model_fields.items()
              if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get(SHOWN_ONCE)}
    return {k: (REDACTED if k in secret and v is not None else v) for k, v in content.items()}


@dataclass
class Ctx:
    rt: Runtime
    principal: Principal
    request: Request

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with self.rt.db.transaction() as session:
            yield session

    def create(self, idempotency_key: str | None, body: BaseModel | None,
               produce: Callable[[Session], BaseModel], status: int = 201) -> JSONResponse:
        fingerprint = hashlib.sha256(json.dumps(
            [self.request.method, self.request.url.path, body.model_dump(mode="json") if body else None],
            sort_keys=True).encode()).hexdigest()
        for _ in range(2):
            try:
                return self._create_once(idempotency_key, fingerprint, produce, status)
            except IntegrityError:
                if idempotency_key is None:
                    raise
                # a concurrent request with the same key won; replay its answer
        raise APIError(409, "idempotency key is in use by a concurrent request", code="idempotency_conflict")

    def _create_once(self, idempotency_key: str | None, fingerprint: str,
                     produce: Callable[[Session], BaseModel], status: int) -> JSONResponse:
        with self.tx() as s:
            if idempotency_key is not None:
                expired = self.now - dt.timedelta(hours=self.rt.settings.idempotency_ttl)
                s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.key_id == self.principal.key_id,
                                                          IdempotencyRecord.created_at < expired))
                prior = s.get(IdempotencyRecord, (self.principal.key_id, idempotency_key))
                if prior is not None:
                    if prior.fingerprint != fingerprint:
                        raise APIError(409, "this Idempotency-Key was used with a different request",
                                       param="Idempotency-Key", code="idempotency_conflict")
                    return JSONResponse(prior.response, status_code=prior.status_code,
                                        headers={"Idempotent-Replayed": "true"})
            made = produce(s)
            content: dict[str, Any] = made.model_dump(mode="json")
            if idempotency_key is not None:
                s.add(IdempotencyRecord(key_id=self.principal.key_id, idempotency_key=idempotency_key,
                                        fingerprint=fingerprint, status_code=status, response=redacted(made, content),
                                        created_at=self.now))
                s.flush()
        return JSONResponse(content, status_code=status)

    def require(self, permission: Permission) -> None:
        self.principal.require(permission)

    @property
    def now(self) -> dt.datetime:
        return self.rt.clock()


def _principal(rt: Runtime, authorization: str | None, request: Request) -> Principal:
    """The key's principal. An address that failed too often is refused before the key is looked at,
    each failure counts against it, and an authenticated key takes a token of its own rate limit."""
    address = client_address(request.scope)
    rt.limiter.before_authentication(address)
    if not authorization or not authorization.lower().startswith("bearer "):
        raise APIError(401, "missing API key: send `Authorization: Bearer wdn_...`", code="missing_api_key")
    with rt.db.read() as s:  # every authenticated request passes here: it must not take the write lock
        principal = keys.authenticate(s, authorization[7:].strip())
    if principal is None:
        rt.limiter.authentication_failed(address)
        raise APIError(401, "invalid or revoked API key", code="invalid_api_key")
    rt.limiter.check_key(principal.key_id)
    return principal


def context(
    request: Request,
    rt: RuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Ctx:
    return Ctx(rt=rt, principal=_principal(rt, authorization, request), request=request)


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


class Requirement:
    """A route's declared permission: authenticates the caller and checks the grant before the route
    (and before its body is validated), so a role without it gets a 403 whatever it sent."""

    def __init__(self, permission: Permission, *, when: Callable[[Runtime], bool] | None = None) -> None:
        self.permission = permission
        self.when = when  # only enforced when this holds for the runtime (None: always)

    def __repr__(self) -> str:
        return f"Requires({self.permission.value})"


class _Required(Requirement):
    def __call__(self, ctx: Annotated[Ctx, Depends(context)]) -> Ctx:
        ctx.principal.require(self.permission)
        return ctx


class _Optional(Requirement):
    # async: with the requirement off (the open /v1/moderations) the request takes no thread; the key
    # is looked up in one only when it is on
    async def __call__(self, request: Request, rt: RuntimeDep,
                       authorization: Annotated[str | None, Header()] = None) -> Principal | None:
        if self.when is not None and not self.when(rt):
            return None
        principal = await to_thread.run_sync(_principal, rt, authorization, request)
        principal.require(self.permission)
        return principal


def Requires(permission: Permission) -> Any:
    """`ctx: Annotated[Ctx, Requires(Permission.REVIEW)]`: the route's permission, in its signature."""
    return Depends(_Required(permission))


def RequiresWhen(permission: Permission, when: Callable[[Runtime], bool]) -> Any:
    """A permission enforced only when the runtime says so (the open-by-default /v1/moderations)."""
    return Depends(_Optional(permission, when=when))


def Paged(default: int = DEFAULT_LIMIT) -> Any:
    """`page: Annotated[Page, Paged(50)]`: the listing's `?limit=` (default `default`), bounded."""

    def page(limit: int = default) -> Page:
        return Page.of(limit, default)

    return Depends(page)


class _Public:
    def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "Public"


PUBLIC = _Public()
Public: Any = Depends(PUBLIC)  # a route open to anyone, declared: `dependencies=[Public]`


def _moderation_auth(rt: Runtime) -> bool:
    return rt.settings.moderation_auth


# Who calls /v1/moderations. Open by default (a drop-in sidecar, like a local model); with
# WARDEN_MODERATION_AUTH=required (`Settings.moderation_auth`) it needs an API key allowed to submit
# content. The store is touched only when authentication is on, so the open endpoint stays cheap.
ModerationCaller = RequiresWhen(Permission.SUBMIT_CONTENT, _moderation_auth)
