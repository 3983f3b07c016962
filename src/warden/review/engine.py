"""The review engine: one submission, one effective policy, one report.

1. Every text field is screened by the detectors (plus the review pattern
   detector), keeping the field and span of each signal.
2. Analyzers infer facts the builder did not declare (plugin operations vs
   description, automated messaging, audience, concealed purpose...).
3. `decide` runs twice over the rules that cover the submission's surfaces:
   a strict pass (established facts, scores as they are) and a lenient pass
   (every fact, scores raised by `margin`). A rule that fires in the strict
   pass fails if the pack says block and needs a human if it says flag; a rule
   that fires only in the lenient pass needs a human, except a hard limit, which
   is cited on strong evidence only (a borderline score is no evidence of CSAM).
4. Each rule's result carries evidence and citations; the strict pass's
   Decision is kept for the enforcement lifecycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warden.decide import Decision, Violation, decide
from warden.detect.protocol import Detector
from warden.policy.layering import EffectivePolicy, EffectiveRule
from warden.policy.model import Verdict
from warden.review import analyze, evidence, vocabulary
from warden.review.analyzers.patterns import ReviewPatternDetector
from warden.review.analyzers.usecases import UseCaseDetector
from warden.review.context import build_context
from warden.review.facts import Fact
from warden.review.fields import text_fields
from warden.review.report import (
    FactRecord,
    Outcome,
    ReviewReport,
    RuleResult,
    allowed_verdict,
    store_verdict,
)
from warden.review.schema import AppKind, PluginSubmission, Submission, submission_key
from warden.review.screen import Screening, screen
from warden.review.usecase import is_use_case

DEFAULT_MARGIN = 0.15


def restrict(policy: EffectivePolicy, surfaces: Sequence[Any]) -> EffectivePolicy:
    """The policy with only the enabled rules that cover one of `surfaces`."""
    rules = {k: r for k, r in policy.rules.items() if r.enabled and any(r.rule.covers(s) for s in surfaces)}
    return EffectivePolicy(rules=rules, packs=policy.packs, overlays=policy.overlays)


def _raised(scores: Mapping[str, float], margin: float) -> dict[str, float]:
    return {k: min(1.0, v + margin) for k, v in scores.items()}


class Reviewer:
    """Reviews submissions under one effective policy with an injectable set of detectors."""

    def __init__(self, policy: EffectivePolicy, detectors: Sequence[Detector] = (), margin: float = DEFAULT_MARGIN):
        self.policy = policy
        self.detectors = list(detectors)
        self.margin = margin
        self.vocabulary = vocabulary.accepted(policy)

    def _detectors(self, submission: Submission) -> list[Detector]:
        return [*self.detectors, ReviewPatternDetector(steering=isinstance(submission, PluginSubmission)),
                UseCaseDetector()]

    def review(self, submission: Submission) -> ReviewReport:
        fields = text_fields(submission)
        screening = screen(fields, self._detectors(submission))
        facts = analyze.run_all(submission, fields)
        scores, name_scores = screening.scores(), screening.scores(names_only=True)

        strict_ctx, strict_facts = build_context(submission, facts, scores, name_scores)
        loose_scores = _raised(scores, self.margin)
        loose_ctx, loose_facts = build_context(
            submission, facts, loose_scores, _raised(name_scores, self.margin), uncertain=True
        )
        view = restrict(self.policy, submission.surfaces)
        # The strict pass sees the signals themselves, so one resting only on a weak source goes to a human.
        strict = decide(view, [h.signal for h in screening.hits], strict_ctx)
        loose = decide(view, loose_scores, loose_ctx)
        strict.detectors = screening.detectors
        strict.surface = submission.surface

        judge = _Judge(screening, {f.pointer: f.text for f in fields}, strict_ctx, loose_ctx,
                       strict_facts, loose_facts, self.margin)
        rules = [rule for rule in view.active() if is_use_case(rule.rule)]
        results = [judge.result(rule, strict, loose) for rule in rules]
        results.sort(key=_order)
        allowed = allowed_verdict(results)
        return ReviewReport(
            submission_id=submission_key(submission),
            name=submission.name,
            kind=submission.kind.value,
            surface=submission.surface,
            surfaces=submission.surfaces,
            policy_revision=self.policy.revision,
            allowed=allowed,
            store=store_verdict(results, allowed, submission.kind is AppKind.GPT),
            store_listed=submission.store_listed,
            results=results,
            facts=[_record(f, f in strict_facts) for f in facts],
            scores=scores,
            detectors=screening.detectors,
            warnings=vocabulary.warnings(submission, self.vocabulary),
            decision=strict,
        )


_ORDER = {Outcome.FAIL: 0, Outcome.NEEDS_HUMAN: 1, Outcome.NOT_AUTOMATED: 2, Outcome.PASS: 3}


def _order(result: RuleResult) -> tuple[int, int, str]:
    return _ORDER[result.outcome], -result.severity.rank, result.rule_id


def _record(fact: Fact, established: bool) -> FactRecord:
    return FactRecord(path=fact.path, value=fact.value, confidence=fact.confidence, analyzer=fact.analyzer,
                      detail=fact.detail, field=fact.field, start=fact.start, end=fact.end, established=established)


class _Judge:
    def __init__(
        self,
        screening: Screening,
        text_of: Mapping[str, str],
        strict_ctx: Mapping[str, Any],
        loose_ctx: Mapping[str, Any],
        strict_facts: Sequence[Fact],
        loose_facts: Sequence[Fact],
        margin: float,
    ) -> None:
        self.screening, self.text_of = screening, text_of
        self.strict_ctx, self.loose_ctx = strict_ctx, loose_ctx
        self.strict_facts, self.loose_facts = strict_facts, loose_facts
        self.margin = margin

    def result(self, rule: EffectiveRule, strict: Decision, loose: Decision) -> RuleResult:
        r = rule.rule
        base: dict[str, Any] = {
            "rule_id": r.id, "title": r.title, "kind": r.kind, "citation": r.citation, "also_cites": r.also_cites,
            "severity": r.enforcement.severity, "action": r.enforcement.action, "hard_limit": r.hard_limit,
            "origin": rule.origin,
        }
        triggers = r.triggers
        if triggers is None or (not triggers.signals and triggers.condition is None):
            return RuleResult(**base, outcome=Outcome.NOT_AUTOMATED,
                              reason="no executable trigger: applied by a reviewer only")
        hit = _violation(strict, r.id)
        if hit is not None:
            outcome = Outcome.FAIL if hit.verdict is Verdict.BLOCK else Outcome.NEEDS_HUMAN
            reason = _why(hit) + ("" if outcome is Outcome.FAIL else "; the policy flags this for human review")
            return RuleResult(**base, outcome=outcome, reason=reason,
                              evidence=self._evidence(hit, self.strict_ctx, self.strict_facts))
        exempt = next((e for e in strict.exemptions if e.rule_id == r.id), None)
        if exempt is not None:
            return RuleResult(**base, outcome=Outcome.PASS, exemption=exempt.exception.value,
                              reason=f"would fire, but the {exempt.exception.value} exception applies: {exempt.reason}")
        near = _violation(loose, r.id)
        if near is not None and r.hard_limit:
            # A hard limit skips the ladder, so it is cited on strong evidence only, never on a borderline score.
            return RuleResult(**base, outcome=Outcome.PASS,
                              reason="fires only with borderline scores; a hard limit needs strong evidence")
        if near is not None:
            uncertain = [f for f in self.loose_facts if f not in self.strict_facts]
            reason = "fires only with borderline scores or uncertain inferences; a reviewer decides"
            items = self._evidence(near, self.loose_ctx, uncertain)
            return RuleResult(**base, outcome=Outcome.NEEDS_HUMAN, reason=reason, evidence=items)
        return RuleResult(**base, outcome=Outcome.PASS, reason="triggers did not fire")

    def _evidence(self, hit: Violation, ctx: Mapping[str, Any], facts: Sequence[Fact]) -> list[Any]:
        items = []
        if hit.category is not None:
            threshold = max(0.0, (hit.threshold or 0.0) - self.margin)
            items += evidence.signal_evidence(self.screening, hit.category, threshold)
        if hit.condition is not None:
            items += evidence.condition_evidence(hit.condition, ctx, facts, self.screening, self.text_of)
        return evidence.cap(items)


def _violation(decision: Decision, rule_id: str) -> Violation | None:
    return next((v for v in decision.violations if v.rule_id == rule_id), None)


def _why(v: Violation) -> str:
    if v.category is not None and v.score is not None and v.threshold is not None:
        why = f"{v.category} {v.score:.2f} >= {v.threshold:.2f}"
        return why + (" and its condition holds" if v.condition else "")
    return "its condition holds"
