"""What the enforcement routes run against: the store, the policy, settings and a clock.

Created lazily on the first request that needs it (so the service starts fast)
from the environment, or installed by a caller: ``app.state.warden = Runtime(...)``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from fastapi import Request

from warden.detect.signals import Signal
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.submissions import PolicySource
from warden.policy.layering import EffectivePolicy
from warden.store.database import Database


@lru_cache(maxsize=1)
def _bundled_policy() -> EffectivePolicy:
    from warden.policy import PolicyLibrary

    return PolicyLibrary.discover().effective()


def default_policy(_org_id: str) -> EffectivePolicy:
    return _bundled_policy()


def default_detect(text: str) -> list[Signal]:
    """Score text with the service's configured detectors (the same ones /v1/moderations uses)."""
    from warden.detect.moderate import default_moderator

    return default_moderator().detector.detect([text])[0]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Runtime:
    db: Database
    policy: PolicySource = default_policy
    cybertip: CyberTipSettings = field(default_factory=CyberTipSettings.from_env)
    clock: Callable[[], dt.datetime] = _utcnow
    detect: Callable[[str], list[Signal]] | None = default_detect


_lock = threading.Lock()


def runtime(request: Request) -> Runtime:
    state = request.app.state
    current: Runtime | None = getattr(state, "warden", None)
    if current is None:
        with _lock:
            current = getattr(state, "warden", None)
            if current is None:
                current = Runtime(db=Database())
                state.warden = current
    return current
