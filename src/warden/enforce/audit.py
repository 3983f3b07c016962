"""The append-only, hash-chained audit log.

Each event's hash covers its own fields and the previous event's hash, and the
chain's tip is kept in `audit_head`, so editing, deleting or reordering any
event, including the last one, breaks verification. Writers lock the head row
(``FOR UPDATE`` on PostgreSQL; SQLite transactions are already exclusive), so
events are appended strictly one after another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.store.tables import AuditEvent, AuditHead, new_id, utcnow

GENESIS = "0" * 64


def _digest(event: AuditEvent) -> str:
    body = {
        "seq": event.seq,
        "id": event.id,
        "org_id": event.org_id,
        "workspace_id": event.workspace_id,
        "actor": event.actor,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "data": event.data,
        "created_at": event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    org_id: str | None,
    data: dict[str, Any] | None = None,
    workspace_id: str | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    event = AuditEvent(
        seq=head.seq + 1,
        id=new_id("evt"),
        org_id=org_id,
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        data=json.loads(json.dumps(data or {}, default=str)),
        created_at=utcnow(),
        prev_hash=head.hash,
    )
    event.hash = _digest(event)
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    session.flush()
    return event


class ChainProblem(BaseModel):
    seq: int
    problem: str


class ChainReport(BaseModel):
    ok: bool
    events: int
    problems: list[ChainProblem]


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the whole chain; report every event whose hash or link does not hold."""
    problems: list[ChainProblem] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for event in rows:
            count += 1
            if event.seq != expected_seq:
                problems.append(ChainProblem(seq=expected_seq, problem=f"events {expected_seq}..{event.seq - 1} "
                                             "are missing"))
            if event.prev_hash != prev_hash:
                problems.append(ChainProblem(seq=event.seq, problem="does not link to the previous event"))
            if _digest(event) != event.hash:
                problems.append(ChainProblem(seq=event.seq, problem="content does not match its hash"))
            prev_hash, expected_seq, last_seq = event.hash, event.seq + 1, event.seq
        session.expunge_all()
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    if head.seq != last_seq or head.hash != prev_hash:
        problems.append(ChainProblem(seq=head.seq, problem="the chain's tip does not match its last event "
                                     "(events were deleted or the head was edited)"))
    return ChainReport(ok=not problems, events=count, problems=problems)
