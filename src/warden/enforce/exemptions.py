"""Exemptions are granted, not declared: red-team and research exemptions by a platform administrator.

A grant names an organization (and optionally one account), the exception (`red-team`, `scientific`,
`publication-research`), the rules it covers (empty: every rule offering that exception), an expiry
and a reason, and is audited. A request's own claim (`context.request.red_team`, a research
`request.purpose`) only selects a grant: `gate` strips the claim unless a live grant covers the
caller, and a decision that would exempt a rule outside the grant is decided again without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warden.decide import Decision
from warden.enforce import audit
from warden.enforce.errors import Conflict, Invalid
from warden.enforce.pages import Page
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_org, get_scoped, scoped
from warden.policy.model import ExceptionKind
from warden.store.tables import Account, GrantedExemption, new_id

GRANTABLE = (ExceptionKind.RED_TEAM, ExceptionKind.SCIENTIFIC, ExceptionKind.PUBLICATION_RESEARCH)
RESEARCH_PURPOSES = {"research", "scientific"}


class ExemptionIn(BaseModel):
    org_id: str
    account_id: str | None = None
    kind: ExceptionKind
    rule_ids: list[str] = Field(default_factory=list, max_length=200)
    reason: str = Field(min_length=3, max_length=5000)
    expires_at: dt.datetime


class ExemptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    account_id: str | None
    kind: str
    rule_ids: list[str]
    reason: str
    granted_by: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_at: dt.datetime


def grant(session: Session, principal: Principal, body: ExemptionIn, now: dt.datetime) -> ExemptionOut:
    principal.require(Permission.GRANT_EXEMPTIONS)
    if body.kind not in GRANTABLE:
        raise Invalid(f"only {', '.join(k.value for k in GRANTABLE)} exemptions are granted", param="kind")
    if body.expires_at.tzinfo is None or body.expires_at <= now:
        raise Invalid("expires_at must be a future time with a timezone", param="expires_at")
    get_org(session, body.org_id, principal)
    if body.account_id is not None:
        account = get_scoped(session, Account, body.account_id, principal, "account")
        if account.org_id != body.org_id:
            raise Invalid("the account belongs to another organization", param="account_id")
    row = GrantedExemption(id=new_id("exm"), org_id=body.org_id, account_id=body.account_id, kind=body.kind.value,
                           rule_ids=list(body.rule_ids), reason=body.reason, granted_by=principal.actor,
                           expires_at=body.expires_at, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=principal.actor, action="exemption.granted", subject_type="exemption",
                 subject_id=row.id, org_id=row.org_id,
                 data={"kind": row.kind, "account_id": row.account_id, "rule_ids": row.rule_ids,
                       "expires_at": row.expires_at.isoformat(), "reason": row.reason})
    return ExemptionOut.model_validate(row)


def revoke(session: Session, principal: Principal, exemption_id: str, now: dt.datetime) -> ExemptionOut:
    principal.require(Permission.GRANT_EXEMPTIONS)
    row = get_scoped(session, GrantedExemption, exemption_id, principal, "exemption")
    if row.revoked_at is not None:
        raise Conflict(f"exemption {row.id} is already revoked")
    row.revoked_at = now
    audit.record(session, actor=principal.actor, action="exemption.revoked", subject_type="exemption",
                 subject_id=row.id, org_id=row.org_id, data={"kind": row.kind})
    return ExemptionOut.model_validate(row)


def listing(session: Session, principal: Principal, page: Page, *, org_id: str | None = None
            ) -> Sequence[GrantedExemption]:
    principal.require(Permission.READ_ENFORCEMENT)
    q = scoped(select(GrantedExemption), GrantedExemption.org_id, principal, org_id)
    return session.execute(page.apply(q.order_by(GrantedExemption.created_at))).scalars().all()


def live(session: Session, org_id: str, account_id: str | None, now: dt.datetime) -> list[GrantedExemption]:
    """Grants in force for this organization (org-wide) or this account."""
    who: list[ColumnElement[bool]] = [GrantedExemption.account_id.is_(None)]
    if account_id is not None:
        who.append(GrantedExemption.account_id == account_id)
    return list(session.execute(select(GrantedExemption).where(
        GrantedExemption.org_id == org_id, GrantedExemption.revoked_at.is_(None),
        GrantedExemption.expires_at > now, or_(*who))).scalars())


def _claims(context: Mapping[str, Any]) -> set[ExceptionKind]:
    request = context.get("request")
    if not isinstance(request, Mapping):
        return set()
    found = set()
    if request.get("red_team"):
        found.add(ExceptionKind.RED_TEAM)
    if request.get("purpose") in RESEARCH_PURPOSES or request.get("publication_policy"):
        found |= {ExceptionKind.SCIENTIFIC, ExceptionKind.PUBLICATION_RESEARCH}
    return found


def gate(context: Mapping[str, Any], grants: Sequence[GrantedExemption]) -> dict[str, Any]:
    """The context with the request's red-team / research claims kept only where a grant covers them."""
    out = dict(context)
    claimed = _claims(context)
    if not claimed:
        return out
    granted = {ExceptionKind(g.kind) for g in grants}
    request = dict(out["request"])
    if ExceptionKind.RED_TEAM in claimed and ExceptionKind.RED_TEAM not in granted:
        request.pop("red_team", None)
    if claimed & {ExceptionKind.SCIENTIFIC, ExceptionKind.PUBLICATION_RESEARCH} and not granted & {
            ExceptionKind.SCIENTIFIC, ExceptionKind.PUBLICATION_RESEARCH}:
        if request.get("purpose") in RESEARCH_PURPOSES:
            request.pop("purpose")
        request.pop("publication_policy", None)
    out["request"] = request
    return out


def within_grants(decision: Decision, grants: Sequence[GrantedExemption]) -> bool:
    """Whether every granted-kind exemption the decision applied lies within a grant's rules."""
    for exempt in decision.exemptions:
        if exempt.exception not in GRANTABLE:
            continue
        if not any(g.kind == exempt.exception.value and (not g.rule_ids or exempt.rule_id in g.rule_ids)
                   for g in grants):
            return False
    return True


def strip_claims(context: Mapping[str, Any]) -> dict[str, Any]:
    return gate(context, [])
