"""decide() on signals from real detectors, under the test pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.decide import decide
from warden.detect.recognisers import RecogniserDetector
from warden.detect.signals import Signal
from warden.policy import PolicyLibrary, load_pack
from warden.policy.layering import EffectivePolicy
from warden.policy.model import Verdict

MINI = Path(__file__).resolve().parent / "fixtures" / "mini-pack.yaml"


@pytest.fixture(scope="module")
def policy() -> EffectivePolicy:
    return PolicyLibrary([load_pack(MINI)]).effective(packs=["mini"])


def test_signals_below_every_threshold_allow(policy: EffectivePolicy) -> None:
    [signals] = RecogniserDetector().detect(["mail me at a@example.com"])
    decision = decide(policy, signals, surface="api")
    assert decision.verdict is Verdict.ALLOW and not decision.violations
    assert decision.policy_revision == policy.revision
    assert decision.detectors == ["recognisers@1"]


def test_hard_limit_blocks_with_citation_and_score(policy: EffectivePolicy) -> None:
    signals = [
        Signal(category="sexual/minors", score=0.3, detector="embedded@t"),
        Signal(category="hate", score=0.7, detector="embedded@t"),
        Signal(category="hate", score=0.9, detector="judge@t"),
    ]
    decision = decide(policy, signals, surface="chatgpt")
    assert decision.verdict is Verdict.BLOCK
    assert [v.rule_id for v in decision.violations] == ["mini.csam", "mini.hate"]
    csam, hate = decision.violations
    assert csam.hard_limit and csam.citation.item == "2" and csam.threshold == 0.2
    assert hate.score == 0.9  # the highest score any detector gave
    assert decision.detectors == ["embedded@t", "judge@t"]
    assert "mini.csam" in decision.explanation


def test_exception_from_context_exempts(policy: EffectivePolicy) -> None:
    signals = {"sexual": 0.8}
    assert decide(policy, signals).verdict is Verdict.BLOCK
    exempt = decide(policy, signals, context={"request": {"purpose": "education"}})
    assert exempt.verdict is Verdict.ALLOW
    assert [e.rule_id for e in exempt.exemptions] == ["mini.adult"]
