"""From violations to actions: hard limits, content and app actions, strikes and the ladder.

Used by the automated path (a submission whose decision clears the auto-action
bar) and by reviewers upholding a case, so both follow the same ladder.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy.orm import Session

from warden.decide import Violation
from warden.enforce import actions, cases, choices, mandatory, strikes
from warden.enforce.kinds import ActionStatus, CaseKind
from warden.enforce.ladder import APP_ACTIONS, CONTENT_ACTIONS, Ladder, ladder_from
from warden.policy.model import Action, Severity
from warden.store.tables import ActionRecord, ContentItem, DecisionRecord, Organization

CSAM_CATEGORY = "sexual/minors"


Target = choices.Target  # what the violation was found in and whom it is attributed to


class EnforcementResult(BaseModel):
    """What enforcing a decision did: the actions taken, a case opened, a report drafted, strike points."""

    actions: list[str]
    case_id: str | None = None
    mandatory_report_id: str | None = None
    strike_points: float | None = None


def org_ladder(session: Session, org_id: str) -> Ladder:
    return ladder_from(session.get_one(Organization, org_id).ladder)


def _reason(violations: list[Violation]) -> str:
    return "; ".join(f"{v.rule_id} ({v.title}): {v.citation.document} {v.citation.date}, {v.citation.section}"
                     + (f" item {v.citation.item}" if v.citation.item else "") for v in violations)


def _hard_limit(session: Session, target: Target, decision: DecisionRecord, violations: list[Violation], *,
                actor: str, source: str, decided_by: str, automated: bool, case_id: str | None,
                ladder: Ladder, cybertip: mandatory.CyberTipSettings, now: dt.datetime) -> EnforcementResult:
    """Skip the ladder: immediate termination, evidence sealed, report drafted, a human confirms."""
    hard = [v for v in violations if v.hard_limit]
    if target.account_id:
        for v in hard:
            strikes.add(session, org_id=target.org_id, account_id=target.account_id, decision_id=decision.id,
                        rule_id=v.rule_id, severity=v.severity, ladder=ladder, now=now)
    report_id = None
    if target.content_id and any(v.category == CSAM_CATEGORY for v in hard):
        content = session.get_one(ContentItem, target.content_id)
        report_id = mandatory.draft(session, content=content, decision=decision, settings=cybertip, actor=actor,
                                    now=now).id
    spec = actions.ActionSpec(
        org_id=target.org_id, kind=Action.TERMINATION, account_id=target.account_id, app_id=target.app_id,
        content_id=target.content_id, decision_id=decision.id, case_id=case_id,
        rule_ids=[v.rule_id for v in hard], reason="Hard limit: " + _reason(hard), automated=automated,
        hard_limit=True, source=source, decided_by=decided_by,
    )
    action = actions.apply(session, spec, actor=actor, appeal_days=ladder.appeal_days, now=now)
    confirm_case = cases.open_case(
        session, org_id=target.org_id, kind=CaseKind.CONFIRMATION, subject_type="action", subject_id=action.id,
        severity=Severity.CRITICAL, actor=actor, confidence=max((v.score or 1.0) for v in hard),
        rule_ids=spec.rule_ids, account_id=target.account_id, content_id=target.content_id,
        decision_id=decision.id, action_id=action.id, excluded_reviewer=None if automated else decided_by,
    )
    return EnforcementResult(actions=[action.id], case_id=confirm_case.id, mandatory_report_id=report_id)


def act(session: Session, target: Target, decision: DecisionRecord, violations: list[Violation], *,
        actor: str, source: str, decided_by: str, automated: bool, case_id: str | None,
        cybertip: mandatory.CyberTipSettings, now: dt.datetime, chosen: Action | None = None) -> EnforcementResult:
    """Enforce `violations`: the rules' content and app actions and the ladder's account step, or only
    `chosen` (a reviewer's pick, validated against the rules' allowed ladder) with the strikes."""
    ladder = org_ladder(session, target.org_id)
    if chosen is not None:
        choices.check(chosen, choices.choices_for(session, target, violations, ladder, now))
    if any(v.hard_limit for v in violations):
        return _hard_limit(session, target, decision, violations, actor=actor, source=source,
                           decided_by=decided_by, automated=automated, case_id=case_id, ladder=ladder,
                           cybertip=cybertip, now=now)
    common = {"org_id": target.org_id, "account_id": target.account_id, "app_id": target.app_id,
              "content_id": target.content_id, "decision_id": decision.id, "case_id": case_id,
              "automated": automated, "source": source, "decided_by": decided_by}
    taken: list[ActionRecord] = []

    def take(kind: Action, chosen: list[Violation], **extra: object) -> None:
        spec = actions.ActionSpec.model_validate(
            common | {"kind": kind, "rule_ids": [v.rule_id for v in chosen], "reason": _reason(chosen)} | extra)
        taken.append(actions.apply(session, spec, actor=actor, appeal_days=ladder.appeal_days, now=now))

    # Content and app actions the rules name (removal, sharing restriction, delisting, monetization).
    if chosen is None:
        for kind in sorted({v.action for v in violations} & (CONTENT_ACTIONS | APP_ACTIONS), key=lambda a: a.rank):
            if (kind in CONTENT_ACTIONS and target.content_id) or (kind in APP_ACTIONS and target.app_id):
                take(kind, [v for v in violations if v.action is kind])

    points = None
    if target.account_id:
        was_warned = actions.warned(session, target.account_id)
        for v in violations:
            strikes.add(session, org_id=target.org_id, account_id=target.account_id, decision_id=decision.id,
                        rule_id=v.rule_id, severity=v.severity, ladder=ladder, now=now)
        session.flush()
        points = strikes.active_points(session, target.account_id, now)
        step, days = choices.next_step(ladder, points, violations, was_warned=was_warned)
        if chosen is None and step is not None:
            take(step, violations, days=days, pending_confirmation=step is Action.TERMINATION, escalation=True)
    if chosen is not None:
        # the ladder's duration where the pick is one of its steps
        days = next((s.days for s in ladder.steps if s.action is chosen), None)
        take(chosen, violations, days=days, pending_confirmation=chosen is Action.TERMINATION)
    outcome = EnforcementResult(actions=[a.id for a in taken], strike_points=points)
    terminations = [a for a in taken if a.status == ActionStatus.PENDING_CONFIRMATION]
    if terminations:
        confirm_case = cases.open_case(
            session, org_id=target.org_id, kind=CaseKind.CONFIRMATION, subject_type="action",
            subject_id=terminations[0].id, severity=max(v.severity for v in violations), actor=actor,
            rule_ids=terminations[0].rule_ids, account_id=target.account_id, content_id=target.content_id,
            decision_id=decision.id, action_id=terminations[0].id,
            excluded_reviewer=None if automated else decided_by,
        )
        outcome.case_id = confirm_case.id
    return outcome
