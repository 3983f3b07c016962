"""Read models of casework for the console (and any shell): the filtered queue, one case with what a
reviewer needs beside it, and an account's history. Everything is loaded through the principal's
tenant and workspace scope (`scoping`), like every other read (`queries`).

A case's content is shown as an excerpt, never as sealed evidence: restricted content (suspected
CSAM, preserved for a mandatory report) has no text on its record, and the view carries only its
hash and metadata.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from warden.enforce import actions
from warden.enforce.kinds import CaseKind, CaseStatus
from warden.enforce.pages import Page
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_scoped, scoped
from warden.store.tables import (
    Account,
    ActionRecord,
    Appeal,
    Case,
    ContentItem,
    DecisionRecord,
    MandatoryReport,
    Report,
    Strike,
)

EXCERPT = 2000
QUEUE_EXCERPT = 90


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseRow(_Row):
    id: str
    org_id: str
    kind: str
    subject_type: str
    subject_id: str
    account_id: str | None
    content_id: str | None
    decision_id: str | None
    action_id: str | None
    severity: str
    confidence: float
    priority: float
    rule_ids: list[str]
    status: str
    claimed_by: str | None
    excluded_reviewer: str | None
    report_count: int
    outcome: str | None
    reason: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    created_at: dt.datetime
    excerpt: str | None = None  # the start of its content, in the queue (never of sealed content)


class QueueFilter(BaseModel):
    status: str = CaseStatus.OPEN.value
    kind: str | None = None  # the source: automated_flag, user_report, appeal, re_review, ...
    severity: str | None = None
    rule: str | None = None
    surface: str | None = None
    min_age_hours: float | None = Field(default=None, ge=0)
    org_id: str | None = None
    claimable_by: str | None = None  # only cases this reviewer may take (not excluded from)


def queue(session: Session, principal: Principal, filters: QueueFilter, page: Page, now: dt.datetime) -> list[CaseRow]:
    """The prioritised queue, filtered; highest priority first."""
    principal.require(Permission.READ_ENFORCEMENT)
    q = scoped(select(Case).where(Case.status == filters.status), Case.org_id, principal, filters.org_id)
    if filters.kind:
        q = q.where(Case.kind == filters.kind)
    if filters.severity:
        q = q.where(Case.severity == filters.severity)
    if filters.rule:
        q = q.where(cast(Case.rule_ids, String).like(f'%"{filters.rule}"%'))
    if filters.surface:
        q = q.where(Case.decision_id.in_(select(DecisionRecord.id).where(DecisionRecord.surface == filters.surface)))
    if filters.min_age_hours is not None:
        q = q.where(Case.created_at <= now - dt.timedelta(hours=filters.min_age_hours))
    if filters.claimable_by is not None:
        q = q.where(or_(Case.excluded_reviewer.is_(None), Case.excluded_reviewer != filters.claimable_by))
    rows = [CaseRow.model_validate(c) for c in
            session.execute(page.apply(q.order_by(Case.priority.desc(), Case.created_at))).scalars()]
    wanted = {r.content_id for r in rows if r.content_id}
    texts = dict(session.execute(select(ContentItem.id, ContentItem.text).where(
        ContentItem.id.in_(wanted), ContentItem.restricted.is_(False))).tuples().all()) if wanted else {}
    for r in rows:
        text = " ".join((texts.get(r.content_id or "") or "").split())
        r.excerpt = (text[:QUEUE_EXCERPT - 1] + "…" if len(text) > QUEUE_EXCERPT else text) or None
    return rows


class ContentView(BaseModel):
    id: str
    content_type: str
    excerpt: str | None  # None when sealed
    truncated: bool
    sealed: bool  # restricted: preserved as evidence, never shown
    sha256: str
    removed: bool
    created_at: dt.datetime


class DecisionView(_Row):
    id: str
    verdict: str
    violations: list[dict[str, Any]]
    scores: dict[str, float]
    explanation: str
    policy_revision: str
    surface: str | None
    detector: str | None
    automated: bool
    created_at: dt.datetime


class ReportView(_Row):
    id: str
    case_id: str
    subject_type: str
    subject_id: str
    category: str | None
    reason: str
    trusted_flagger: bool
    outcome: str | None
    created_at: dt.datetime


class AppealView(_Row):
    id: str
    action_id: str
    statement: str
    status: str
    decided_by: str | None
    decision_reason: str | None
    created_at: dt.datetime


class ActionView(_Row):
    id: str
    kind: str
    status: str
    rule_ids: list[str]
    reason: str
    source: str
    automated: bool
    decided_by: str | None
    case_id: str | None
    appeal_until: dt.datetime | None
    created_at: dt.datetime


class StrikeView(_Row):
    id: str
    rule_id: str
    severity: str
    weight: float
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_at: dt.datetime


class MandatoryView(_Row):
    id: str
    status: str
    content_id: str
    confirmed_by: str | None
    created_at: dt.datetime


class AccountHistory(BaseModel):
    id: str
    org_id: str
    kind: str
    display_name: str | None
    external_id: str | None
    standing: actions.Standing
    strikes: list[StrikeView]
    actions: list[ActionView]
    cases: list[CaseRow]


class CaseView(BaseModel):
    case: CaseRow
    content: ContentView | None
    decision: DecisionView | None
    reports: list[ReportView]
    appeal: AppealView | None
    action: ActionView | None  # the action under appeal or awaiting confirmation
    mandatory: list[MandatoryView]
    account: AccountHistory | None


def content_view(content: ContentItem) -> ContentView:
    text = None if content.restricted else content.text
    return ContentView(id=content.id, content_type=content.content_type,
                       excerpt=text[:EXCERPT] if text is not None else None,
                       truncated=text is not None and len(text) > EXCERPT, sealed=content.restricted,
                       sha256=content.sha256, removed=content.removed, created_at=content.created_at)


def account_history(session: Session, principal: Principal, account_id: str, now: dt.datetime,
                    *, limit: int = 50) -> AccountHistory:
    principal.require(Permission.READ_ENFORCEMENT)
    account = get_scoped(session, Account, account_id, principal, "account")
    strikes = session.execute(select(Strike).where(Strike.account_id == account.id)
                              .order_by(Strike.created_at.desc()).limit(limit)).scalars()
    acts = session.execute(select(ActionRecord).where(ActionRecord.account_id == account.id)
                           .order_by(ActionRecord.created_at.desc()).limit(limit)).scalars()
    cases = session.execute(select(Case).where(Case.account_id == account.id)
                            .order_by(Case.created_at.desc()).limit(limit)).scalars()
    return AccountHistory(
        id=account.id, org_id=account.org_id, kind=account.kind, display_name=account.display_name,
        external_id=account.external_id, standing=actions.standing(session, account.id, now),
        strikes=[StrikeView.model_validate(s) for s in strikes], actions=[ActionView.model_validate(a) for a in acts],
        cases=[CaseRow.model_validate(c) for c in cases])


def case_view(session: Session, principal: Principal, case_id: str, now: dt.datetime) -> CaseView:
    """One case with its content excerpt (or the sealed placeholder), the decision with its rules and
    scores, the reports' reasons, the appeal or action it is about, and the account's history."""
    principal.require(Permission.READ_ENFORCEMENT)
    case = get_scoped(session, Case, case_id, principal, "case")
    content = session.get(ContentItem, case.content_id) if case.content_id else None
    decision = session.get(DecisionRecord, case.decision_id) if case.decision_id else None
    action = session.get(ActionRecord, case.action_id) if case.action_id else None
    if decision is None and action is not None and action.decision_id:
        decision = session.get(DecisionRecord, action.decision_id)
    reports = session.execute(select(Report).where(Report.case_id == case.id).order_by(Report.created_at)).scalars()
    appeal = session.execute(select(Appeal).where(Appeal.case_id == case.id)).scalar_one_or_none() \
        if case.kind == CaseKind.APPEAL else None
    mandatory = session.execute(select(MandatoryReport).where(MandatoryReport.content_id == case.content_id)
                                ).scalars().all() if case.content_id else []
    return CaseView(
        case=CaseRow.model_validate(case), content=content_view(content) if content else None,
        decision=DecisionView.model_validate(decision) if decision else None,
        reports=[ReportView.model_validate(r) for r in reports],
        appeal=AppealView.model_validate(appeal) if appeal else None,
        action=ActionView.model_validate(action) if action else None,
        mandatory=[MandatoryView.model_validate(m) for m in mandatory],
        account=account_history(session, principal, case.account_id, now) if case.account_id else None)


def reports(session: Session, principal: Principal, page: Page) -> list[ReportView]:
    principal.require(Permission.READ_ENFORCEMENT)
    q = scoped(select(Report).order_by(Report.created_at.desc()), Report.org_id, principal, None)
    return [ReportView.model_validate(r) for r in session.execute(page.apply(q)).scalars()]
