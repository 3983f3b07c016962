"""Reads, scoped once: every listing and lookup the shells serve, with the tenant rule applied here.

A key bound to an organization sees only that organization's records; a key bound to a
workspace only that workspace's (`scoping.WORKSPACE_RULES`: a record belongs to its account's
workspace). Every listing takes a bounded `Page`. Routes, the CLI and the console call these
instead of building queries, so a scoping rule is written once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce.pages import Page
from warden.enforce.principal import Principal
from warden.enforce.scoping import get_scoped, scoped
from warden.store.tables import (
    Account,
    ActionRecord,
    AuditEvent,
    DecisionRecord,
    Delivery,
    MandatoryReport,
    Notice,
    Organization,
    Strike,
)


def organizations(session: Session, principal: Principal, page: Page) -> Sequence[Organization]:
    q = select(Organization).order_by(Organization.created_at)
    if principal.org_id is not None:
        q = q.where(Organization.id == principal.org_id)
    return session.execute(page.apply(q)).scalars().all()


def accounts(session: Session, principal: Principal, page: Page, *, org_id: str | None = None,
             workspace_id: str | None = None) -> Sequence[Account]:
    q = scoped(select(Account).order_by(Account.created_at), Account.org_id, principal, org_id)
    if workspace_id is not None:
        q = q.where(Account.workspace_id == workspace_id)
    return session.execute(page.apply(q)).scalars().all()


def actions(session: Session, principal: Principal, page: Page, *, org_id: str | None = None,
            account_id: str | None = None, status: str | None = None) -> Sequence[ActionRecord]:
    q = scoped(select(ActionRecord).order_by(ActionRecord.created_at), ActionRecord.org_id, principal, org_id)
    if account_id is not None:
        q = q.where(ActionRecord.account_id == account_id)
    if status is not None:
        q = q.where(ActionRecord.status == status)
    return session.execute(page.apply(q)).scalars().all()


def strikes(session: Session, principal: Principal, account_id: str, page: Page) -> Sequence[Strike]:
    get_scoped(session, Account, account_id, principal, "account")
    q = select(Strike).where(Strike.account_id == account_id).order_by(Strike.created_at)
    return session.execute(page.apply(q)).scalars().all()


def decision(session: Session, principal: Principal, decision_id: str) -> DecisionRecord:
    return get_scoped(session, DecisionRecord, decision_id, principal, "decision")


def notices(session: Session, principal: Principal, page: Page, *, org_id: str | None = None,
            recipient_id: str | None = None) -> list[tuple[Notice, list[tuple[str, str]]]]:
    """Notices with the (channel, status) of each of their deliveries."""
    q = scoped(select(Notice).order_by(Notice.created_at), Notice.org_id, principal, org_id)
    if recipient_id is not None:
        q = q.where(Notice.recipient_id == recipient_id)
    out = []
    for notice in session.execute(page.apply(q)).scalars():
        states = session.execute(select(Delivery.channel, Delivery.status).where(Delivery.notice_id == notice.id))
        out.append((notice, [(channel, status) for channel, status in states]))
    return out


def audit_events(session: Session, principal: Principal, page: Page, *, org_id: str | None = None,
                 after_seq: int = 0) -> Sequence[AuditEvent]:
    q = scoped(select(AuditEvent).where(AuditEvent.seq > after_seq).order_by(AuditEvent.seq),
               AuditEvent.org_id, principal, org_id)
    return session.execute(page.apply(q)).scalars().all()


def mandatory_reports(session: Session, principal: Principal, page: Page) -> Sequence[MandatoryReport]:
    q = scoped(select(MandatoryReport).order_by(MandatoryReport.created_at), MandatoryReport.org_id, principal, None)
    return session.execute(page.apply(q)).scalars().all()
