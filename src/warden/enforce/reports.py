"""User reports: anyone can report content, an app/GPT or an account.

Reports about the same subject merge into its open report case (raising its
priority with each one); every reporter hears the outcome when the case closes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce import audit, cases
from warden.enforce.kinds import CaseKind
from warden.enforce.notices import enqueue
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_scoped
from warden.policy.model import Severity
from warden.store.tables import Account, App, Case, ContentItem, Report, new_id

SubjectType = Literal["content", "app", "account"]
_MODELS: dict[str, type[ContentItem] | type[App] | type[Account]] = {
    "content": ContentItem, "app": App, "account": Account,
}
SEVERITY_BY_CATEGORY: dict[str, Severity] = {
    "sexual/minors": Severity.CRITICAL, "self-harm/intent": Severity.HIGH, "violence": Severity.HIGH,
    "hate/threatening": Severity.HIGH, "harassment/threatening": Severity.HIGH, "weapons": Severity.HIGH,
}


class ReportIn(BaseModel):
    subject_type: SubjectType
    subject_id: str
    reason: str = Field(min_length=3, max_length=5000)
    category: str | None = Field(default=None, max_length=60)
    reporter_account_id: str | None = None
    reporter_contact: str | None = Field(default=None, max_length=300)
    trusted_flagger: bool = False

    @model_validator(mode="after")
    def _someone(self) -> ReportIn:
        if self.reporter_account_id is None and self.reporter_contact is None:
            raise ValueError("a report needs reporter_account_id or reporter_contact to send the outcome to")
        return self


class ReportResult(BaseModel):
    report_id: str
    case_id: str
    merged: bool
    report_count: int


def file(session: Session, principal: Principal, body: ReportIn) -> ReportResult:
    principal.require(Permission.FILE_REPORT)
    # Locking the subject serialises reports about it, so duplicates merge even when they race.
    subject = get_scoped(session, _MODELS[body.subject_type], body.subject_id, principal, body.subject_type,
                         for_update=True)
    if body.reporter_account_id is not None:
        get_scoped(session, Account, body.reporter_account_id, principal, "account")
    org_id = subject.org_id
    case = session.execute(
        select(Case).where(Case.kind == CaseKind.USER_REPORT, Case.subject_type == body.subject_type,
                           Case.subject_id == body.subject_id, Case.status.in_(["open", "claimed"]))
    ).scalars().first()
    severity = SEVERITY_BY_CATEGORY.get(body.category or "", Severity.MEDIUM)
    merged = case is not None
    if case is None:
        content = subject if isinstance(subject, ContentItem) else None
        case = cases.open_case(
            session, org_id=org_id, kind=CaseKind.USER_REPORT, subject_type=body.subject_type,
            subject_id=body.subject_id,
            severity=severity, actor=principal.actor, reach=getattr(subject, "reach", 0),
            account_id=subject.id if isinstance(subject, Account) else getattr(subject, "account_id", None)
            or getattr(subject, "owner_account_id", None),
            content_id=content.id if content else None,
            app_id=subject.id if isinstance(subject, App) else getattr(subject, "app_id", None),
            report_count=1,
        )
    else:
        case.report_count += 1
        if severity > Severity(case.severity):
            case.severity = severity.value
        case.priority = cases.priority(Severity(case.severity), case.confidence, case.reach, case.kind,
                                       case.report_count)
    report = Report(id=new_id("rpt"), org_id=org_id, case_id=case.id, subject_type=body.subject_type,
                    subject_id=body.subject_id, reporter_account_id=body.reporter_account_id,
                    reporter_contact=body.reporter_contact, category=body.category, reason=body.reason,
                    trusted_flagger=body.trusted_flagger, created_at=dt.datetime.now(dt.UTC))
    session.add(report)
    session.flush()
    audit.record(session, actor=principal.actor, action="report.merged" if merged else "report.filed",
                 subject_type="report", subject_id=report.id, org_id=org_id,
                 data={"case_id": case.id, "subject": f"{body.subject_type}:{body.subject_id}",
                       "report_count": case.report_count})
    enqueue(session, org_id=org_id, event="report.received", recipient_type="reporter",
            recipient_id=body.reporter_account_id or body.reporter_contact,
            payload={"report_id": report.id, "subject": f"{body.subject_type}:{body.subject_id}"})
    return ReportResult(report_id=report.id, case_id=case.id, merged=merged, report_count=case.report_count)
