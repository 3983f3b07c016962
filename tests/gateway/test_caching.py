"""The gateway's cached standing: dropped on commit in this process, bounded by its TTL for other writers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from warden.enforce import directory
from warden.enforce.principal import SYSTEM
from warden.gateway.caching import StandingCache
from warden.store import Database
from warden.store.tables import Account


def _account(db: Database) -> str:
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="cache org"))
        return directory.create_account(s, SYSTEM, directory.AccountIn(org_id=org.id, kind="end_user",
                                                                       external_id="u1")).id


def _read(cache: StandingCache, db: Database, account_id: str) -> str:
    known = cache.get(account_id)
    if known is None:
        with db.read() as s:
            known = cache.read(s, s.get_one(Account, account_id))
    return known.status


def test_an_orm_change_drops_the_entry_at_commit_and_a_rollback_does_not(db: Database) -> None:
    account_id = _account(db)
    cache = StandingCache(ttl=60, clock=lambda: dt.datetime.now(dt.UTC))
    assert _read(cache, db, account_id) == "active" and cache.get(account_id) is not None
    try:
        with db.transaction() as s:
            s.get_one(Account, account_id).membership = "suspended"
            s.flush()
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert cache.get(account_id) is not None and _read(cache, db, account_id) == "active"
    with db.transaction() as s:
        s.get_one(Account, account_id).membership = "suspended"
    assert cache.get(account_id) is None  # dropped by the commit
    assert _read(cache, db, account_id) == "suspended"


def test_a_change_the_events_cannot_see_is_seen_within_the_ttl(db: Database) -> None:
    account_id = _account(db)
    ticks = [0.0]  # the cache's monotonic clock, moved by hand: a slow machine cannot age an entry
    cache = StandingCache(ttl=2, clock=lambda: dt.datetime.now(dt.UTC), monotonic=lambda: ticks[0])
    assert _read(cache, db, account_id) == "active"
    with db.transaction() as s:  # a bulk UPDATE fires no ORM row events: like a write from another process
        s.execute(update(Account).where(Account.id == account_id).values(membership="removed"))
    ticks[0] = 1.9
    assert _read(cache, db, account_id) == "active"  # still cached
    ticks[0] = 2.1
    assert _read(cache, db, account_id) == "removed"
    assert StandingCache(ttl=0, clock=lambda: dt.datetime.now(dt.UTC)).get(account_id) is None
