"""The notice outbox: notices are written with the state change that causes them,
and delivered afterwards, with retries and exponential backoff.

`enqueue` runs inside the caller's transaction and fans a notice out to every
active subscription of its organization (and platform-wide ones) whose event
patterns match; a notice no subscription wants still goes to the log channel,
so none is silently dropped. `deliver_due` drains due deliveries.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warden.enforce import audit
from warden.enforce.notices.channels import Channel, DeliveryFailed, Message, Target, channel
from warden.store.database import Database
from warden.store.tables import Delivery, Notice, Subscription, new_id, utcnow
from warden.trends import metrics

MAX_ATTEMPTS = 8
BASE_DELAY = dt.timedelta(seconds=2)
MAX_DELAY = dt.timedelta(hours=1)
LEASE = dt.timedelta(minutes=2)


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after `attempts` failures: 2s, 4s, 8s … capped at an hour."""
    delay: dt.timedelta = BASE_DELAY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_DELAY)


def _wants(sub: Subscription, event: str) -> bool:
    return any(fnmatch.fnmatchcase(event, pattern) for pattern in sub.events)


def enqueue(
    session: Session,
    *,
    org_id: str | None,
    event: str,
    recipient_type: str,
    recipient_id: str | None,
    payload: dict[str, Any],
    platform_subscribers: bool = True,
) -> Notice:
    notice = Notice(id=new_id("ntc"), org_id=org_id, event=event, recipient_type=recipient_type,
                    recipient_id=recipient_id, payload=payload)
    session.add(notice)
    scope: ColumnElement[bool]
    if org_id is None:
        scope = Subscription.org_id.is_(None)
    elif platform_subscribers:
        scope = or_(Subscription.org_id == org_id, Subscription.org_id.is_(None))
    else:
        scope = Subscription.org_id == org_id
    subs = session.execute(select(Subscription).where(Subscription.active.is_(True), scope)).scalars().all()
    wanted = [s for s in subs if _wants(s, event)]
    for sub in wanted:
        session.add(Delivery(id=new_id("dlv"), notice_id=notice.id, subscription_id=sub.id, channel=sub.channel))
    if not wanted:
        session.add(Delivery(id=new_id("dlv"), notice_id=notice.id, subscription_id=None, channel="log"))
    session.flush()
    return notice


class DeliveryRun(BaseModel):
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _claim(db: Database, now: dt.datetime, limit: int) -> list[str]:
    with db.transaction() as s:
        q = (select(Delivery.id).where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
             .order_by(Delivery.next_attempt_at).limit(limit))
        if db.is_postgres:
            q = q.with_for_update(skip_locked=True)
        ids = list(s.execute(q).scalars())
        if ids:  # a lease: a crashed worker's claims come due again later
            s.execute(update(Delivery).where(Delivery.id.in_(ids)).values(next_attempt_at=now + LEASE))
        return ids


def _message(s: Session, delivery: Delivery) -> tuple[Message, Target]:
    notice = s.get_one(Notice, delivery.notice_id)
    sub = s.get(Subscription, delivery.subscription_id) if delivery.subscription_id else None
    message = Message(id=delivery.id, notice_id=notice.id, event=notice.event, org_id=notice.org_id,
                      recipient_type=notice.recipient_type, recipient_id=notice.recipient_id,
                      created_at=notice.created_at.isoformat(), data=notice.payload)
    target = Target(address=sub.target, secret=sub.secret) if sub else Target(address="warden.notices")
    return message, target


def deliver_due(db: Database, *, now: dt.datetime | None = None, limit: int = 100,
                channels: Callable[[str], Channel] = channel) -> DeliveryRun:
    run = DeliveryRun()
    now = now or utcnow()
    for delivery_id in _claim(db, now, limit):
        with db.transaction() as s:
            delivery = s.get_one(Delivery, delivery_id)
            message, target = _message(s, delivery)
        error: str | None = None
        try:
            channels(delivery.channel).send(message, target)
        except (DeliveryFailed, KeyError) as exc:
            error = str(exc)
            metrics.observe_delivery_failure(delivery.channel)
        with db.transaction() as s:
            delivery = s.get_one(Delivery, delivery_id)
            delivery.attempts += 1
            if error is None:
                delivery.status, delivery.delivered_at, outcome = "delivered", utcnow(), "notice.delivered"
                run.delivered += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status, delivery.last_error, outcome = "failed", error, "notice.failed"
                run.failed += 1
            else:
                delivery.last_error, outcome = error, "notice.retry_scheduled"
                delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)
                run.retrying += 1
            audit.record(s, actor="system:outbox", action=outcome, subject_type="delivery",
                         subject_id=delivery.id, org_id=message.org_id,
                         data={"notice_id": message.notice_id, "channel": delivery.channel,
                               "attempts": delivery.attempts, "error": error})
    return run
