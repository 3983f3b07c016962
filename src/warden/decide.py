"""Apply an effective policy to signals and context: the Decision.

A decision names every rule it found violated, with the citation, the score
and the threshold that fired, and the policy revision it was made under, so
that any action taken on it can be explained and reproduced.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from warden.detect import quality
from warden.detect.signals import Signal, max_scores
from warden.policy import expr
from warden.policy.layering import EffectivePolicy, EffectiveRule
from warden.policy.model import (
    Action,
    Citation,
    ExceptionKind,
    Match,
    RuleKind,
    Severity,
    SupportResource,
    Surface,
    Verdict,
)

log = logging.getLogger(__name__)


class Violation(BaseModel):
    rule_id: str
    title: str
    citation: Citation
    severity: Severity
    verdict: Verdict
    action: Action
    hard_limit: bool
    origin: str  # pack ref or overlay id that defined the rule
    category: str | None = None  # the signal that fired, if any
    score: float | None = None
    threshold: float | None = None
    condition: str | None = None  # the CEL condition that held, if any
    weak_evidence: bool = False  # fired only on signals their detector measures poorly: a human decides


class Exemption(BaseModel):
    """A rule that would have fired but for an exception the documents grant."""

    rule_id: str
    exception: ExceptionKind
    reason: str


class DegradedRule(BaseModel):
    """A rule whose condition could not be evaluated on this context (logged). A hard limit fails closed:
    it is treated as met; any other rule is treated as not met, and the decision says so here."""

    rule_id: str
    condition: str
    error: str
    failed_closed: bool


class SafeMessagingOutcome(BaseModel):
    """A person appears to be at risk: answer with support, never a penalty (see `model.SafeMessaging`)."""

    rule_id: str
    title: str
    citation: Citation
    category: str
    score: float
    resources: list[SupportResource]
    escalate: bool  # the score reached the rule's escalate_min_score: a human should check in


class Decision(BaseModel):
    id: str = Field(default_factory=lambda: f"dec_{uuid.uuid4().hex}")
    verdict: Verdict
    violations: list[Violation] = Field(default_factory=list)
    exemptions: list[Exemption] = Field(default_factory=list)
    degraded: list[DegradedRule] = Field(default_factory=list)
    safe_messaging: SafeMessagingOutcome | None = None
    explanation: str
    policy_revision: str
    surface: Surface | None = None
    automated: bool = True
    scores: dict[str, float] = Field(default_factory=dict)
    detectors: list[str] = Field(default_factory=list)
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def flagged(self) -> bool:
        return self.verdict is not Verdict.ALLOW

    @property
    def hard_limit(self) -> bool:
        return any(v.hard_limit for v in self.violations)


@dataclass(frozen=True)
class _Plan:
    """The rules of one policy on one surface that test content, indexed by what can make each fire: a
    signal reaching a threshold, or a context variable its condition reads. Built once per policy object
    (a revision), with every condition compiled; a decision evaluates only the rules its signals and
    context can fire, in policy order."""

    rules: tuple[EffectiveRule, ...]
    by_category: dict[str, tuple[tuple[float, int], ...]]  # category -> (threshold, rule position)
    by_root: dict[str, tuple[int, ...]]  # context variable -> rules whose condition reads it
    always: frozenset[int]  # rules that may fire on any content (a threshold of 0, or a condition true
    # or failing even when every variable it reads is absent)
    safe_messaging: tuple[EffectiveRule, ...] = ()  # the surface's safe-messaging rules (answered, not violated)

    def candidates(self, scores: Mapping[str, float], context: Mapping[str, Any]) -> list[EffectiveRule]:
        found = set(self.always)
        for category, value in scores.items():
            for threshold, position in self.by_category.get(category, ()):
                if value >= threshold:
                    found.add(position)
        for root in context:
            found.update(self.by_root.get(root, ()))
        return [self.rules[i] for i in sorted(found)]


def _constant(source: str) -> bool:
    """Whether a condition can hold (or fails, which a hard limit counts as met) with none of its variables."""
    try:
        return expr.check(source, expr.activation({}))
    except expr.EvaluationError:
        return True


def _build_plan(policy: EffectivePolicy, surface: Surface | None) -> _Plan:
    rules = tuple(r for r in policy.active(surface)
                  if r.rule.kind is not RuleKind.OBLIGATION and r.rule.safe_messaging is None
                  and r.rule.triggers is not None and (r.rule.triggers.signals or r.rule.triggers.condition))
    by_category: dict[str, list[tuple[float, int]]] = {}
    by_root: dict[str, list[int]] = {}
    always: set[int] = set()
    for i, rule in enumerate(rules):
        triggers = rule.rule.triggers
        assert triggers is not None
        for trig in triggers.signals:
            if trig.min_score <= 0.0:
                always.add(i)  # an absent signal counts 0.0
            by_category.setdefault(trig.category, []).append((trig.min_score, i))
        condition = triggers.condition
        if condition is None or (triggers.signals and triggers.match is Match.ALL):
            continue  # without a signal over its threshold the condition cannot make this rule fire
        for root in expr.compile_expression(condition).roots:
            by_root.setdefault(root, []).append(i)
        if _constant(condition):
            always.add(i)
    safe = tuple(r for r in policy.active(surface) if r.rule.safe_messaging is not None and r.rule.triggers is not None)
    return _Plan(rules, {k: tuple(v) for k, v in by_category.items()}, {k: tuple(v) for k, v in by_root.items()},
                 frozenset(always), safe)


_PLANS_LOCK = threading.Lock()
# id(policy) -> (a weak reference to it, its plans by surface): an EffectivePolicy is not hashable
_KEYS: dict[int, tuple[weakref.ref[EffectivePolicy], dict[Surface | None, _Plan]]] = {}


def _plan(policy: EffectivePolicy, surface: Surface | None) -> _Plan:
    """The plan for `policy` on `surface`, built on first use and kept while the policy object lives."""
    with _PLANS_LOCK:
        entry = _KEYS.get(id(policy))
        if entry is None or entry[0]() is not policy:
            key = id(policy)
            entry = (weakref.ref(policy, lambda _ref: _KEYS.pop(key, None)), {})
            _KEYS[key] = entry
        plans = entry[1]
        found = plans.get(surface)
    if found is None:
        found = _build_plan(policy, surface)
        with _PLANS_LOCK:
            plans[surface] = found
    return found


def _scores(signals: Iterable[Signal] | Mapping[str, float]) -> tuple[dict[str, float], list[str]]:
    if isinstance(signals, Mapping):
        return {k: float(v) for k, v in signals.items()}, []
    signals = list(signals)
    return max_scores(signals), list(dict.fromkeys(s.detector for s in signals))


def _condition(rule: EffectiveRule, source: str, act: expr.Activation, degraded: list[DegradedRule],
               fail_closed: bool) -> bool:
    try:
        return expr.check(source, act)
    except expr.EvaluationError as exc:
        log.warning("rule %s degraded (%s): %s", rule.id, "treated as met" if fail_closed else "skipped", exc)
        degraded.append(DegradedRule(rule_id=rule.id, condition=source, error=str(exc), failed_closed=fail_closed))
        return fail_closed


def _fires(rule: EffectiveRule, scores: Mapping[str, float], act: expr.Activation,
           degraded: list[DegradedRule]) -> Violation | None:
    triggers = rule.rule.triggers
    if triggers is None or (not triggers.signals and triggers.condition is None):
        return None  # enforced by human review only
    category = score = threshold = None
    best = None
    for trig in triggers.signals:
        value = scores.get(trig.category, 0.0)
        if value >= trig.min_score and (best is None or value - trig.min_score > best[1] - best[2]):
            best = (trig.category, value, trig.min_score)
    if best is not None:
        category, score, threshold = best
    signal_part = best is not None if triggers.signals else None
    if signal_part is False and triggers.match is Match.ALL:
        return None  # the condition cannot change the outcome: skip the (slow) CEL evaluation
    condition_part = (_condition(rule, triggers.condition, act, degraded, fail_closed=rule.rule.hard_limit)
                      if triggers.condition is not None else None)
    parts = [p for p in (signal_part, condition_part) if p is not None]
    fired = any(parts) if triggers.match is Match.ANY else all(parts)
    if not fired:
        return None
    e = rule.rule.enforcement
    return Violation(
        rule_id=rule.id,
        title=rule.rule.title,
        citation=rule.rule.citation,
        severity=e.severity,
        verdict=e.verdict,
        action=e.action,
        hard_limit=rule.rule.hard_limit,
        origin=rule.origin,
        category=category,
        score=score,
        threshold=threshold,
        condition=triggers.condition if condition_part else None,
    )


def _exemption(rule: EffectiveRule, act: expr.Activation, degraded: list[DegradedRule]) -> Exemption | None:
    if rule.rule.hard_limit:
        return None  # nothing relaxes a hard limit, not even a documented exception
    for exc in rule.rule.exceptions:
        if exc.kind in rule.granted_exceptions:
            return Exemption(rule_id=rule.id, exception=exc.kind, reason="granted by policy layer")
        # an exception that cannot be evaluated is not granted (fail closed)
        if exc.when is not None and _condition(rule, exc.when, act, degraded, fail_closed=False):
            return Exemption(rule_id=rule.id, exception=exc.kind, reason=f"context matches: {exc.when}")
    return None


def _explain(verdict: Verdict, violations: list[Violation]) -> str:
    if not violations:
        return "No rule of the effective policy was violated."
    parts = []
    for v in violations:
        why = f"{v.category} {v.score:.2f} >= {v.threshold:.2f}" if v.category is not None else "condition met"
        if v.weak_evidence:
            why += ", weak evidence: a human decides"
        parts.append(f"{v.rule_id} ({v.citation.document} {v.citation.date}, {v.citation.section} "
                     f"{v.citation.item or ''}".rstrip() + f"; {why})")
    return f"{verdict.value.capitalize()}: " + "; ".join(parts)


def _explain_safety(safe: SafeMessagingOutcome | None) -> str:
    if safe is None:
        return ""
    return (f" Safe messaging: {safe.rule_id} ({safe.category} {safe.score:.2f}); support resources offered, "
            + ("a human is asked to check in." if safe.escalate else "no penalty."))


def _safe_messaging(rules: Iterable[EffectiveRule], scores: Mapping[str, float]) -> SafeMessagingOutcome | None:
    """The strongest safe-messaging rule whose signals fire (decide skips these rules as violations)."""
    best: SafeMessagingOutcome | None = None
    for rule in rules:
        sm, triggers = rule.rule.safe_messaging, rule.rule.triggers
        if sm is None or triggers is None:
            continue
        for trig in triggers.signals:
            value = scores.get(trig.category, 0.0)
            if value >= trig.min_score and (best is None or value > best.score):
                best = SafeMessagingOutcome(
                    rule_id=rule.id, title=rule.rule.title, citation=rule.rule.citation, category=trig.category,
                    score=value, resources=list(sm.resources),
                    escalate=sm.escalate_min_score is not None and value >= sm.escalate_min_score)
    return best


def _yield_to_safety(policy: EffectivePolicy, safe: SafeMessagingOutcome, violations: list[Violation],
                     exemptions: list[Exemption], scores: Mapping[str, float],
                     act: expr.Activation) -> list[Violation]:
    """Violations that fire only on the signals the safe-messaging rule reads as distress become exemptions."""
    sm = policy.rules[safe.rule_id].rule.safe_messaging
    assert sm is not None
    if not sm.yields:
        return violations
    rest = {k: v for k, v in scores.items() if k not in sm.yields}
    kept = []
    for v in violations:
        if not v.hard_limit and v.category in sm.yields and _fires(policy.rules[v.rule_id], rest, act, []) is None:
            exemptions.append(Exemption(rule_id=v.rule_id, exception=ExceptionKind.AT_RISK,
                                        reason=f"{v.category} read as the distress of a person at risk "
                                               f"({safe.rule_id}: safe messaging, no penalty)"))
        else:
            kept.append(v)
    return kept


def _route_weak(policy: EffectivePolicy, violations: list[Violation], signals: list[Signal],
                scores: Mapping[str, float]) -> list[Violation]:
    """A violation resting only on weak signals (see `detect.quality`) goes to a human: verdict flag."""
    out = []
    for v in violations:
        triggers = policy.rules[v.rule_id].rule.triggers
        if v.hard_limit or v.category is None or triggers is None or v.condition is not None:
            out.append(v)
            continue
        thresholds = {t.category: t.min_score for t in triggers.signals}
        weak = quality.weak_only([s for s in signals if s.category in thresholds], thresholds)
        fired = {c for c, t in thresholds.items() if scores.get(c, 0.0) >= t}
        if fired and fired <= weak:
            v = v.model_copy(update={"verdict": min(v.verdict, Verdict.FLAG, key=lambda x: x.rank),
                                     "weak_evidence": True})
        out.append(v)
    return out


def decide(
    policy: EffectivePolicy,
    signals: Iterable[Signal] | Mapping[str, float],
    context: Mapping[str, Any] | None = None,
    surface: Surface | str | None = None,
) -> Decision:
    """Judge content by its signals and context under `policy`."""
    if not isinstance(signals, Mapping):
        signals = list(signals)
    scores, detectors = _scores(signals)
    surface_ = Surface(surface) if surface is not None else None
    ctx: dict[str, Any] = dict(context or {})
    ctx.setdefault("signals", scores)
    if surface_ is not None:
        ctx.setdefault("surface", surface_.value)
    act = expr.activation(ctx)  # converted once, on first use; every condition below reads the same context

    violations: list[Violation] = []
    exemptions: list[Exemption] = []
    degraded: list[DegradedRule] = []
    # obligations are duties of the platform, not tests on content; safe messaging is answered below
    plan = _plan(policy, surface_)
    for rule in plan.candidates(scores, ctx):
        hit = _fires(rule, scores, act, degraded)
        if hit is None:
            continue
        exempt = _exemption(rule, act, degraded)
        if exempt is not None:
            exemptions.append(exempt)
        else:
            violations.append(hit)

    if not isinstance(signals, Mapping):
        violations = _route_weak(policy, violations, list(signals), scores)
    content = ctx.get("content")
    is_submission = isinstance(content, Mapping) and content.get("type") in ("app", "manifest")
    safe = None if is_submission else _safe_messaging(plan.safe_messaging, scores)  # an app is not a person at risk
    if safe is not None:
        violations = _yield_to_safety(policy, safe, violations, exemptions, scores, act)
    violations.sort(key=lambda v: (v.hard_limit, v.severity.rank, v.score or 0.0), reverse=True)
    verdict = max((v.verdict for v in violations), default=Verdict.ALLOW, key=lambda x: x.rank)
    if safe is not None and verdict is Verdict.ALLOW:
        verdict = Verdict.FLAG  # a response is owed, though nobody broke a rule
    return Decision(
        verdict=verdict,
        violations=violations,
        exemptions=exemptions,
        degraded=degraded,
        safe_messaging=safe,
        explanation=_explain(verdict, violations) + _explain_safety(safe) + "".join(
            f" Degraded: {d.rule_id} ({'treated as met' if d.failed_closed else 'not applied'}: {d.error})."
            for d in degraded),
        policy_revision=policy.revision,
        surface=surface_,
        scores=scores,
        detectors=detectors,
    )
