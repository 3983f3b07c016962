"""User reports and appeals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from warden.api.auth import Ctx, IdempotencyKey, Requires
from warden.api.schemas import AppealOut
from warden.enforce import appeals, reports
from warden.enforce.principal import Permission
from warden.enforce.scoping import get_scoped
from warden.store.tables import Appeal

router = APIRouter(prefix="/v1", tags=["reports and appeals"])


@router.post("/reports", status_code=201, response_model=reports.ReportResult)
def file_report(
    body: reports.ReportIn, ctx: Annotated[Ctx, Requires(Permission.FILE_REPORT)], key: IdempotencyKey = None,
) -> JSONResponse:
    """Report content, an app/GPT or an account; duplicates merge into one case."""
    return ctx.create(key, body, lambda s: reports.file(s, ctx.principal, body))


@router.post("/appeals", status_code=201, response_model=AppealOut)
def file_appeal(
    body: appeals.AppealIn, ctx: Annotated[Ctx, Requires(Permission.FILE_APPEAL)], key: IdempotencyKey = None,
) -> JSONResponse:
    """The affected party appeals an action; a different reviewer will decide."""
    return ctx.create(key, body, lambda s: AppealOut.model_validate(
        appeals.file(s, ctx.principal, body, ctx.now)))


@router.get("/appeals/{appeal_id}", response_model=AppealOut)
def get_appeal(appeal_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> AppealOut:
    with ctx.tx() as s:
        return AppealOut.model_validate(get_scoped(s, Appeal, appeal_id, ctx.principal, "appeal"))
