"""Reviewers' decisions on claimed cases: uphold, overturn or escalate, with a reason.

How an outcome plays out depends on the case's kind; each kind has a handler
in `HANDLERS` (appeals register theirs from `appeals`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.decide import Decision, Violation
from warden.enforce import actions, audit, enforcement, mandatory
from warden.enforce.errors import Conflict, Invalid, NotFound
from warden.enforce.notices import enqueue
from warden.enforce.principal import Permission, Principal
from warden.enforce.submissions import PolicySource, record_decision
from warden.policy.layering import EffectivePolicy
from warden.policy.model import Verdict
from warden.store.tables import ActionRecord, Case, DecisionRecord, MandatoryReport, Report


class Outcome(StrEnum):
    UPHOLD = "uphold"
    OVERTURN = "overturn"
    ESCALATE = "escalate"


class CaseDecision(BaseModel):
    outcome: Outcome
    reason: str = Field(min_length=3, max_length=5000)
    rule_ids: list[str] = Field(default_factory=list)


class Review(BaseModel):
    """Everything a handler needs besides the case."""

    model_config = {"arbitrary_types_allowed": True}

    principal: Principal
    decision: CaseDecision
    policy: PolicySource
    cybertip: mandatory.CyberTipSettings
    now: dt.datetime


class CaseResult(BaseModel):
    case_id: str
    status: str
    outcome: str
    actions: list[str] = Field(default_factory=list)
    reversed_actions: list[str] = Field(default_factory=list)


Handler = Callable[[Session, Case, Review], CaseResult]
HANDLERS: dict[str, Handler] = {}


def handles(*kinds: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        for kind in kinds:
            HANDLERS[kind] = fn
        return fn
    return deco


def violations_for(policy: EffectivePolicy, rule_ids: list[str], scores: dict[str, float]) -> list[Violation]:
    found = []
    for rule_id in rule_ids:
        if rule_id not in policy.rules:
            raise Invalid(f"rule {rule_id!r} is not in the effective policy {policy.revision}", param="rule_ids")
        eff = policy.rules[rule_id]
        rule, e = eff.rule, eff.rule.enforcement
        category = next((t.category for t in (rule.triggers.signals if rule.triggers else [])), None)
        found.append(Violation(rule_id=rule_id, title=rule.title, citation=rule.citation, severity=e.severity,
                               verdict=e.verdict, action=e.action, hard_limit=rule.hard_limit, origin=eff.origin,
                               category=category, score=scores.get(category) if category else None))
    return found


def close(session: Session, case: Case, review: Review, outcome: str) -> None:
    case.status, case.outcome, case.reason = "closed", outcome, review.decision.reason
    case.decided_by, case.decided_at = review.principal.subject, review.now
    audit.record(session, actor=review.principal.actor, action="case.decided", subject_type="case",
                 subject_id=case.id, org_id=case.org_id,
                 data={"outcome": outcome, "reason": review.decision.reason, "rule_ids": review.decision.rule_ids})


def escalate(session: Session, case: Case, review: Review) -> CaseResult:
    """Back to the queue, higher up, for someone other than this reviewer."""
    case.status, case.claimed_by, case.claimed_at = "open", None, None
    case.excluded_reviewer, case.priority = review.principal.subject, case.priority + 100
    audit.record(session, actor=review.principal.actor, action="case.escalated", subject_type="case",
                 subject_id=case.id, org_id=case.org_id, data={"reason": review.decision.reason})
    return CaseResult(case_id=case.id, status=case.status, outcome=Outcome.ESCALATE.value)


def _tell_reporters(session: Session, case: Case, outcome: str) -> None:
    for report in session.execute(select(Report).where(Report.case_id == case.id)).scalars():
        report.outcome = outcome
        enqueue(session, org_id=case.org_id, event="report.outcome", recipient_type="reporter",
                recipient_id=report.reporter_account_id or report.reporter_contact,
                payload={"report_id": report.id, "case_id": case.id, "outcome": outcome,
                         "subject": f"{report.subject_type}:{report.subject_id}"})


_SOURCE_BY_KIND = {"automated_flag": "review", "user_report": "report", "re_review": "re_review"}


@handles("automated_flag", "user_report", "re_review")
def _flag(session: Session, case: Case, review: Review) -> CaseResult:
    if review.decision.outcome is Outcome.ESCALATE:
        return escalate(session, case, review)
    if review.decision.outcome is Outcome.OVERTURN:
        close(session, case, review, Outcome.OVERTURN.value)
        _tell_reporters(session, case, "no_violation_found")
        return CaseResult(case_id=case.id, status=case.status, outcome=Outcome.OVERTURN.value)
    rule_ids = review.decision.rule_ids or list(case.rule_ids)
    if not rule_ids:
        raise Invalid("upholding a case needs the violated rule ids", param="rule_ids")
    policy = review.policy(case.org_id)
    original = session.get(DecisionRecord, case.decision_id) if case.decision_id else None
    found = violations_for(policy, rule_ids, dict(original.scores) if original else {})
    human = Decision(verdict=max((v.verdict for v in found), default=Verdict.FLAG, key=lambda x: x.rank),
                     violations=found, explanation=f"Reviewer {review.principal.subject}: {review.decision.reason}",
                     policy_revision=policy.revision, automated=False, created_at=review.now)
    row = record_decision(session, org_id=case.org_id, decision=human, content_id=case.content_id,
                          account_id=case.account_id, detector=f"reviewer:{review.principal.subject}",
                          detector_version=None)
    target = enforcement.Target(org_id=case.org_id, account_id=case.account_id, app_id=case.app_id,
                                content_id=case.content_id)
    close(session, case, review, Outcome.UPHOLD.value)
    outcome = enforcement.act(session, target, row, found, actor=review.principal.actor,
                              source=_SOURCE_BY_KIND[case.kind], decided_by=review.principal.subject,
                              automated=False, case_id=case.id, cybertip=review.cybertip, now=review.now)
    _tell_reporters(session, case, "action_taken")
    return CaseResult(case_id=case.id, status=case.status, outcome=Outcome.UPHOLD.value, actions=outcome.actions)


@handles("safety_check")
def _safety_check(session: Session, case: Case, review: Review) -> CaseResult:
    """A check-in on a person who may be at risk (see `safety`): closed with a note, nothing is enforced."""
    if review.decision.outcome is Outcome.ESCALATE:
        return escalate(session, case, review)
    outcome = "checked_in" if review.decision.outcome is Outcome.UPHOLD else "not_at_risk"
    close(session, case, review, outcome)
    return CaseResult(case_id=case.id, status=case.status, outcome=outcome)


@handles("confirmation")
def _confirmation(session: Session, case: Case, review: Review) -> CaseResult:
    """A second reviewer confirms (uphold) or rejects (overturn) a termination."""
    if review.decision.outcome is Outcome.ESCALATE:
        return escalate(session, case, review)
    action = session.get_one(ActionRecord, case.action_id)
    if action.decided_by == review.principal.subject:
        raise Conflict("a termination must be confirmed by a second reviewer")
    close(session, case, review, review.decision.outcome.value)
    if review.decision.outcome is Outcome.UPHOLD:
        actions.confirm(session, action, confirmed_by=review.principal.subject, now=review.now)
        return CaseResult(case_id=case.id, status=case.status, outcome="uphold", actions=[action.id])
    if action.status == "pending_confirmation":
        actions.cancel(session, action, actor=review.principal.actor, reason=review.decision.reason, now=review.now)
    else:
        actions.reverse(session, action, actor=review.principal.actor, reason=review.decision.reason, now=review.now)
        for report in session.execute(select(MandatoryReport).where(
                MandatoryReport.decision_id == action.decision_id)).scalars():
            mandatory.withdraw(session, report, actor=review.principal.actor, reason=review.decision.reason)
    return CaseResult(case_id=case.id, status=case.status, outcome="overturn", reversed_actions=[action.id])


def decide_case(session: Session, case_id: str, review: Review) -> CaseResult:
    import warden.enforce.appeals  # noqa: F401  (registers the appeal handler)

    review.principal.require(Permission.REVIEW)
    case = session.get(Case, case_id, with_for_update=True)
    if case is None or not review.principal.sees_org(case.org_id):
        raise NotFound(f"no such case: {case_id}", param="case_id")
    if case.status != "claimed" or case.claimed_by != review.principal.subject:
        raise Conflict(f"claim case {case_id} before deciding it (it is {case.status}"
                       + (f" by {case.claimed_by})" if case.claimed_by else ")"))
    return HANDLERS[case.kind](session, case, review)
