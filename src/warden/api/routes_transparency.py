"""Statements of reasons, mandatory reports and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from warden.api.auth import Ctx, Paged, Requires
from warden.api.schemas import AuditEventOut, ListOut, MandatoryReportOut
from warden.enforce import audit, mandatory, queries, statements
from warden.enforce.pages import MAX_LIMIT, Page
from warden.enforce.principal import Permission

router = APIRouter(prefix="/v1", tags=["transparency"])


@router.get("/statements", response_model=statements.StatementPage)
def export_statements(
    ctx: Annotated[Ctx, Requires(Permission.EXPORT_STATEMENTS)], org_id: str | None = None, after: str | None = None,
    limit: int = 100,
) -> statements.StatementPage:
    """A batch (≤ 100) of DSA statements of reasons, oldest first; pass `next_cursor` as `after`."""
    with ctx.tx() as s:
        return statements.export(s, org_id=org_id, after=after, limit=min(max(limit, 1), 100),
                                 principal=ctx.principal)


@router.get("/mandatory-reports", response_model=ListOut[MandatoryReportOut])
def list_mandatory(
    ctx: Annotated[Ctx, Requires(Permission.MANDATORY_REPORTS)], page: Annotated[Page, Paged(MAX_LIMIT)],
) -> ListOut[MandatoryReportOut]:
    with ctx.tx() as s:
        rows = queries.mandatory_reports(s, ctx.principal, page)
        return ListOut[MandatoryReportOut](data=[MandatoryReportOut.model_validate(r) for r in rows])


@router.post("/mandatory-reports/{report_id}/confirm", response_model=MandatoryReportOut)
def confirm_mandatory(
    report_id: str, ctx: Annotated[Ctx, Requires(Permission.MANDATORY_REPORTS)],
) -> MandatoryReportOut:
    """A person confirms the draft; it is then submitted to the configured CyberTipline endpoint."""
    report = mandatory.confirm_and_submit(ctx.rt.db, report_id, ctx.principal, ctx.rt.cybertip, ctx.now)
    return MandatoryReportOut.model_validate(report)


@router.get("/audit", response_model=ListOut[AuditEventOut])
def list_audit(
    ctx: Annotated[Ctx, Requires(Permission.READ_AUDIT)], page: Annotated[Page, Paged(200)],
    org_id: str | None = None, after_seq: int = 0,
) -> ListOut[AuditEventOut]:
    """Audit events; operator keys see their organization's, workspace administrators their workspace's."""
    with ctx.tx() as s:
        rows = queries.audit_events(s, ctx.principal, page, org_id=org_id, after_seq=after_seq)
        return ListOut[AuditEventOut](data=[AuditEventOut.model_validate(r) for r in rows])


@router.get("/audit/verify", response_model=audit.ChainReport)
def verify_audit(ctx: Annotated[Ctx, Requires(Permission.VERIFY_AUDIT)]) -> audit.ChainReport:
    with ctx.tx() as s:
        return audit.verify(s)
