"""Submissions and review outcomes in the store, through the enforcement lifecycle.

A submission is stored as a content item of type `app` or `manifest` (its JSON
in `text`) attached to the app, so a retroactive review can read it back.
Recording a report writes the decision; failing rules are enforced through
`warden.enforce.enforcement.act` (the organization's ladder picks the actions:
sharing restriction, store delisting, removal...), and rules that need a human
open one review case for the app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce import audit, cases, enforcement, mandatory
from warden.enforce.errors import Invalid
from warden.enforce.kinds import CaseKind, Source
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_org, get_scoped
from warden.enforce.submissions import record_decision
from warden.policy.model import Severity, Verdict
from warden.review.loading import SubmissionError, submission_from_dict
from warden.review.report import ReviewReport
from warden.review.schema import PluginSubmission, Submission, dump_submission
from warden.store.tables import App, ContentItem, new_id

SUBMISSION_TYPES = ("app", "manifest")


class Recorded(BaseModel):
    decision_id: str
    actions: list[str] = []
    case_id: str | None = None


def store_submission(
    session: Session, principal: Principal, *, org_id: str, app_id: str, submission: Submission,
    account_id: str | None = None, now: dt.datetime,
) -> ContentItem:
    principal.require(Permission.SUBMIT_CONTENT)
    get_org(session, org_id, principal)
    app = get_scoped(session, App, app_id, principal, "app")
    if app.org_id != org_id:
        raise Invalid("app belongs to another organization", param="app_id")
    text = json.dumps(dump_submission(submission), sort_keys=True)
    item = ContentItem(
        id=new_id("cnt"), org_id=org_id, account_id=account_id or app.owner_account_id, app_id=app.id,
        content_type="manifest" if isinstance(submission, PluginSubmission) else "app", text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(), reach=app.reach, created_at=now,
    )
    session.add(item)
    session.flush()
    return item


def stored_submissions(session: Session, org_id: str | None = None) -> list[tuple[ContentItem, Submission]]:
    """The latest stored submission of every app (older versions are history, not re-reviewed)."""
    query = select(ContentItem).where(ContentItem.content_type.in_(SUBMISSION_TYPES), ContentItem.text.is_not(None))
    if org_id is not None:
        query = query.where(ContentItem.org_id == org_id)
    latest: dict[str, ContentItem] = {}
    for item in session.scalars(query.order_by(ContentItem.created_at, ContentItem.id)):
        latest[item.app_id or item.id] = item
    found = []
    for item in latest.values():
        try:
            found.append((item, submission_from_dict(json.loads(item.text or "{}"))))
        except (SubmissionError, json.JSONDecodeError):
            continue  # stored before a schema change; reported by the caller as skipped
    return found


def record_report(
    session: Session, principal: Principal, item: ContentItem, report: ReviewReport, *,
    source: str, cybertip: mandatory.CyberTipSettings, now: dt.datetime,
) -> Recorded:
    """Write the decision, enforce failures through the ladder, open a case for needs-human rules."""
    principal.require(Permission.OPEN_REVIEW if source == Source.RE_REVIEW else Permission.SUBMIT_CONTENT)
    principal.check_org(item.org_id, "app")
    decision = report.decision
    row = record_decision(session, org_id=item.org_id, decision=decision, content_id=item.id,
                          account_id=item.account_id, detector=",".join(report.detectors) or None,
                          detector_version=None)
    audit.record(session, actor=principal.actor, action="review.recorded", subject_type="app",
                 subject_id=item.app_id or item.id, org_id=item.org_id,
                 data={"decision_id": row.id, "allowed": report.allowed.value, "store": report.store.value,
                       "policy_revision": report.policy_revision, "source": source,
                       "fail": [r.rule_id for r in report.failures],
                       "needs_human": [r.rule_id for r in report.needs_human]})
    result = Recorded(decision_id=row.id)
    enforced = [v for v in decision.violations if v.verdict is Verdict.BLOCK or v.hard_limit]
    target = enforcement.Target(org_id=item.org_id, account_id=item.account_id, app_id=item.app_id,
                                content_id=item.id)
    if enforced:
        outcome = enforcement.act(session, target, row, enforced, actor=principal.actor, source=source,
                                  decided_by="system", automated=True, case_id=None, cybertip=cybertip, now=now)
        result.actions = outcome.actions
        result.case_id = outcome.case_id
    human = report.needs_human
    if human and result.case_id is None:
        case = cases.open_case(
            session, org_id=item.org_id,
            kind=CaseKind.RE_REVIEW if source == Source.RE_REVIEW else CaseKind.AUTOMATED_FLAG,
            subject_type="app", subject_id=item.app_id or item.id,
            severity=max((r.severity for r in human), default=Severity.LOW, key=lambda s: s.rank),
            actor=principal.actor, confidence=max((e.score or 0.0) for r in human for e in r.evidence)
            if any(r.evidence for r in human) else 0.0,
            reach=item.reach, rule_ids=[r.rule_id for r in human], account_id=item.account_id,
            content_id=item.id, app_id=item.app_id, decision_id=row.id,
        )
        result.case_id = case.id
    return result
