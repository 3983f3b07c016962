"""Safe messaging in `decide`: under every version of the usage policy, a person's own intent to harm
themselves is answered with support, never a violation; promotion and instructions stay violations."""

from __future__ import annotations

import pytest

from warden.decide import decide
from warden.policy.library import PolicyLibrary
from warden.policy.model import ExceptionKind, Verdict

LIBRARY = PolicyLibrary.discover()
VERSIONS = {"2023-03-23": ("disallowed.physical-harm.self-harm", "disallowed.physical-harm.self-harm-support"),
            "2025-01-29": ("universal.harm.self-harm", "universal.harm.self-harm-support"),
            "2025-10-29": ("universal.harm.self-harm", "universal.harm.self-harm-support")}


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_intent_is_answered_not_penalised(version: str) -> None:
    rule, support = VERSIONS[version]
    policy = LIBRARY.effective(packs=[f"openai-usage@{version}"])
    # "I feel hopeless ... what's the most painless way to end my life?": intent, a method asked for, and the
    # violence head confused by "end my life".
    d = decide(policy, {"self-harm/intent": 0.95, "self-harm/instructions": 0.8, "violence": 0.85}, surface="api")
    assert d.violations == []
    assert d.verdict is Verdict.FLAG
    assert d.safe_messaging is not None and d.safe_messaging.rule_id == support and d.safe_messaging.escalate
    assert {e.rule_id for e in d.exemptions if e.exception is ExceptionKind.AT_RISK} >= {rule}
    assert "Safe messaging" in d.explanation

    mild = decide(policy, {"self-harm/intent": 0.6}, surface="api")
    assert mild.safe_messaging is not None and not mild.safe_messaging.escalate and mild.violations == []


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_instructions_and_promotion_stay_violations(version: str) -> None:
    rule, _ = VERSIONS[version]
    policy = LIBRARY.effective(packs=[f"openai-usage@{version}"])
    for scores in ({"self-harm/instructions": 0.9}, {"self-harm": 0.9}):
        d = decide(policy, scores, surface="api")
        assert [v.rule_id for v in d.violations] == [rule] and d.verdict is Verdict.BLOCK
        assert d.safe_messaging is None


def test_other_harms_do_not_yield_to_safe_messaging() -> None:
    policy = LIBRARY.effective(packs=["openai-usage@2025-10-29"])
    d = decide(policy, {"self-harm/intent": 0.7, "hate": 0.9, "weapons": 0.9}, surface="api")
    assert {v.rule_id for v in d.violations} == {"universal.no-harm-output", "universal.harm.weapons"}
    assert d.safe_messaging is not None


def test_weapons_rule_is_in_force_today() -> None:
    d = decide(LIBRARY.effective(), {"weapons": 0.9}, surface="chatgpt")
    [v] = d.violations
    assert v.rule_id == "universal.harm.weapons" and v.citation.date.isoformat() == "2025-01-29"


def test_an_app_submission_is_not_a_person_at_risk() -> None:
    policy = LIBRARY.effective(packs=["openai-usage@2025-10-29"])
    app = {"content": {"type": "app"}}
    d = decide(policy, {"self-harm/intent": 0.9, "self-harm": 0.8}, app, surface="gpt-builder")
    assert d.safe_messaging is None
    assert [v.rule_id for v in d.violations] == ["universal.harm.self-harm"]
