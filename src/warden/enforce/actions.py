"""Actions: taking effect, notifying, explaining (statement of reasons), reversing.

An action that takes effect always produces, in the same transaction, its
statement of reasons, a notice to the affected party and one to the operator,
and an audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce import audit, statements, strikes
from warden.enforce.kinds import ActionStatus
from warden.enforce.ladder import ACCOUNT_ACTIONS, APP_ACTIONS
from warden.enforce.notices import enqueue
from warden.policy.model import Action
from warden.store.tables import ActionRecord, ContentItem, new_id


class ActionSpec(BaseModel):
    """What to do; `apply` turns it into a record."""

    org_id: str
    kind: Action
    account_id: str | None = None
    app_id: str | None = None
    content_id: str | None = None
    decision_id: str | None = None
    case_id: str | None = None
    rule_ids: list[str]
    reason: str
    automated: bool
    hard_limit: bool = False
    source: str  # automated | review | report | re_review
    decided_by: str | None = None
    days: int | None = None
    pending_confirmation: bool = False
    escalation: bool = False  # the step the strike ladder took (re-stepped when a decision under it is overturned)


def payload(action: ActionRecord) -> dict[str, Any]:
    return {
        "action_id": action.id, "kind": action.kind, "status": action.status, "rule_ids": action.rule_ids,
        "reason": action.reason, "account_id": action.account_id, "app_id": action.app_id,
        "content_id": action.content_id, "automated": action.automated,
        "starts_at": action.starts_at.isoformat(), "ends_at": action.ends_at.isoformat() if action.ends_at else None,
        "appeal_until": action.appeal_until.isoformat() if action.appeal_until else None,
    }


def _notify(session: Session, action: ActionRecord, event: str, extra: dict[str, Any] | None = None) -> None:
    data = payload(action) | (extra or {})
    if action.account_id:
        enqueue(session, org_id=action.org_id, event=event, recipient_type="account",
                recipient_id=action.account_id, payload=data)
    enqueue(session, org_id=action.org_id, event=event, recipient_type="operator", recipient_id=action.org_id,
            payload=data)


def _take_effect(session: Session, action: ActionRecord, actor: str, now: dt.datetime, *,
                 escalation: bool = False) -> None:
    action.status = ActionStatus.ACTIVE
    action.starts_at = now
    if action.ends_at is not None and action.created_at != now:
        action.ends_at = now + (action.ends_at - action.created_at)
    if Action(action.kind) is Action.CONTENT_REMOVAL and action.content_id:
        content = session.get_one(ContentItem, action.content_id)
        content.removed = True
    sor = statements.issue(session, action)
    _notify(session, action, "action.taken", {"statement_puid": sor.puid})
    audit.record(session, actor=actor, action="action.taken", subject_type="action", subject_id=action.id,
                 org_id=action.org_id, data=payload(action) | {"statement_id": sor.id, "escalation": escalation})


OPEN = (ActionStatus.ACTIVE, ActionStatus.PENDING_CONFIRMATION)


def open_duplicate(session: Session, spec: ActionSpec, now: dt.datetime) -> ActionRecord | None:
    """An action of the same kind on the same account (or app) for one of the same rules, still open."""
    if spec.kind in ACCOUNT_ACTIONS and spec.account_id:
        where = ActionRecord.account_id == spec.account_id
    elif spec.kind in APP_ACTIONS and spec.app_id:
        where = ActionRecord.app_id == spec.app_id
    else:
        return None  # content actions fall on one item each
    rows = session.execute(select(ActionRecord).where(
        where, ActionRecord.org_id == spec.org_id, ActionRecord.kind == spec.kind.value,
        ActionRecord.status.in_([s.value for s in OPEN])).order_by(ActionRecord.created_at)).scalars()
    return next((a for a in rows if (a.ends_at is None or a.ends_at > now) and set(a.rule_ids) & set(spec.rule_ids)),
                None)


def apply(session: Session, spec: ActionSpec, *, actor: str, appeal_days: int, now: dt.datetime) -> ActionRecord:
    """Take (or propose) an action; a second violation of the same rule while the same action is open
    attaches to that action (audited) instead of stacking a duplicate."""
    existing = open_duplicate(session, spec, now)
    if existing is not None:
        audit.record(session, actor=actor, action="action.attached", subject_type="action", subject_id=existing.id,
                     org_id=existing.org_id, data={"decision_id": spec.decision_id, "case_id": spec.case_id,
                                                   "rule_ids": spec.rule_ids, "content_id": spec.content_id})
        return existing
    action = ActionRecord(
        id=new_id("act"), org_id=spec.org_id, account_id=spec.account_id, app_id=spec.app_id,
        content_id=spec.content_id, decision_id=spec.decision_id, case_id=spec.case_id, kind=spec.kind.value,
        status=ActionStatus.PENDING_CONFIRMATION, rule_ids=spec.rule_ids, reason=spec.reason, automated=spec.automated,
        hard_limit=spec.hard_limit, source=spec.source, decided_by=spec.decided_by, created_at=now, starts_at=now,
        ends_at=now + dt.timedelta(days=spec.days) if spec.days else None,
        appeal_until=now + dt.timedelta(days=appeal_days),
    )
    session.add(action)
    session.flush()
    if spec.pending_confirmation:
        audit.record(session, actor=actor, action="action.proposed", subject_type="action", subject_id=action.id,
                     org_id=action.org_id, data=payload(action) | {"escalation": spec.escalation})
    else:
        _take_effect(session, action, actor, now, escalation=spec.escalation)
    return action


def confirm(session: Session, action: ActionRecord, *, confirmed_by: str, now: dt.datetime) -> None:
    action.confirmed_by = confirmed_by
    if action.status == ActionStatus.PENDING_CONFIRMATION:
        _take_effect(session, action, confirmed_by, now)
    else:
        audit.record(session, actor=confirmed_by, action="action.confirmed", subject_type="action",
                     subject_id=action.id, org_id=action.org_id, data={"kind": action.kind})


def cancel(session: Session, action: ActionRecord, *, actor: str, reason: str, now: dt.datetime) -> None:
    """A proposed action that a second reviewer did not confirm never takes effect."""
    action.status, action.reversed_at, action.reversed_reason = ActionStatus.CANCELLED, now, reason
    audit.record(session, actor=actor, action="action.cancelled", subject_type="action", subject_id=action.id,
                 org_id=action.org_id, data={"reason": reason})


def reverse(session: Session, action: ActionRecord, *, actor: str, reason: str, now: dt.datetime,
            revoke_strikes: bool = True) -> int:
    """Undo an action that took effect, and remove the strikes of its violation (unless only the step is
    undone, not the violation: a ladder escalation re-stepped after another decision was overturned)."""
    action.status, action.reversed_at, action.reversed_reason = ActionStatus.REVERSED, now, reason
    if Action(action.kind) is Action.CONTENT_REMOVAL and action.content_id:
        session.get_one(ContentItem, action.content_id).removed = False
    removed = strikes.revoke_for_decision(session, action.decision_id, now) \
        if action.decision_id and revoke_strikes else 0
    sor = statements.supersede(session, action, reason=reason, now=now)
    _notify(session, action, "action.reversed", {"reversal_reason": reason, "strikes_removed": removed,
                                                 "statement_puid": sor.puid if sor else None})
    audit.record(session, actor=actor, action="action.reversed", subject_type="action", subject_id=action.id,
                 org_id=action.org_id, data={"reason": reason, "strikes_removed": removed,
                                             "statement_id": sor.id if sor else None})
    return removed


class Standing(BaseModel):
    """An account's enforcement state, derived from the actions in force."""

    account_id: str
    status: str  # active | restricted | suspended | terminated
    until: dt.datetime | None
    strike_points: float
    actions: list[str]


