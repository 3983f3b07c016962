"""Overturning a decision: every action and strike it caused is reversed, escalations included.

A decision's own actions (content, app and account actions recorded with its id) are reversed or, if
still awaiting confirmation, cancelled; its strikes are revoked. Later account actions that the strike
ladder took (`escalation` in their audit event) are re-stepped: the ladder is asked again what it would
have taken at the time without the revoked strikes, and where that is milder the escalation is reversed
and the milder step (if any) applied in its place. Every reversal publishes an updated statement of
reasons (`statements.supersede`) and is audited.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warden.decide import Violation
from warden.enforce import actions, audit, choices, strikes
from warden.enforce.kinds import ActionStatus
from warden.enforce.ladder import ACCOUNT_ACTIONS, Ladder, ladder_from
from warden.policy.model import Action
from warden.store.tables import ActionRecord, AuditEvent, DecisionRecord, Organization, Strike


def _escalation(session: Session, action: ActionRecord) -> bool:
    data = session.execute(select(AuditEvent.data).where(
        AuditEvent.subject_id == action.id, AuditEvent.action.in_(["action.taken", "action.proposed"]))
        .order_by(AuditEvent.seq).limit(1)).scalar_one_or_none()
    return bool(data and data.get("escalation"))


def _points_at(session: Session, account_id: str, at: dt.datetime) -> float:
    """Active strike points at `at`, counting only strikes that still stand."""
    total = session.execute(select(func.coalesce(func.sum(Strike.weight), 0.0)).where(
        Strike.account_id == account_id, Strike.revoked_at.is_(None), Strike.created_at <= at,
        Strike.expires_at > at)).scalar_one()
    return float(total)


def _warned_before(session: Session, account_id: str, at: dt.datetime, exclude: str) -> bool:
    return session.execute(select(ActionRecord.id).where(
        ActionRecord.account_id == account_id, ActionRecord.status == ActionStatus.ACTIVE,
        ActionRecord.created_at < at, ActionRecord.id != exclude,
        ActionRecord.kind.in_([Action.WARNING.value, Action.FEATURE_RESTRICTION.value, Action.SUSPENSION.value]))
        .limit(1)).first() is not None


def _violations(decision: DecisionRecord | None) -> list[Violation]:
    return [Violation.model_validate(v) for v in decision.violations] if decision else []


def _restep(session: Session, later: ActionRecord, ladder: Ladder, *, actor: str, overturned: str,
            now: dt.datetime) -> list[str]:
    found = _violations(session.get(DecisionRecord, later.decision_id) if later.decision_id else None)
    if not found or later.account_id is None:
        return []
    points = _points_at(session, later.account_id, later.created_at)
    step, days = choices.next_step(ladder, points, found, was_warned=_warned_before(
        session, later.account_id, later.created_at, later.id))
    if step is not None and step >= Action(later.kind):
        return []  # the ladder reaches this step without the overturned decision
    reason = f"escalation step caused by overturned decision {overturned}"
    actions.reverse(session, later, actor=actor, reason=reason, now=now, revoke_strikes=False)
    if step is not None:
        spec = actions.ActionSpec(
            org_id=later.org_id, kind=step, account_id=later.account_id, content_id=later.content_id,
            decision_id=later.decision_id, case_id=later.case_id, rule_ids=list(later.rule_ids),
            reason=f"{later.reason} (re-stepped after decision {overturned} was overturned)",
            automated=later.automated, source=later.source, decided_by=later.decided_by, days=days,
            escalation=True)
        actions.apply(session, spec, actor=actor, appeal_days=ladder.appeal_days, now=now)
    return [later.id]


def overturn(session: Session, decision_id: str, *, actor: str, reason: str, now: dt.datetime) -> list[str]:
    """Reverse everything `decision_id` caused; returns the ids of the actions reversed or cancelled."""
    decision = session.get_one(DecisionRecord, decision_id)
    own = session.execute(select(ActionRecord).where(
        ActionRecord.decision_id == decision_id,
        ActionRecord.status.in_([ActionStatus.ACTIVE.value, ActionStatus.PENDING_CONFIRMATION.value]))
        .order_by(ActionRecord.created_at)).scalars().all()
    standing = session.execute(select(func.count()).select_from(Strike).where(
        Strike.decision_id == decision_id, Strike.revoked_at.is_(None))).scalar_one()
    undone: list[str] = []
    for a in own:
        if a.status == ActionStatus.PENDING_CONFIRMATION:
            actions.cancel(session, a, actor=actor, reason=reason, now=now)
        else:
            actions.reverse(session, a, actor=actor, reason=reason, now=now)
        undone.append(a.id)
    strikes.revoke_for_decision(session, decision_id, now)  # those no action of it carried too
    session.flush()
    if decision.account_id:
        # escalations after the first thing the decision did (its actions carry the enforcement clock)
        since = min((a.created_at for a in own), default=decision.created_at)
        ladder = ladder_from(session.get_one(Organization, decision.org_id).ladder)
        later = session.execute(select(ActionRecord).where(
            ActionRecord.account_id == decision.account_id, ActionRecord.status == ActionStatus.ACTIVE,
            ActionRecord.created_at >= since, ActionRecord.decision_id != decision_id,
            ActionRecord.kind.in_([k.value for k in ACCOUNT_ACTIONS])).order_by(ActionRecord.created_at)
        ).scalars().all()
        for a in later:
            if _escalation(session, a):
                undone += _restep(session, a, ladder, actor=actor, overturned=decision_id, now=now)
    audit.record(session, actor=actor, action="decision.overturned", subject_type="decision",
                 subject_id=decision_id, org_id=decision.org_id,
                 data={"reason": reason, "actions_undone": undone, "strikes_revoked": standing})
    return undone

