"""The review queue: list, claim (exclusively), decide, open retroactive re-reviews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from warden.api.auth import Ctx, IdempotencyKey, Paged, Requires
from warden.api.schemas import CaseOut, ListOut
from warden.enforce import casedetail, cases, casework
from warden.enforce.pages import Page
from warden.enforce.principal import Permission
from warden.enforce.scoping import get_scoped
from warden.policy.model import Severity
from warden.store.tables import Case

router = APIRouter(prefix="/v1", tags=["review"])


@router.get("/cases", response_model=ListOut[CaseOut])
def list_cases(
    ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)], page: Annotated[Page, Paged(50)],
    org_id: str | None = None, status: str = "open",
) -> ListOut[CaseOut]:
    with ctx.tx() as s:
        rows = cases.queue(s, ctx.principal, org_id=org_id, status=status, limit=page.limit)
        return ListOut[CaseOut](data=[CaseOut.model_validate(c) for c in rows])


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> CaseOut:
    with ctx.tx() as s:
        return CaseOut.model_validate(get_scoped(s, Case, case_id, ctx.principal, "case"))


@router.get("/cases/{case_id}/view", response_model=casedetail.CaseDetail)
def view_case(case_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)],
              rule: Annotated[list[str] | None, Query(description="Rules to compute the action choices for; "
                                                      "default: the case's rules.")] = None,
              ) -> casedetail.CaseDetail:
    """A case with its report reasons, content excerpt (sealed evidence: hash and metadata only), account
    history, and the actions the rules' ladder allows with the one it proposes."""
    with ctx.tx() as s:
        return casedetail.detail(s, ctx.principal, case_id, ctx.rt.policies, ctx.now, rule)


@router.post("/cases/{case_id}/claim", response_model=CaseOut)
def claim(case_id: str, ctx: Annotated[Ctx, Requires(Permission.REVIEW)]) -> CaseOut:
    with ctx.tx() as s:
        return CaseOut.model_validate(cases.claim(s, case_id, ctx.principal, ctx.now))


class ClaimNextIn(BaseModel):
    org_id: str | None = None
    kind: str | None = None


@router.post("/cases/claim-next", response_model=CaseOut, responses={204: {"description": "queue empty"}})
def claim_next(body: ClaimNextIn, ctx: Annotated[Ctx, Requires(Permission.REVIEW)]) -> CaseOut | Response:
    with ctx.tx() as s:
        case = cases.claim_next(s, ctx.principal, ctx.now, postgres=ctx.rt.db.is_postgres, org_id=body.org_id,
                                kind=body.kind)
        if case is None:
            return Response(status_code=204)
        return CaseOut.model_validate(case)


@router.post("/cases/{case_id}/release", response_model=CaseOut)
def release(case_id: str, ctx: Annotated[Ctx, Requires(Permission.REVIEW)]) -> CaseOut:
    with ctx.tx() as s:
        case = get_scoped(s, Case, case_id, ctx.principal, "case")
        cases.release(s, case, ctx.principal)
        return CaseOut.model_validate(case)


@router.post("/cases/{case_id}/decision", response_model=casework.CaseResult)
def decide(
    case_id: str, body: casework.CaseDecision, ctx: Annotated[Ctx, Requires(Permission.REVIEW)],
) -> casework.CaseResult:
    rv = casework.Review(principal=ctx.principal, decision=body, policy=ctx.rt.policies, cybertip=ctx.rt.cybertip,
                       now=ctx.now)
    with ctx.tx() as s:
        return casework.decide_case(s, case_id, rv)


class ReReviewIn(BaseModel):
    content_id: str
    reason: str
    severity: Severity = Severity.MEDIUM
    rule_ids: list[str] = []


@router.post("/cases", status_code=201, response_model=CaseOut)
def open_re_review(
    body: ReReviewIn, ctx: Annotated[Ctx, Requires(Permission.OPEN_REVIEW)], key: IdempotencyKey = None,
) -> JSONResponse:
    """Retroactive re-review of stored content, e.g. after a policy update."""
    return ctx.create(key, body, lambda s: CaseOut.model_validate(cases.open_re_review(
        s, ctx.principal, content_id=body.content_id, severity=body.severity, rule_ids=body.rule_ids)))
