"""Strikes: weighted by severity, expiring after the ladder's window, revocable."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from warden.enforce.ladder import Ladder
from warden.policy.model import Severity
from warden.store.tables import Strike, new_id


def add(session: Session, *, org_id: str, account_id: str, decision_id: str | None, rule_id: str,
        severity: Severity, ladder: Ladder, now: dt.datetime) -> Strike:
    strike = Strike(id=new_id("stk"), org_id=org_id, account_id=account_id, decision_id=decision_id,
                    rule_id=rule_id, severity=severity.value, weight=ladder.weight(severity),
                    expires_at=now + dt.timedelta(days=ladder.window_days), created_at=now)
    session.add(strike)
    return strike


def active_points(session: Session, account_id: str, now: dt.datetime) -> float:
    total = session.execute(
        select(func.coalesce(func.sum(Strike.weight), 0.0)).where(
            Strike.account_id == account_id, Strike.revoked_at.is_(None), Strike.expires_at > now)
    ).scalar_one()
    return float(total)


def revoke_for_decision(session: Session, decision_id: str, now: dt.datetime) -> int:
    result = session.execute(
        update(Strike).where(Strike.decision_id == decision_id, Strike.revoked_at.is_(None)).values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
