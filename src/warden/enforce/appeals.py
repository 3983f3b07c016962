"""Appeals: the affected party contests an action; a different reviewer decides.

An appeal opens an ``appeal`` case that excludes the reviewer who decided the
action. Granting it (the case outcome "overturn") reverses the action and
removes its strikes; both outcomes are notified. Appeal records are kept for at
least `RETAIN` (DSA Art. 20: six months).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce import actions, audit, cases, reversal
from warden.enforce.casework import CaseOutcome, CaseResult, Review, close, escalate
from warden.enforce.errors import Conflict, Invalid
from warden.enforce.kinds import ActionStatus, CaseKind
from warden.enforce.notices import enqueue
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_scoped
from warden.policy.model import Severity
from warden.store.tables import ActionRecord, Appeal, Case

RETAIN = dt.timedelta(days=183)


class AppealIn(BaseModel):
    action_id: str
    account_id: str | None = None  # who appeals; defaults to the affected account
    statement: str = Field(min_length=3, max_length=10_000)


def file(session: Session, principal: Principal, body: AppealIn, now: dt.datetime) -> Appeal:
    principal.require(Permission.FILE_APPEAL)
    action = get_scoped(session, ActionRecord, body.action_id, principal, "action")
    if body.account_id is not None and body.account_id != action.account_id:
        raise Invalid("only the affected account can appeal this action", param="account_id")
    if action.status != ActionStatus.ACTIVE:
        raise Conflict(f"action {action.id} is {action.status}; only actions in force can be appealed")
    if action.appeal_until is not None and now > action.appeal_until:
        raise Conflict(f"the appeal window closed on {action.appeal_until.date().isoformat()}")
    existing = session.execute(select(Appeal).where(Appeal.action_id == action.id, Appeal.status == "open")).first()
    if existing is not None:
        raise Conflict(f"action {action.id} already has an open appeal")
    reviewer = action.decided_by if action.decided_by not in {None, "system"} else None
    case = cases.open_case(
        session, org_id=action.org_id, kind=CaseKind.APPEAL, subject_type="action", subject_id=action.id,
        severity=Severity.HIGH if action.kind in {"suspension", "termination"} else Severity.MEDIUM,
        actor=principal.actor, rule_ids=list(action.rule_ids), account_id=action.account_id,
        content_id=action.content_id, app_id=action.app_id, decision_id=action.decision_id, action_id=action.id,
        excluded_reviewer=reviewer,
    )
    appeal = Appeal(id=f"apl_{case.id[5:]}", org_id=action.org_id, action_id=action.id, case_id=case.id,
                    account_id=action.account_id, statement=body.statement, retain_until=now + RETAIN,
                    created_at=now)
    session.add(appeal)
    session.flush()
    audit.record(session, actor=principal.actor, action="appeal.filed", subject_type="appeal",
                 subject_id=appeal.id, org_id=appeal.org_id, data={"action_id": action.id, "case_id": case.id})
    enqueue(session, org_id=appeal.org_id, event="appeal.received", recipient_type="account",
            recipient_id=appeal.account_id, payload={"appeal_id": appeal.id, "action_id": action.id})
    return appeal


def _notify(session: Session, appeal: Appeal, outcome: str, reason: str) -> None:
    data = {"appeal_id": appeal.id, "action_id": appeal.action_id, "outcome": outcome, "reason": reason}
    enqueue(session, org_id=appeal.org_id, event="appeal.decided", recipient_type="account",
            recipient_id=appeal.account_id, payload=data)
    enqueue(session, org_id=appeal.org_id, event="appeal.decided", recipient_type="operator",
            recipient_id=appeal.org_id, payload=data)


def decide_appeal(session: Session, case: Case, review: Review) -> CaseResult:
    if review.decision.outcome is CaseOutcome.ESCALATE:
        return escalate(session, case, review)
    appeal = session.execute(select(Appeal).where(Appeal.case_id == case.id)).scalar_one()
    action = session.get_one(ActionRecord, appeal.action_id)
    close(session, case, review, review.decision.outcome.value)
    appeal.decided_by, appeal.decided_at = review.principal.subject, review.now
    appeal.decision_reason = review.decision.reason
    reversed_: list[str] = []
    if review.decision.outcome is CaseOutcome.OVERTURN:
        appeal.status = "granted"
        why = f"appeal {appeal.id} granted: {review.decision.reason}"
        if action.decision_id:  # the whole decision goes: its other actions, strikes and ladder escalations
            reversed_ += reversal.overturn(session, action.decision_id, actor=review.principal.actor, reason=why,
                                           now=review.now)
        elif action.status == ActionStatus.ACTIVE:
            actions.reverse(session, action, actor=review.principal.actor, reason=why, now=review.now)
            reversed_.append(action.id)
    else:
        appeal.status = "denied"
    audit.record(session, actor=review.principal.actor, action=f"appeal.{appeal.status}", subject_type="appeal",
                 subject_id=appeal.id, org_id=appeal.org_id, data={"reason": review.decision.reason})
    _notify(session, appeal, appeal.status, review.decision.reason)
    return CaseResult(case_id=case.id, status=case.status, outcome=review.decision.outcome.value,
                      reversed_actions=reversed_)
