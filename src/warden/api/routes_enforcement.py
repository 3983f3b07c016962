"""Submitting content with its signals, and reading decisions, actions, strikes and standing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select

from warden.api.auth import Ctx, IdempotencyKey, Paged, Requires
from warden.api.schemas import ActionOut, ContentOut, ListOut, StrikeOut
from warden.enforce import actions, submissions
from warden.enforce.pages import MAX_LIMIT, Page
from warden.enforce.principal import Permission
from warden.enforce.scoping import get_scoped, scoped
from warden.store.tables import Account, ActionRecord, ContentItem, DecisionRecord, Strike

router = APIRouter(prefix="/v1", tags=["enforcement"])


@router.post("/submissions", status_code=201, response_model=submissions.SubmissionResult)
def submit(
    body: submissions.Submission, ctx: Annotated[Ctx, Requires(Permission.SUBMIT_CONTENT)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Decide on content under the organization's effective policy and enforce the outcome.

    Text submitted without `signals` is scored by the service's detectors first, before the write
    transaction opens (no lock is held through inference or a remote call)."""
    detected = None
    if submissions.needs_detection(body):
        [found] = ctx.rt.screener.detect([body.content])
        detected = found.signals
    return ctx.create(key, body, lambda s: submissions.submit(s, ctx.principal, body, ctx.rt.policies,
                                                              ctx.rt.cybertip, ctx.now, detected))


@router.get("/content/{content_id}", response_model=ContentOut)
def get_content(content_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> ContentOut:
    with ctx.tx() as s:
        return ContentOut.model_validate(get_scoped(s, ContentItem, content_id, ctx.principal, "content"))


@router.get("/decisions/{decision_id}")
def get_decision(decision_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> dict[str, Any]:
    with ctx.tx() as s:
        d = get_scoped(s, DecisionRecord, decision_id, ctx.principal, "decision")
        return {"id": d.id, "org_id": d.org_id, "content_id": d.content_id, "account_id": d.account_id,
                "verdict": d.verdict, "violations": d.violations, "scores": d.scores,
                "explanation": d.explanation, "policy_revision": d.policy_revision, "detector": d.detector,
                "detector_version": d.detector_version, "automated": d.automated,
                "created_at": d.created_at.isoformat()}


@router.get("/actions", response_model=ListOut[ActionOut])
def list_actions(
    ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)], page: Annotated[Page, Paged(MAX_LIMIT)],
    org_id: str | None = None, account_id: str | None = None, status: str | None = None,
) -> ListOut[ActionOut]:
    with ctx.tx() as s:
        q = scoped(select(ActionRecord).order_by(ActionRecord.created_at), ActionRecord.org_id, ctx.principal, org_id)
        if account_id is not None:
            q = q.where(ActionRecord.account_id == account_id)
        if status is not None:
            q = q.where(ActionRecord.status == status)
        return ListOut[ActionOut](data=[ActionOut.model_validate(a) for a in s.execute(page.apply(q)).scalars()])


@router.get("/actions/{action_id}", response_model=ActionOut)
def get_action(action_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> ActionOut:
    with ctx.tx() as s:
        return ActionOut.model_validate(get_scoped(s, ActionRecord, action_id, ctx.principal, "action"))


@router.get("/accounts/{account_id}/standing", response_model=actions.Standing)
def standing(account_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> actions.Standing:
    with ctx.tx() as s:
        get_scoped(s, Account, account_id, ctx.principal, "account")
        return actions.standing(s, account_id, ctx.now)


@router.get("/accounts/{account_id}/strikes", response_model=ListOut[StrikeOut])
def list_strikes(
    account_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)],
    page: Annotated[Page, Paged(MAX_LIMIT)],
) -> ListOut[StrikeOut]:
    with ctx.tx() as s:
        get_scoped(s, Account, account_id, ctx.principal, "account")
        rows = s.execute(page.apply(select(Strike).where(Strike.account_id == account_id).order_by(Strike.created_at)))
        return ListOut[StrikeOut](data=[StrikeOut.model_validate(r) for r in rows.scalars()])
