"""The native CEL runtime keeps the packs' semantics, and the rule index changes no decision."""

from __future__ import annotations

import random
from typing import Any

import pytest

from warden import decide as deciding
from warden.decide import decide
from warden.policy import PolicyLibrary, expr
from warden.policy.layering import EffectivePolicy


def test_absent_fields_are_false_and_wrong_types_are_errors() -> None:
    assert expr.evaluate("has(app.categories) && 'gambling' in app.categories", {}) is False
    assert expr.evaluate("app.categories.exists(c, c == 'x')", {"app": {}}) is False
    assert expr.evaluate('signals["minors"] >= 0.8', {"signals": {}}) is False
    assert expr.evaluate('signals["minors"] >= 0.8', {"signals": {"minors": 0.9}}) is True
    with pytest.raises(expr.EvaluationError, match="cannot be evaluated"):
        expr.check("account.strikes > 2", expr.activation({"account": {"strikes": "three"}}))
    with pytest.raises(expr.EvaluationError, match="not a boolean"):
        expr.check("account.strikes", expr.activation({"account": {"strikes": 3}}))


def test_has_over_a_missing_intermediate_field_is_false() -> None:
    """`has(app.disclosures.simulated)` with no `app.disclosures` is false, as the packs are written."""
    source = 'has(app.simulates_person) && !(has(app.disclosures.simulated) && app.disclosures.simulated)'
    assert expr.evaluate(source, {"app": {"simulates_person": "Ada"}}) is True
    assert expr.evaluate(source, {"app": {"simulates_person": "Ada", "disclosures": {"simulated": True}}}) is False
    assert expr.evaluate('app.name == "has(a.b.c)"', {"app": {"name": "has(a.b.c)"}}) is True  # literals untouched


def test_invalid_expressions_name_the_position() -> None:
    with pytest.raises(expr.ExpressionError, match=r"invalid CEL expression .*1:\d+"):
        expr.compile_expression("has(app.")


def test_a_value_cel_cannot_represent_is_an_error_only_for_conditions_that_read_it() -> None:
    act = expr.activation({"app": {"x": object()}, "surface": "api"})
    assert expr.check('surface == "api"', act) is True
    with pytest.raises(expr.EvaluationError):
        expr.check("has(app.x)", act)


@pytest.fixture(scope="module")
def policy() -> EffectivePolicy:
    return PolicyLibrary.discover().effective()


def _random_case(rng: random.Random, categories: list[str]) -> tuple[dict[str, float], dict[str, Any]]:
    scores = {c: rng.choice([0.0, 0.2, 0.45, 0.55, 0.75, 0.95]) for c in rng.sample(categories, rng.randint(0, 6))}
    context: dict[str, Any] = {}
    if rng.random() < 0.6:
        context["app"] = {
            "name": rng.choice(["", "Helper", "Dr Bot"]),
            "categories": rng.sample(["medical", "gambling", "dating", "legal", "military", "news"], rng.randint(0, 2)),
            "audience": rng.sample(["general", "children-under-13", "teens"], rng.randint(0, 2)),
            "disclosures": {"ai": rng.random() < 0.5},
            **({"simulates_person": "Ada"} if rng.random() < 0.3 else {}),
        }
    if rng.random() < 0.3:
        context["request"] = {"purpose": rng.choice(["education", "research", "medical"])}
    return scores, context


def test_the_index_changes_no_decision(policy: EffectivePolicy, monkeypatch: pytest.MonkeyPatch) -> None:
    categories = sorted({t.category for r in policy.rules.values() if r.rule.triggers
                         for t in r.rule.triggers.signals})
    rng = random.Random(11)
    cases = [_random_case(rng, categories) for _ in range(300)]

    def summary(d: deciding.Decision) -> tuple[object, ...]:
        return (d.verdict, [v.rule_id for v in d.violations], [e.rule_id for e in d.exemptions],
                [g.rule_id for g in d.degraded])

    indexed = [summary(decide(policy, s, c, "api")) for s, c in cases]
    monkeypatch.setattr(deciding._Plan, "candidates", lambda self, _s, _c: list(self.rules))
    every_rule = [summary(decide(policy, s, c, "api")) for s, c in cases]
    assert indexed == every_rule
    assert sum(1 for v in indexed if v[1]) > 30  # the cases do fire rules


def test_a_decision_without_app_context_evaluates_no_app_rule(policy: EffectivePolicy) -> None:
    plan = deciding._plan(policy, deciding.Surface("api"))
    chosen = plan.candidates({"hate": 0.1}, {"signals": {"hate": 0.1}, "surface": "api"})
    assert len(chosen) < len(plan.rules) / 3
    for rule in chosen:  # each reads a signal over its threshold or a variable this context has
        triggers = rule.rule.triggers
        assert triggers is not None
        assert any(t.min_score <= 0.1 for t in triggers.signals if t.category == "hate") or (
            triggers.condition and expr.compile_expression(triggers.condition).roots & {"signals", "surface"})
