"""The audit chain detects edits, deletions (including of the last event) and stays whole under concurrency."""

from __future__ import annotations

import threading

from sqlalchemy import text

from warden.enforce import audit
from warden.store import Database


def _append(db: Database, n: int, org: str | None = None) -> None:
    for i in range(n):
        with db.transaction() as s:
            audit.record(s, actor="tester", action="thing.done", subject_type="thing", subject_id=str(i),
                         org_id=org, data={"i": i, "note": "ünïcode"})


def _verify(db: Database) -> audit.ChainReport:
    with db.transaction() as s:
        return audit.verify(s, batch=3)


def test_intact_chain_verifies(db: Database) -> None:
    _append(db, 7)
    report = _verify(db)
    assert report.ok and report.events == 7


def test_edited_event_is_detected(db: Database) -> None:
    _append(db, 5)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET subject_id = 'forged' WHERE seq = 3"))
    report = _verify(db)
    assert not report.ok and [p.seq for p in report.problems] == [3]


def test_deleted_events_are_detected_in_the_middle_and_at_the_end(db: Database) -> None:
    _append(db, 5)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    assert not _verify(db).ok



def test_deleting_the_last_event_is_detected(db: Database) -> None:
    _append(db, 5)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 5"))
    problems = _verify(db).problems
    assert [p.seq for p in problems] == [5] and "tip" in problems[0].problem


def test_concurrent_writers_keep_one_unbroken_chain(db: Database) -> None:
    threads = [threading.Thread(target=_append, args=(db, 10, f"org{i}")) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = _verify(db)
    assert report.ok and report.events == 40