_STATUS_BY_ACTION = {Action.TERMINATION: "terminated", Action.SUSPENSION: "suspended",
                     Action.FEATURE_RESTRICTION: "restricted"}


def in_force(session: Session, account_id: str, now: dt.datetime) -> list[ActionRecord]:
    rows = session.execute(
        select(ActionRecord).where(ActionRecord.account_id == account_id, ActionRecord.status == ActionStatus.ACTIVE)
        .order_by(ActionRecord.created_at)
    ).scalars().all()
    return [a for a in rows if a.ends_at is None or a.ends_at > now]


def standing(session: Session, account_id: str, now: dt.datetime) -> Standing:
    live = in_force(session, account_id, now)
    worst = max((Action(a.kind) for a in live if Action(a.kind) in _STATUS_BY_ACTION), default=None,
                key=lambda k: k.rank)
    until = None
    if worst is not None:
        ends = [a.ends_at for a in live if Action(a.kind) is worst]
        until = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
    return Standing(account_id=account_id, status=_STATUS_BY_ACTION.get(worst, "active") if worst else "active",
                    until=until, strike_points=strikes.active_points(session, account_id, now),
                    actions=[a.id for a in live])


def warned(session: Session, account_id: str) -> bool:
    """Has the account had a warning (or stronger account action) that still stands?"""
    found = session.execute(
        select(ActionRecord.id).where(
            ActionRecord.account_id == account_id, ActionRecord.status == ActionStatus.ACTIVE,
            ActionRecord.kind.in_([Action.WARNING.value, Action.FEATURE_RESTRICTION.value,
                                   Action.SUSPENSION.value])).limit(1)
    ).first()
    return found is not None
