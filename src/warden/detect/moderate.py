"""Detection plus decision for a batch of contents: what `/v1/moderations` and `warden check` run.

`flagged` follows OpenAI's meaning and adds Warden's: a result is flagged when
any of the 13 OpenAI categories scores 0.5 or more, when the overall `unsafe`
head does, or when the effective policy's decision is not `allow`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warden.categories import OPENAI_CATEGORIES
from warden.decide import Decision, decide
from warden.detect import registry
from warden.detect.pipeline import Pipeline
from warden.detect.protocol import Content, Detector, input_types
from warden.detect.signals import Signal, max_scores
from warden.policy.layering import EffectivePolicy

log = logging.getLogger(__name__)
THRESHOLD = 0.5


@dataclass
class Outcome:
    scores: dict[str, float]  # category -> highest score from any detector
    signals: list[Signal]
    decision: Decision | None
    input_types: tuple[str, ...]

    @property
    def categories(self) -> dict[str, bool]:
        return {name: self.scores.get(name, 0.0) >= THRESHOLD for name in OPENAI_CATEGORIES}

    @property
    def flagged(self) -> bool:
        if any(self.categories.values()) or self.scores.get("unsafe", 0.0) >= THRESHOLD:
            return True
        return self.decision is not None and self.decision.flagged


def _extension(outcome: Outcome) -> dict[str, Any]:
    decision = outcome.decision
    return {
        "decision": decision.verdict.value if decision else None,
        "decision_id": decision.id if decision else None,
        "policy_revision": decision.policy_revision if decision else None,
        "violations": [
            v.model_dump(mode="json", include={"rule_id", "title", "citation", "category", "score", "threshold",
                                                "severity", "verdict", "action", "hard_limit"})
            for v in (decision.violations if decision else [])
        ],
        "signals": {k: round(v, 6) for k, v in sorted(outcome.scores.items()) if k not in OPENAI_CATEGORIES},
        "evidence": [
            {"category": s.category, "detector": s.detector, "detail": e.detail, "start": e.start, "end": e.end}
            for s in outcome.signals
            for e in s.evidence
            if e.start is not None
        ],
        "detectors": sorted({s.detector for s in outcome.signals}),
    }


def as_result(outcome: Outcome) -> dict[str, Any]:
    text = "text" in outcome.input_types
    return {
        "flagged": outcome.flagged,
        "categories": outcome.categories,
        "category_scores": {name: round(outcome.scores.get(name, 0.0), 6) for name in OPENAI_CATEGORIES},
        "category_applied_input_types": {name: (["text"] if text else []) for name in OPENAI_CATEGORIES},
        "warden": _extension(outcome),
    }


class Moderator:
    def __init__(self, detector: Detector, policy: EffectivePolicy | None) -> None:
        self.detector = detector
        self.policy = policy

    def moderate(
        self, contents: Sequence[Content], surface: str | None = "api", context: Mapping[str, Any] | None = None
    ) -> list[Outcome]:
        outcomes = []
        for content, signals in zip(contents, self.detector.detect(contents), strict=True):
            decision = decide(self.policy, signals, context, surface) if self.policy is not None else None
            outcomes.append(Outcome(max_scores(signals), signals, decision, input_types(content)))
        return outcomes

    def warm(self) -> None:
        for d in getattr(self.detector, "detectors", [self.detector]):
            warm = getattr(d, "warm", None)
            if callable(warm):
                warm()


def load_policy() -> EffectivePolicy | None:
    from warden.policy import PolicyLibrary

    try:
        return PolicyLibrary.discover().effective()
    except (ValueError, OSError) as exc:  # no pack in force, or a broken pack: detect only, say so
        log.warning("no effective policy (%s): moderation runs without decisions", exc)
        return None


_default: Moderator | None = None
_lock = threading.Lock()


def configured_detectors() -> list[str]:
    """`WARDEN_DETECTORS` (comma-separated names), else the default pipeline."""
    names = [n.strip() for n in os.environ.get("WARDEN_DETECTORS", "").split(",") if n.strip()]
    return names or list(registry.DEFAULT_PIPELINE)


def default_moderator() -> Moderator:
    """The process-wide moderator (configured detectors, bundled policy), built once on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Moderator(Pipeline(registry.create_many(configured_detectors())), load_policy())
    return _default
