"""Submitting content with its signals, and reading decisions, actions, strikes and standing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from warden.api.auth import Ctx, IdempotencyKey, Paged, Requires
from warden.api.schemas import ActionOut, ContentOut, DecisionOut, ListOut, StrikeOut
from warden.enforce import actions, queries, submissions
from warden.enforce.pages import MAX_LIMIT, Page
from warden.enforce.principal import Permission
from warden.enforce.scoping import get_scoped
from warden.store.tables import Account, ActionRecord, ContentItem

router = APIRouter(prefix="/v1", tags=["enforcement"])


@router.post("/submissions", status_code=201, response_model=submissions.SubmissionResult)
def submit(
    body: submissions.Submission, ctx: Annotated[Ctx, Requires(Permission.SUBMIT_CONTENT)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Decide on content under the organization's effective policy and enforce the outcome.

    Text submitted without `signals` is scored by the service's detectors first, before the write
    transaction opens (no lock is held through inference or a remote call)."""
    detected, images = submissions.prepare(body, ctx.rt.screener, ctx.rt.images)
    return ctx.create(key, body, lambda s: submissions.submit(s, ctx.principal, body, ctx.rt.policies,
                                                              ctx.rt.cybertip, ctx.now, detected, images))


@router.get("/content/{content_id}", response_model=ContentOut)
def get_content(content_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> ContentOut:
    with ctx.tx() as s:
        return ContentOut.model_validate(get_scoped(s, ContentItem, content_id, ctx.principal, "content"))


@router.get("/decisions/{decision_id}", response_model=DecisionOut)
def get_decision(decision_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> DecisionOut:
    with ctx.tx() as s:
        return DecisionOut.model_validate(queries.decision(s, ctx.principal, decision_id))


@router.get("/actions", response_model=ListOut[ActionOut])
def list_actions(
    ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)], page: Annotated[Page, Paged(MAX_LIMIT)],
    org_id: str | None = None, account_id: str | None = None, status: str | None = None,
) -> ListOut[ActionOut]:
    with ctx.tx() as s:
        rows = queries.actions(s, ctx.principal, page, org_id=org_id, account_id=account_id, status=status)
        return ListOut[ActionOut](data=[ActionOut.model_validate(a) for a in rows])


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
        rows = queries.strikes(s, ctx.principal, account_id, page)
        return ListOut[StrikeOut](data=[StrikeOut.model_validate(r) for r in rows])
