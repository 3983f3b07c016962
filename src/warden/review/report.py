"""The review report: every applicable rule with its outcome, evidence and citation.

Whether the app is allowed at all and whether it may be listed in the GPT
Store are separate verdicts: an allowed GPT can still be ineligible for the
Store, and a GPT that is not allowed is never eligible.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from warden.decide import Decision
from warden.policy.model import Action, Citation, RuleKind, Severity, Surface


class RuleOutcome(StrEnum):
    """How one rule came out for a submission (a review's verdict on being allowed uses the same values)."""

    PASS = "pass"
    FAIL = "fail"
    NEEDS_HUMAN = "needs-human"
    NOT_AUTOMATED = "not-automated"  # the rule has no executable trigger: only a reviewer can apply it


Outcome = RuleOutcome  # the name before RuleOutcome; kept for callers that have not moved


class StoreVerdict(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_HUMAN = "needs-human"
    NOT_APPLICABLE = "not-applicable"  # plugins and API apps are not listed in the GPT Store


class EvidenceItem(BaseModel):
    field: str | None = None  # pointer into the submission, e.g. "instructions", "manifest.description_for_model"
    start: int | None = None
    end: int | None = None
    excerpt: str | None = None
    detail: str
    source: str  # the detector (name@version), the analyzer, or "declared"
    score: float | None = None


class RuleResult(BaseModel):
    rule_id: str
    title: str
    kind: RuleKind
    outcome: RuleOutcome
    reason: str
    citation: Citation
    also_cites: list[Citation] = Field(default_factory=list)
    severity: Severity
    action: Action
    hard_limit: bool = False
    origin: str
    evidence: list[EvidenceItem] = Field(default_factory=list)
    exemption: str | None = None  # the exception that applied, if the rule fired but is exempt


class FactRecord(BaseModel):
    path: str
    value: Any
    confidence: float
    analyzer: str
    detail: str
    field: str | None = None
    start: int | None = None
    end: int | None = None
    established: bool  # at or above the certainty bar, so it counted in the strict pass


class ReviewReport(BaseModel):
    submission_id: str
    name: str
    kind: str
    surface: Surface
    surfaces: list[Surface]
    policy_revision: str
    allowed: RuleOutcome  # pass, fail or needs-human
    store: StoreVerdict
    store_listed: bool = False
    results: list[RuleResult]
    facts: list[FactRecord] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    detectors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # e.g. a declared tag no rule reads (a likely misspelling)
    decision: Decision  # the automated decision of the strict pass, for the enforcement lifecycle
    reviewed_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def with_outcome(self, outcome: RuleOutcome) -> list[RuleResult]:
        return [r for r in self.results if r.outcome is outcome]

    @property
    def failures(self) -> list[RuleResult]:
        return self.with_outcome(RuleOutcome.FAIL)

    @property
    def needs_human(self) -> list[RuleResult]:
        return self.with_outcome(RuleOutcome.NEEDS_HUMAN)

    def counts(self) -> dict[str, int]:
        return {o.value: len(self.with_outcome(o)) for o in RuleOutcome}


def allowed_verdict(results: list[RuleResult]) -> RuleOutcome:
    general = [r for r in results if r.kind is not RuleKind.STORE_ELIGIBILITY]
    if any(r.outcome is RuleOutcome.FAIL for r in general):
        return RuleOutcome.FAIL
    if any(r.outcome is RuleOutcome.NEEDS_HUMAN for r in general):
        return RuleOutcome.NEEDS_HUMAN
    return RuleOutcome.PASS


def store_verdict(results: list[RuleResult], allowed: RuleOutcome, applicable: bool) -> StoreVerdict:
    if not applicable:
        return StoreVerdict.NOT_APPLICABLE
    store = [r for r in results if r.kind is RuleKind.STORE_ELIGIBILITY]
    if allowed is RuleOutcome.FAIL or any(r.outcome is RuleOutcome.FAIL for r in store):
        return StoreVerdict.INELIGIBLE
    if allowed is RuleOutcome.NEEDS_HUMAN or any(r.outcome is RuleOutcome.NEEDS_HUMAN for r in store):
        return StoreVerdict.NEEDS_HUMAN
    return StoreVerdict.ELIGIBLE
