from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from warden.enforce import audit, retention, submissions
from warden.store import Database
from warden.store.tables import AuditEvent, Evidence


def _seal(db: Database, world: Any, policy: Any, cybertip: Any, now: dt.datetime) -> str:
    sub = submissions.Submission(org_id=world.org_id, account_id=world.alice, content="forbidden text",
                                 signals={"sexual/minors": 0.8})
    with db.transaction() as s:
        return submissions.submit(s, world.service, sub, lambda *_: policy, cybertip, now).content_id


def _evidence(db: Database) -> int:
    """How many sealed items still hold their content."""
    with db.transaction() as s:
        return sum(1 for e in s.execute(select(Evidence)).scalars() if e.data)


def test_evidence_is_kept_for_a_year_then_purged_with_an_audit_trail(
        db: Database, world: Any, mini_policy: Any, cybertip: Any, now: dt.datetime) -> None:
    content_id = _seal(db, world, mini_policy, cybertip, now)
    with db.transaction() as s:  # one day short of a year: still preserved
        kept = retention.purge_expired_evidence(s, now=now + dt.timedelta(days=364))
    assert kept.purged == 0 and _evidence(db) == 1

    later = now + dt.timedelta(days=366)
    with db.transaction() as s:
        dry = retention.purge_expired_evidence(s, now=later, dry_run=True)
    assert (dry.expired, dry.purged) == (1, 0) and _evidence(db) == 1

    with db.transaction() as s:
        done = retention.purge_expired_evidence(s, now=later)
    assert done.purged == 1 and _evidence(db) == 0
    with db.transaction() as s:  # the hashes the CyberTipline report cites stay; a second run finds nothing
        (sealed,) = s.execute(select(Evidence)).scalars()
        assert sealed.data == b"" and len(sealed.sha256) == 64
        assert retention.purge_expired_evidence(s, now=later).expired == 0
    with db.transaction() as s:
        events = list(s.execute(select(AuditEvent).where(AuditEvent.action == "evidence.purged")).scalars())
        assert len(events) == 1 and events[0].data["content_id"] == content_id
        assert "forbidden text" not in str(events[0].data)
        assert audit.verify(s).ok
