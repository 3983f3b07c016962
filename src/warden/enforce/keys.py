"""API keys: ``wdn_<prefix>_<secret>``; only a SHA-256 of the secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce import audit
from warden.enforce.errors import Forbidden, Invalid
from warden.enforce.principal import TENANT_ROLES, Permission, Principal, Role
from warden.enforce.scoping import get_org, get_scoped
from warden.store.tables import ApiKey, Workspace, new_id, utcnow

SHOWN_ONCE = "x-shown-once"  # marks a response field holding a secret: an idempotent replay redacts it


class KeyIn(BaseModel):
    role: Role
    subject: str = Field(min_length=1, max_length=200)
    org_id: str | None = None
    workspace_id: str | None = None

    @model_validator(mode="after")
    def _tenant(self) -> KeyIn:
        if self.role in TENANT_ROLES and self.org_id is None:
            raise ValueError(f"a {self.role.value} key must be bound to an organization (org_id)")
        if self.role is Role.PLATFORM_ADMIN and self.org_id is not None:
            raise ValueError("a platform_admin key is not bound to an organization")
        if self.workspace_id is not None and self.org_id is None:
            raise ValueError("a workspace-bound key needs its org_id too")
        return self


class IssuedKey(BaseModel):
    id: str
    key: str = Field(json_schema_extra={SHOWN_ONCE: True})  # shown once: never stored, never replayed
    role: Role
    subject: str
    org_id: str | None
    workspace_id: str | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(session: Session, principal: Principal, body: KeyIn) -> IssuedKey:
    principal.require(Permission.MANAGE_KEYS)
    if principal.role is not Role.PLATFORM_ADMIN:
        if body.role not in TENANT_ROLES:
            raise Forbidden(f"an {principal.role.value} key cannot create {body.role.value} keys")
        if body.org_id != principal.org_id:
            raise Forbidden("keys can only be created for your own organization")
        if principal.workspace_id is not None and body.workspace_id != principal.workspace_id:
            raise Forbidden("keys can only be created for your own workspace")
    if body.org_id is not None:
        get_org(session, body.org_id, principal)
    if body.workspace_id is not None:
        ws = get_scoped(session, Workspace, body.workspace_id, principal, "workspace")
        if ws.org_id != body.org_id:
            raise Invalid("the workspace belongs to another organization", param="workspace_id")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    row = ApiKey(id=new_id("key"), prefix=prefix, secret_hash=_hash(secret), role=body.role.value,
                 subject=body.subject, org_id=body.org_id, workspace_id=body.workspace_id)
    session.add(row)
    session.flush()
    audit.record(session, actor=principal.actor, action="key.created", subject_type="api_key", subject_id=row.id,
                 org_id=body.org_id, workspace_id=body.workspace_id,
                 data={"role": body.role.value, "subject": body.subject})
    return IssuedKey(id=row.id, key=f"wdn_{prefix}_{secret}", role=body.role, subject=body.subject,
                     org_id=body.org_id, workspace_id=body.workspace_id)


def authenticate(session: Session, presented: str) -> Principal | None:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "wdn":
        return None
    row = session.execute(select(ApiKey).where(ApiKey.prefix == parts[1])).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(parts[2])):
        return None
    return Principal(key_id=row.id, role=Role(row.role), subject=row.subject, org_id=row.org_id,
                     workspace_id=row.workspace_id)


def revoke(session: Session, principal: Principal, key_id: str) -> ApiKey:
    principal.require(Permission.MANAGE_KEYS)
    row = get_scoped(session, ApiKey, key_id, principal, "key")
    row.revoked_at = utcnow()
    audit.record(session, actor=principal.actor, action="key.revoked", subject_type="api_key", subject_id=row.id,
                 org_id=row.org_id)
    return row


def principal_for(session: Session, key_id: str) -> Principal | None:
    """The principal of a key by its id, or None if it does not exist or was revoked (a console session
    holds the key's id, never the key, and is re-checked on every request)."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, role=Role(row.role), subject=row.subject, org_id=row.org_id,
                     workspace_id=row.workspace_id)
