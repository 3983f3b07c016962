"""The core casework handlers: flags, user reports and re-reviews; safety check-ins; confirmations.

Each is registered by path in `warden.enforce.casework.CORE_HANDLERS` (the appeal
handler lives in `appeals`); the decision types and `decide_case` live in
`casework`, which this module only imports. (This module was `enforce/review.py`,
a name that collided with the `warden.review` package of app reviews.)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.decide import Decision, Violation
from warden.enforce import actions, enforcement, mandatory
from warden.enforce.casework import (
    CaseOutcome,
    CaseResult,
    Review,
    close,
    escalate,
)
from warden.enforce.errors import Conflict, Invalid
from warden.enforce.kinds import ActionStatus, CaseKind, Source
from warden.enforce.notices import enqueue
from warden.enforce.submissions import record_decision
from warden.policy.layering import EffectivePolicy
from warden.policy.model import Verdict
from warden.store.tables import Account, ActionRecord, Case, DecisionRecord, MandatoryReport, Report


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


def _tell_reporters(session: Session, case: Case, outcome: str) -> None:
    for report in session.execute(select(Report).where(Report.case_id == case.id)).scalars():
        report.outcome = outcome
        enqueue(session, org_id=case.org_id, event="report.outcome", recipient_type="reporter",
                recipient_id=report.reporter_account_id or report.reporter_contact,
                payload={"report_id": report.id, "case_id": case.id, "outcome": outcome,
                         "subject": f"{report.subject_type}:{report.subject_id}"})


_SOURCE_BY_KIND = {CaseKind.AUTOMATED_FLAG: Source.REVIEW, CaseKind.USER_REPORT: Source.REPORT,
                   CaseKind.RE_REVIEW: Source.RE_REVIEW}


def decide_flag(session: Session, case: Case, review: Review) -> CaseResult:
    if review.decision.outcome is CaseOutcome.ESCALATE:
        return escalate(session, case, review)
    if review.decision.outcome is CaseOutcome.OVERTURN:
        close(session, case, review, CaseOutcome.OVERTURN.value)
        _tell_reporters(session, case, "no_violation_found")
        return CaseResult(case_id=case.id, status=case.status, outcome=CaseOutcome.OVERTURN.value)
    rule_ids = review.decision.rule_ids or list(case.rule_ids)
    if not rule_ids:
        raise Invalid("upholding a case needs the violated rule ids", param="rule_ids")
    account = session.get(Account, case.account_id) if case.account_id else None
    # the tiers the account runs under: its organization's, workspace's and its own settings
    policy = review.policy(case.org_id, account.workspace_id if account else None, case.account_id)
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
    close(session, case, review, CaseOutcome.UPHOLD.value)
    outcome = enforcement.act(session, target, row, found, actor=review.principal.actor,
                              source=_SOURCE_BY_KIND[CaseKind(case.kind)], decided_by=review.principal.subject,
                              automated=False, case_id=case.id, cybertip=review.cybertip, now=review.now,
                              chosen=review.decision.action)
    _tell_reporters(session, case, "action_taken")
    return CaseResult(case_id=case.id, status=case.status, outcome=CaseOutcome.UPHOLD.value, actions=outcome.actions)


def decide_safety_check(session: Session, case: Case, review: Review) -> CaseResult:
    """A check-in on a person who may be at risk (see `safety`): closed with a note, nothing is enforced."""
    if review.decision.outcome is CaseOutcome.ESCALATE:
        return escalate(session, case, review)
    outcome = "checked_in" if review.decision.outcome is CaseOutcome.UPHOLD else "not_at_risk"
    close(session, case, review, outcome)
    return CaseResult(case_id=case.id, status=case.status, outcome=outcome)


def decide_confirmation(session: Session, case: Case, review: Review) -> CaseResult:
    """A second reviewer confirms (uphold) or rejects (overturn) a termination."""
    if review.decision.outcome is CaseOutcome.ESCALATE:
        return escalate(session, case, review)
    action = session.get_one(ActionRecord, case.action_id)
    if action.decided_by == review.principal.subject:
        raise Conflict("a termination must be confirmed by a second reviewer")
    close(session, case, review, review.decision.outcome.value)
    if review.decision.outcome is CaseOutcome.UPHOLD:
        actions.confirm(session, action, confirmed_by=review.principal.subject, now=review.now)
        return CaseResult(case_id=case.id, status=case.status, outcome="uphold", actions=[action.id])
    if action.status == ActionStatus.PENDING_CONFIRMATION:
        actions.cancel(session, action, actor=review.principal.actor, reason=review.decision.reason, now=review.now)
    else:
        actions.reverse(session, action, actor=review.principal.actor, reason=review.decision.reason, now=review.now)
        for report in session.execute(select(MandatoryReport).where(
                MandatoryReport.decision_id == action.decision_id)).scalars():
            mandatory.withdraw(session, report, actor=review.principal.actor, reason=review.decision.reason)
    return CaseResult(case_id=case.id, status=case.status, outcome="overturn", reversed_actions=[action.id])
