"""A violation resting only on a weak signal (a model head trained on a few exemplars) goes to a human."""

from __future__ import annotations

from warden.decide import decide
from warden.detect import quality
from warden.detect.signals import Signal
from warden.policy.library import PolicyLibrary
from warden.policy.model import Verdict

POLICY = PolicyLibrary.discover().effective(packs=["openai-usage@2025-10-29"])


def test_weak_head_alone_routes_to_human_review() -> None:
    assert "elections" in quality.weak_categories("embedded@2026-12-01")
    weak = Signal(category="elections", score=0.95, detector="embedded@2026-12-01")
    d = decide(POLICY, [weak], surface="api")
    [v] = d.violations
    assert v.rule_id == "api.high-stakes.election-integrity" and v.weak_evidence
    assert v.verdict is Verdict.FLAG and d.verdict is Verdict.FLAG
    assert "a human decides" in d.explanation


def test_strong_evidence_is_enforced_as_written() -> None:
    weak = Signal(category="elections", score=0.95, detector="embedded@2026-12-01")
    strong = Signal(category="elections", score=0.9, detector="review-usecases@1")
    d = decide(POLICY, [weak, strong], surface="api")
    assert not d.violations[0].weak_evidence and d.verdict is Verdict.BLOCK
    # Scores without their sources (a caller's own detector) are taken as given.
    assert decide(POLICY, {"elections": 0.95}, surface="api").verdict is Verdict.BLOCK
    hate = Signal(category="hate", score=0.9, detector="embedded@2026-12-01")
    assert decide(POLICY, [hate], surface="api").verdict is Verdict.BLOCK


def test_a_measured_source_supersedes_a_weak_head_for_its_categories() -> None:
    """Where the review's use-case reader ran, the model's weak biometrics head is no evidence, its
    strong fraud head still is, and spam is read by the use-case reader only."""
    from warden.review.analyzers.usecases import UseCaseDetector

    def by_name(categories: frozenset[str]) -> dict[str, frozenset[str]]:
        return dict.fromkeys(categories, frozenset({UseCaseDetector.name}))

    covers, covers_weak = by_name(UseCaseDetector.covers), by_name(UseCaseDetector.covers_weak)
    weak = Signal(category="biometrics", score=0.9, detector="embedded@2026-12-01")
    fraud = Signal(category="fraud", score=0.9, detector="embedded@2026-12-01")
    spam = Signal(category="spam", score=0.9, detector="embedded@2026-12-01")
    measured = Signal(category="biometrics", score=0.85, detector="review-usecases@2")
    kept = quality.superseded([weak, fraud, spam, measured], covers, covers_weak)
    assert kept == [fraud, measured]
    assert quality.superseded([weak], {}, {}) == [weak]  # nothing covers it: it stays, and routes to a human
