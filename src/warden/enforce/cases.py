"""The review queue: opening cases, prioritising them, and exclusive claims.

A claim is one conditional UPDATE (``… WHERE status = 'open' …``), atomic on
every backend; on PostgreSQL, picking the next case also locks candidates with
``FOR UPDATE SKIP LOCKED`` so concurrent reviewers skip past each other instead
of queueing. A claim left untouched for `CLAIM_TTL` lapses and the case can be
claimed again. A reviewer excluded from a case (the one who made the decision
under appeal, or who proposed a termination) can never claim it.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warden.enforce import audit
from warden.enforce.errors import Conflict, Forbidden
from warden.enforce.kinds import CaseKind, CaseStatus
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_scoped, scoped
from warden.policy.model import Severity
from warden.store.tables import Case, ContentItem, new_id

CLAIM_TTL = dt.timedelta(minutes=30)

KIND_BOOST: dict[str, float] = {CaseKind.CONFIRMATION: 60.0, CaseKind.SAFETY_CHECK: 50.0, CaseKind.APPEAL: 40.0,
                               CaseKind.USER_REPORT: 10.0, CaseKind.AUTOMATED_FLAG: 0.0, CaseKind.RE_REVIEW: 0.0}


def priority(severity: Severity, confidence: float, reach: int, kind: str, reports: int = 0) -> float:
    """Severity first, then confidence, reach and how many people reported it."""
    return round((severity.rank + 1) * 100 + confidence * 50 + min(math.log10(max(reach, 0) + 1), 7) * 10
                 + KIND_BOOST.get(kind, 0.0) + min(reports, 20) * 5, 3)


def open_case(
    session: Session, *, org_id: str, kind: str, subject_type: str, subject_id: str, severity: Severity,
    actor: str, confidence: float = 0.0, reach: int = 0, rule_ids: list[str] | None = None,
    account_id: str | None = None, content_id: str | None = None, app_id: str | None = None,
    decision_id: str | None = None, action_id: str | None = None, excluded_reviewer: str | None = None,
    report_count: int = 0,
) -> Case:
    """Open a case, or attach to the open one of the same kind family for the same account and rule."""
    if account_id and rule_ids and kind in DEDUPED:
        existing = open_duplicate(session, org_id=org_id, kind=kind, account_id=account_id, rule_ids=rule_ids)
        if existing is not None:
            return _attach(session, existing, actor=actor, subject=f"{subject_type}:{subject_id}",
                           rule_ids=rule_ids, report_count=report_count, decision_id=decision_id,
                           action_id=action_id)
    case = Case(
        id=new_id("case"), org_id=org_id, kind=kind, subject_type=subject_type, subject_id=subject_id,
        account_id=account_id, content_id=content_id, app_id=app_id, decision_id=decision_id, action_id=action_id,
        severity=severity.value, confidence=confidence, reach=reach, rule_ids=rule_ids or [],
        priority=priority(severity, confidence, reach, kind, report_count), status=CaseStatus.OPEN,
        excluded_reviewer=excluded_reviewer, report_count=report_count,
    )
    session.add(case)
    session.flush()
    audit.record(session, actor=actor, action="case.opened", subject_type="case", subject_id=case.id,
                 org_id=org_id, data={"kind": kind, "subject": f"{subject_type}:{subject_id}",
                                      "priority": case.priority, "rule_ids": case.rule_ids})
    return case


# Kinds deduplicated per account and rule, each within its family: a second violation while a flag, report
# or re-review case is open joins it; a second proposed termination joins the open confirmation case.
FAMILIES: dict[str, tuple[str, ...]] = {
    k: (CaseKind.AUTOMATED_FLAG, CaseKind.USER_REPORT, CaseKind.RE_REVIEW)
    for k in (CaseKind.AUTOMATED_FLAG, CaseKind.USER_REPORT, CaseKind.RE_REVIEW)} | {
    CaseKind.CONFIRMATION: (CaseKind.CONFIRMATION,)}
DEDUPED = frozenset(FAMILIES)


def open_duplicate(session: Session, *, org_id: str, kind: str, account_id: str, rule_ids: list[str]) -> Case | None:
    rows = session.execute(select(Case).where(
        Case.org_id == org_id, Case.account_id == account_id, Case.kind.in_([str(k) for k in FAMILIES[kind]]),
        Case.status.in_([CaseStatus.OPEN.value, CaseStatus.CLAIMED.value])).order_by(Case.created_at)).scalars()
    return next((c for c in rows if set(c.rule_ids) & set(rule_ids)), None)


def _attach(session: Session, case: Case, *, actor: str, subject: str, rule_ids: list[str], report_count: int,
            decision_id: str | None, action_id: str | None) -> Case:
    case.rule_ids = list(dict.fromkeys([*case.rule_ids, *rule_ids]))
    case.report_count += report_count
    case.priority = round(case.priority + min(report_count, 20) * 5, 3)
    audit.record(session, actor=actor, action="case.attached", subject_type="case", subject_id=case.id,
                 org_id=case.org_id, data={"subject": subject, "rule_ids": rule_ids, "decision_id": decision_id,
                                           "action_id": action_id})
    return case


def open_re_review(session: Session, principal: Principal, *, content_id: str, severity: Severity,
                   rule_ids: list[str]) -> Case:
    """Retroactive re-review of stored content (e.g. after a policy update) as a case in the queue.
    Restricted content (sealed evidence) is handled through its confirmation case, never re-opened here."""
    principal.require(Permission.OPEN_REVIEW)
    content = get_scoped(session, ContentItem, content_id, principal, "content")
    if content.restricted:
        raise Conflict("restricted content is handled through its confirmation case")
    return open_case(session, org_id=content.org_id, kind=CaseKind.RE_REVIEW, subject_type="content",
                     subject_id=content.id, severity=severity, actor=principal.actor, reach=content.reach,
                     rule_ids=rule_ids, account_id=content.account_id, content_id=content.id,
                     app_id=content.app_id)


def _claimable(reviewer: str, now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        or_(Case.status == CaseStatus.OPEN, and_(Case.status == CaseStatus.CLAIMED, Case.claimed_at < now - CLAIM_TTL)),
        or_(Case.excluded_reviewer.is_(None), Case.excluded_reviewer != reviewer),
    )


def _take(session: Session, case_id: str, principal: Principal, now: dt.datetime) -> bool:
    result = session.execute(
        update(Case).where(Case.id == case_id, _claimable(principal.subject, now))
        .values(status=CaseStatus.CLAIMED, claimed_by=principal.subject, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _claimed(session: Session, case_id: str, principal: Principal) -> Case:
    case = session.get_one(Case, case_id, populate_existing=True)
    audit.record(session, actor=principal.actor, action="case.claimed", subject_type="case", subject_id=case.id,
                 org_id=case.org_id, data={"reviewer": principal.subject})
    return case


def claim(session: Session, case_id: str, principal: Principal, now: dt.datetime) -> Case:
    principal.require(Permission.REVIEW)
    case = get_scoped(session, Case, case_id, principal, "case")
    if case.excluded_reviewer == principal.subject:
        raise Forbidden("this case must be handled by a different reviewer than the one who decided before")
    if not _take(session, case_id, principal, now):
        session.refresh(case)
        raise Conflict(f"case {case_id} is {case.status}" + (f" by {case.claimed_by}" if case.claimed_by else ""))
    return _claimed(session, case_id, principal)


def claim_next(session: Session, principal: Principal, now: dt.datetime, *, postgres: bool,
               org_id: str | None = None, kind: str | None = None) -> Case | None:
    """Claim the highest-priority case this reviewer may take, or None if the queue is empty."""
    principal.require(Permission.REVIEW)
    q = scoped(select(Case.id).where(_claimable(principal.subject, now)), Case.org_id, principal, org_id)
    if kind is not None:
        q = q.where(Case.kind == kind)
    q = q.order_by(Case.priority.desc(), Case.created_at)
    # PostgreSQL: lock just the best case nobody else has locked; SQLite writers are serialised anyway.
    q = q.limit(1).with_for_update(skip_locked=True) if postgres else q.limit(5)
    for case_id in session.execute(q).scalars().all():
        if _take(session, case_id, principal, now):
            return _claimed(session, case_id, principal)
    return None


def release(session: Session, case: Case, principal: Principal) -> None:
    if case.status != CaseStatus.CLAIMED or case.claimed_by != principal.subject:
        raise Conflict("only the reviewer holding a claim can release it")
    case.status, case.claimed_by, case.claimed_at = "open", None, None
    audit.record(session, actor=principal.actor, action="case.released", subject_type="case", subject_id=case.id,
                 org_id=case.org_id)


def queue(session: Session, principal: Principal, *, org_id: str | None = None, status: str = "open",
          limit: int = 50) -> list[Case]:
    principal.require(Permission.READ_ENFORCEMENT)
    q = scoped(select(Case).where(Case.status == status), Case.org_id, principal, org_id)
    return list(session.execute(q.order_by(Case.priority.desc(), Case.created_at).limit(limit)).scalars())
