"""Rate limits: token buckets per API key and per client address, and a brake on failed logins.

A bucket holds at most `burst` tokens and refills at `rate` tokens per second; a request takes one,
and a request finding the bucket empty is refused with `RateLimited` (429 at the HTTP edge, with
`Retry-After`: how long until a token is back). Three kinds of bucket, all set in `LimitSettings`:

* `address:<ip>`: every HTTP request, before anything else runs (`warden.api.limits`); the
  addresses in `limits.exempt` (loopback by default: a local sidecar, the load benchmark) have none.
* `key:<key id>`: every authenticated request, after the key is known (`warden.api.auth`).
* `authfail:<ip>`: each failed authentication takes a token; while it is empty every attempt from
  that address is refused *before* the key is checked, so guessing slows to `auth_failure_refill`
  attempts per second (after `auth_failures` at once) and a correct guess is not even looked at.

The store is one small interface (`BucketStore.take`): `MemoryBuckets` for one process, and
`DatabaseBuckets` (the `rate_buckets` table, one row per bucket, updated in its own short
transaction) when several workers must share one budget (`WARDEN_RATE_STORE=database`;
`warden serve --workers N` chooses it unless told otherwise).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from warden.errors import RateLimited
from warden.settings import LimitSettings
from warden.store.database import Database
from warden.store.tables import RateBucket


class BucketStore(Protocol):
    def take(self, key: str, *, rate: float, burst: int, now: float, cost: float = 1.0) -> float:
        """Take `cost` tokens (0: only look) from the bucket; 0.0 if they were there, else the
        seconds until they will be (nothing is taken then)."""
        ...


def _refill(tokens: float, updated: float, *, rate: float, burst: int, now: float) -> float:
    return min(float(burst), tokens + max(0.0, now - updated) * rate)


def _wait(tokens: float, cost: float, rate: float) -> float:
    need = max(cost, 1.0)  # looking (cost 0) asks whether one token is there
    return 0.0 if tokens >= need else (need - tokens) / rate


class MemoryBuckets:
    """Buckets in this process's memory (one worker)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def take(self, key: str, *, rate: float, burst: int, now: float, cost: float = 1.0) -> float:
        with self._lock:
            tokens, updated = self._buckets.get(key, (float(burst), now))
            tokens = _refill(tokens, updated, rate=rate, burst=burst, now=now)
            wait = _wait(tokens, cost, rate)
            if wait == 0.0:
                tokens -= cost
            if len(self._buckets) >= self._max_keys and key not in self._buckets:
                # full buckets carry no information: forget them before growing further
                self._buckets = {k: v for k, v in self._buckets.items() if v[0] < burst}
            self._buckets[key] = (tokens, now)
            return wait


class DatabaseBuckets:
    """Buckets in the store, shared by every worker and host using it. Each take is one short
    transaction that locks the bucket's row (SQLite: the write transaction; PostgreSQL: FOR UPDATE)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def take(self, key: str, *, rate: float, burst: int, now: float, cost: float = 1.0) -> float:
        for _ in range(3):
            try:
                with self.db.transaction() as s:
                    query = select(RateBucket).where(RateBucket.key == key).with_for_update()
                    row = s.execute(query).scalar_one_or_none()
                    if row is None:
                        row = RateBucket(key=key, tokens=float(burst), updated=now)
                        s.add(row)
                    tokens = _refill(row.tokens, row.updated, rate=rate, burst=burst, now=now)
                    wait = _wait(tokens, cost, rate)
                    row.tokens, row.updated = (tokens - cost if wait == 0.0 else tokens), now
                    return wait
            except IntegrityError:  # another worker created the row first: take from it
                continue
        return 0.0  # pragma: no cover - three insert races in a row


class RateLimiter:
    """The service's limits over one store; `clock` is monotonic-compatible seconds (tests set it).
    A database store needs a wall clock shared by every worker, so the default is `time.time`."""

    def __init__(self, limits: LimitSettings, store: BucketStore, clock: Callable[[], float] = time.time) -> None:
        self.limits = limits
        self.store = store
        self.clock = clock
        self._exempt = frozenset(limits.exempt)

    @classmethod
    def build(cls, limits: LimitSettings, db: Database) -> RateLimiter:
        store: BucketStore = DatabaseBuckets(db) if limits.store == "database" else MemoryBuckets()
        return cls(limits, store)

    def check_address(self, address: str) -> None:
        if self.limits.rate_per_address <= 0 or address in self._exempt:
            return
        wait = self.store.take(f"address:{address}", rate=self.limits.rate_per_address,
                               burst=self.limits.burst_per_address, now=self.clock())
        if wait:
            raise RateLimited(f"too many requests from {address}; retry in {wait:.1f} s", retry_after=wait)

    def check_key(self, key_id: str) -> None:
        if self.limits.rate_per_key <= 0:
            return
        wait = self.store.take(f"key:{key_id}", rate=self.limits.rate_per_key, burst=self.limits.burst_per_key,
                               now=self.clock())
        if wait:
            raise RateLimited(f"too many requests with this API key; retry in {wait:.1f} s", retry_after=wait)

    def before_authentication(self, address: str) -> None:
        """Refuse at once while the address has used up its failed attempts."""
        wait = self.store.take(f"authfail:{address}", rate=self.limits.auth_failure_refill,
                               burst=self.limits.auth_failures, now=self.clock(), cost=0.0)
        if wait:
            raise RateLimited(f"too many failed authentications from {address}; retry in {wait:.0f} s",
                              retry_after=wait, code="too_many_failed_authentications")

    def authentication_failed(self, address: str) -> None:
        self.store.take(f"authfail:{address}", rate=self.limits.auth_failure_refill,
                        burst=self.limits.auth_failures, now=self.clock())
