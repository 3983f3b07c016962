"""Two reviewers can never hold one case, on either store, under real concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from warden.enforce import cases
from warden.enforce.errors import Conflict
from warden.enforce.principal import Principal, Role
from warden.policy.model import Severity
from warden.store import Database
from warden.store.tables import Case


def _open(db: Database, world: Any, n: int) -> list[str]:
    with db.transaction() as s:
        return [cases.open_case(s, org_id=world.org_id, kind="automated_flag", subject_type="content",
                                subject_id=f"cnt_{i}", severity=Severity.MEDIUM, actor="test").id for i in range(n)]


def _reviewers(n: int) -> list[Principal]:
    return [Principal(key_id=f"k{i}", role=Role.REVIEWER, subject=f"reviewer-{i}") for i in range(n)]


def _race(attempt: Callable[[Principal], None], reviewers: list[Principal]) -> None:
    """Run one attempt per reviewer on its own thread, all at once, and wait for them all."""
    threads = [threading.Thread(target=attempt, args=(p,)) for p in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_concurrent_claims_of_one_case_have_exactly_one_winner(db: Database, world: Any, now) -> None:
    (case_id,) = _open(db, world, 1)
    reviewers = _reviewers(8)
    barrier = threading.Barrier(len(reviewers))
    winners: list[str] = []
    conflicts: list[str] = []

    def attempt(p: Principal) -> None:
        barrier.wait()
        try:
            with db.transaction() as s:
                cases.claim(s, case_id, p, now)
            winners.append(p.subject)
        except Conflict:
            conflicts.append(p.subject)

    _race(attempt, reviewers)
    assert len(winners) == 1 and len(conflicts) == 7
    with db.transaction() as s:
        assert s.get_one(Case, case_id).claimed_by == winners[0]


def test_concurrent_claim_next_hands_each_case_to_one_reviewer(db: Database, world: Any, now) -> None:
    opened = _open(db, world, 4)
    reviewers = _reviewers(8)
    barrier = threading.Barrier(len(reviewers))
    got: list[str] = []
    lock = threading.Lock()

    def attempt(p: Principal) -> None:
        barrier.wait()
        with db.transaction() as s:
            case = cases.claim_next(s, p, now, postgres=db.is_postgres)
            if case is not None:
                with lock:
                    got.append(case.id)

    _race(attempt, reviewers)
    assert sorted(got) == sorted(opened)  # every case claimed, none twice
    assert Counter(got).most_common(1)[0][1] == 1


def test_a_stale_claim_lapses_and_a_held_claim_blocks(db: Database, world: Any, now) -> None:
    (case_id,) = _open(db, world, 1)
    first, second = _reviewers(2)
    with db.transaction() as s:
        cases.claim(s, case_id, first, now)
    try:
        with db.transaction() as s:
            cases.claim(s, case_id, second, now + cases.CLAIM_TTL / 2)
        raise AssertionError("a live claim was taken over")
    except Conflict as exc:
        assert "reviewer-0" in exc.message
    with db.transaction() as s:
        assert cases.claim(s, case_id, second, now + cases.CLAIM_TTL * 2).claimed_by == "reviewer-1"
