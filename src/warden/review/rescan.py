"""Retroactive review: what would change if stored apps were judged under another policy version.

A shadow rescan reviews every submission under the baseline and the candidate
policy and reports the difference; it writes nothing and enforces nothing.
Promotion (`promote`) is a separate, explicit step: every stored app re-reviewed
under the candidate, the decisions recorded and failures enforced (`warden.review.record`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from warden.enforce.kinds import Source
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import Principal
from warden.policy.layering import EffectivePolicy
from warden.review.engine import Reviewer
from warden.review.record import Recorded, record_report, stored_submissions
from warden.review.report import ReviewReport, RuleOutcome, StoreVerdict
from warden.review.schema import Submission
from warden.store.database import Database
from warden.store.tables import Account, App, ContentItem


class AppChange(BaseModel):
    submission_id: str
    name: str
    allowed_before: RuleOutcome
    allowed_after: RuleOutcome
    store_before: StoreVerdict
    store_after: StoreVerdict
    newly_failing: list[str] = Field(default_factory=list)
    newly_needs_human: list[str] = Field(default_factory=list)
    no_longer_failing: list[str] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (
            self.allowed_before is not self.allowed_after
            or self.store_before is not self.store_after
            or bool(self.newly_failing or self.newly_needs_human or self.no_longer_failing)
        )


class RescanImpact(BaseModel):
    baseline: str
    candidate: str
    reviewed: int
    changes: list[AppChange]
    newly_failing_by_rule: dict[str, int]  # rule id -> how many apps newly fail it
    newly_needs_human_by_rule: dict[str, int]
    verdicts_before: dict[str, int]
    verdicts_after: dict[str, int]
    shadow: bool = True  # nothing was written or enforced

    @property
    def newly_failing_apps(self) -> list[AppChange]:
        return [c for c in self.changes
                if c.allowed_after is RuleOutcome.FAIL and c.allowed_before is not RuleOutcome.FAIL]


def _ids(report: ReviewReport, outcome: RuleOutcome) -> set[str]:
    return {r.rule_id for r in report.with_outcome(outcome)}


def _carried(ids: set[str], other: set[str], lineage: Mapping[str, Iterable[str]]) -> set[str]:
    """Rules in `ids` that are the same as, or continue, a rule in `other` (through `supersedes`)."""
    return {i for i in ids if i in other or any(old in other for old in lineage.get(i, ()))}


def change(before: ReviewReport, after: ReviewReport, lineage: Mapping[str, Iterable[str]] | None = None) -> AppChange:
    """What changed for one app. `lineage` maps a candidate rule id to the baseline ids it supersedes, so a
    renamed rule that fails in both versions is not reported as newly failing."""
    lineage = lineage or {}
    failed_before, failed_after = _ids(before, RuleOutcome.FAIL), _ids(after, RuleOutcome.FAIL)
    human_before, human_after = _ids(before, RuleOutcome.NEEDS_HUMAN), _ids(after, RuleOutcome.NEEDS_HUMAN)
    reverse: dict[str, list[str]] = {}
    for new, olds in lineage.items():
        for old in olds:
            reverse.setdefault(old, []).append(new)
    return AppChange(
        submission_id=after.submission_id,
        name=after.name,
        allowed_before=before.allowed,
        allowed_after=after.allowed,
        store_before=before.store,
        store_after=after.store,
        newly_failing=sorted(failed_after - _carried(failed_after, failed_before, lineage)),
        newly_needs_human=sorted(human_after - _carried(human_after, human_before | failed_before, lineage)),
        no_longer_failing=sorted(failed_before - _carried(failed_before, failed_after, reverse)),
    )


def shadow(submissions: Iterable[Submission], baseline: Reviewer, candidate: Reviewer) -> RescanImpact:
    """Review each submission under both policies; return what would change. Pure: no side effects."""
    changes: list[AppChange] = []
    failing: Counter[str] = Counter()
    human: Counter[str] = Counter()
    before_counts: Counter[str] = Counter()
    after_counts: Counter[str] = Counter()
    reviewed = 0
    lineage = {rule_id: rule.rule.supersedes for rule_id, rule in candidate.policy.rules.items()}
    for submission in submissions:
        reviewed += 1
        before, after = baseline.review(submission), candidate.review(submission)
        before_counts[before.allowed.value] += 1
        after_counts[after.allowed.value] += 1
        delta = change(before, after, lineage)
        failing.update(delta.newly_failing)
        human.update(delta.newly_needs_human)
        if delta.changed:
            changes.append(delta)
    return RescanImpact(
        baseline=baseline.policy.revision,
        candidate=candidate.policy.revision,
        reviewed=reviewed,
        changes=changes,
        newly_failing_by_rule=dict(failing.most_common()),
        newly_needs_human_by_rule=dict(human.most_common()),
        verdicts_before=dict(before_counts),
        verdicts_after=dict(after_counts),
    )


@dataclass(frozen=True)
class Promoted:
    content_id: str  # the stored submission that was re-reviewed
    app_id: str | None
    report: ReviewReport
    recorded: Recorded


Tier = tuple[str, str | None, str | None]  # organization, workspace, account


def _owner(session: Session, item: ContentItem) -> Tier:
    """Whose tiers a stored app runs under: its organization, and the submitting (else owning) account's."""
    account_id = item.account_id
    if account_id is None and item.app_id is not None:
        app = session.get(App, item.app_id)
        account_id = app.owner_account_id if app is not None else None
    account = session.get(Account, account_id) if account_id is not None else None
    return item.org_id, account.workspace_id if account is not None else None, account_id


def promote(db: Database, principal: Principal, candidate: Reviewer, *, org_id: str | None,
            cybertip: CyberTipSettings, now: dt.datetime,
            tiers: Callable[[str, str | None, str | None], EffectivePolicy] | None = None) -> list[Promoted]:
    """Re-review every stored app (of `org_id`, or all) under the candidate policy and enforce the results.
    With `tiers` (the candidate packs with the stored overlays: organization, workspace, account -> policy),
    each app runs under its owner's tiers, as a live review does; without, under the candidate alone.

    The stored submissions are read first, every review (detection included) runs outside any
    transaction, and then all decisions are recorded as re-reviews in one transaction: all or none."""
    with db.transaction() as session:
        stored = [(item.id, submission, _owner(session, item))
                  for item, submission in stored_submissions(session, org_id)]
    reviewers: dict[Tier, Reviewer] = {}

    def reviewer(tier: Tier) -> Reviewer:
        if tiers is None:
            return candidate
        if tier not in reviewers:  # one resolution per owner
            reviewers[tier] = Reviewer(tiers(*tier), candidate.detectors, candidate.margin)
        return reviewers[tier]

    reports = [(item_id, reviewer(tier).review(submission)) for item_id, submission, tier in stored]
    promoted = []
    with db.transaction() as session:
        for item_id, report in reports:
            item = session.get_one(ContentItem, item_id)
            recorded = record_report(session, principal, item, report, source=Source.RE_REVIEW, cybertip=cybertip,
                                     now=now)
            promoted.append(Promoted(content_id=item.id, app_id=item.app_id, report=report, recorded=recorded))
    return promoted
