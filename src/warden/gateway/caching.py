"""What the gateway remembers about its callers between requests, and what makes it forget.

Every gateway request needs its end user's standing (a suspended account is refused
before anything reaches the upstream) and the caller's effective policy (stored
overlays of the organization, workspace and account). Read from the store they cost
an account lookup, two queries and the overlay query, twice a request (in and out).

- `StandingCache` keeps an account's standing for `ttl` seconds
  (`WARDEN_GATEWAY_CACHE_TTL`, 2 by default), never past the end of a timed
  action, and drops it the moment a change to that account's actions or membership
  commits in this process;
- `PolicyCache` keeps an effective policy per (organization, workspace, account) for
  the same `ttl` and drops them all when a stored overlay changes in this process.

Changes are seen through SQLAlchemy events (`ActionRecord`, `Account`, `PolicyOverlay`
rows inserted or updated, acted on at commit), so the ladder acting on the gateway's
own findings, a reviewer's suspension over the API, an appeal's reversal or an
activated overlay apply to the very next request; a change made by another process
(a second worker, the CLI) is seen within `ttl`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from warden.enforce import actions
from warden.policy.layering import EffectivePolicy
from warden.policy.provider import PolicyProvider
from warden.store.tables import Account, ActionRecord, PolicyOverlay

_CHANGED = "warden.gateway.standing_changed"  # Session.info key: account ids changed in this transaction
_OVERLAYS = "warden.gateway.overlays_changed"  # Session.info key: a stored overlay changed
_caches: weakref.WeakSet[StandingCache] = weakref.WeakSet()
_policies: weakref.WeakSet[PolicyCache] = weakref.WeakSet()
_hooked = threading.Lock()
_listening = False


@dataclass(frozen=True)
class Known:
    """What the gateway needs of an end user's account, and until when it may be trusted."""

    account_id: str
    workspace_id: str | None
    status: str  # active | restricted | suspended | terminated, or a membership that is not active
    until: dt.datetime | None  # when the standing's timed action ends (None: it does not)
    fresh_until: float  # the cache's monotonic deadline for this entry


class StandingCache:
    def __init__(self, ttl: float, clock: Callable[[], dt.datetime], size: int = 100_000,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock  # wall time: when timed actions end
        self.monotonic = monotonic  # freshness: immune to wall-clock steps
        self.size = size
        self._data: dict[str, Known] = {}
        self._lock = threading.Lock()
        _listen()
        _caches.add(self)

    def get(self, account_id: str) -> Known | None:
        with self._lock:
            known = self._data.get(account_id)
        if known is None or known.fresh_until < self.monotonic() or \
                (known.until is not None and known.until <= self.clock()):
            return None
        return known

    def read(self, session: Session, account: Account) -> Known:
        """The account's standing from the store, remembered (a read: takes no write lock)."""
        if account.membership != "active":
            status, until = account.membership, None
        else:
            found = actions.standing(session, account.id, self.clock())
            status, until = found.status, found.until
        return self.remember(Known(account_id=account.id, workspace_id=account.workspace_id, status=status,
                                   until=until, fresh_until=self.monotonic() + self.ttl))

    def remember(self, known: Known) -> Known:
        """Keep `known` (again: an account registered in a transaction is dropped by its own commit)."""
        if self.ttl > 0:
            with self._lock:
                if len(self._data) >= self.size:
                    self._data.clear()  # a bound, not an LRU: entries live seconds anyway
                self._data[known.account_id] = known
        return known

    def drop(self, account_ids: set[str]) -> None:
        with self._lock:
            for account_id in account_ids:
                self._data.pop(account_id, None)


class PolicyCache:
    def __init__(self, provider: PolicyProvider, ttl: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.provider = provider
        self.ttl = ttl
        self.monotonic = monotonic
        self._data: dict[tuple[str, str | None, str | None], tuple[EffectivePolicy, float]] = {}
        self._lock = threading.Lock()
        _listen()
        _policies.add(self)

    def cached(self, org_id: str, workspace_id: str | None, account_id: str | None) -> EffectivePolicy | None:
        """The policy when it is cached and fresh (no store access), else None."""
        with self._lock:
            found = self._data.get((org_id, workspace_id, account_id))
        return found[0] if found is not None and found[1] >= self.monotonic() else None

    def effective(self, org_id: str, workspace_id: str | None, account_id: str | None) -> EffectivePolicy:
        found = self.cached(org_id, workspace_id, account_id)
        if found is not None:
            return found
        key = (org_id, workspace_id, account_id)
        policy = self.provider.effective(org_id, workspace_id, account_id)
        if self.ttl > 0:
            with self._lock:
                if len(self._data) >= 100_000:
                    self._data.clear()
                self._data[key] = (policy, self.monotonic() + self.ttl)
        return policy

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def _changed(_mapper: Any, _connection: Any, target: ActionRecord | Account | PolicyOverlay) -> None:
    session = object_session(target)
    if session is None:
        return
    if isinstance(target, PolicyOverlay):
        session.info[_OVERLAYS] = True
        return
    account_id = target.account_id if isinstance(target, ActionRecord) else target.id
    if account_id:
        session.info.setdefault(_CHANGED, set()).add(account_id)


def _committed(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed:
        for cache in list(_caches):
            cache.drop(changed)
    if session.info.pop(_OVERLAYS, None):
        for policies in list(_policies):
            policies.clear()


def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_OVERLAYS, None)


def _listen() -> None:
    global _listening
    with _hooked:
        if _listening:
            return
        for target in (ActionRecord, Account, PolicyOverlay):
            event.listen(target, "after_insert", _changed)
            event.listen(target, "after_update", _changed)
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_rollback", _rolled_back)  # the real rollback: a savepoint's keeps the rest
        _listening = True
