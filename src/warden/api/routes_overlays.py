"""Policy overlays as stored data: upload, list, show, activate, roll back, diff, and shadow-evaluate.

Thin over `warden.enforce.overlays`; an overlay that does not load or relaxes what the layers above
did not delegate is a 400 whose message names the file, line and field, and nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from warden.api.auth import Ctx, IdempotencyKey, Paged, Requires
from warden.api.schemas import ListOut
from warden.enforce import overlays
from warden.enforce.pages import MAX_LIMIT, Page
from warden.enforce.principal import Permission

router = APIRouter(prefix="/v1", tags=["policy tiers"])


@router.post("/overlays", status_code=201, response_model=overlays.OverlayOut)
def push_overlay(
    body: overlays.OverlayIn, ctx: Annotated[Ctx, Requires(Permission.MANAGE_OVERLAYS)], key: IdempotencyKey = None,
) -> JSONResponse:
    """Upload a new version for an organization, a workspace or an account (user settings); inactive until
    activated."""
    return ctx.create(key, body, lambda s: overlays.push(s, ctx.principal, body, ctx.rt.policies))


@router.get("/overlays", response_model=ListOut[overlays.OverlayOut])
def list_overlays(
    ctx: Annotated[Ctx, Requires(Permission.MANAGE_OVERLAYS)], page: Annotated[Page, Paged(MAX_LIMIT)],
    org_id: str | None = None, workspace_id: str | None = None, account_id: str | None = None,
) -> ListOut[overlays.OverlayOut]:
    with ctx.tx() as s:
        rows = overlays.history(s, ctx.principal, page, org_id=org_id, workspace_id=workspace_id,
                                account_id=account_id)
        return ListOut[overlays.OverlayOut](data=[overlays.OverlayOut.model_validate(r) for r in rows])


@router.get("/overlays/{overlay_id}", response_model=overlays.OverlayDetail)
def show_overlay(overlay_id: str, ctx: Annotated[Ctx, Requires(Permission.MANAGE_OVERLAYS)]) -> overlays.OverlayDetail:
    with ctx.tx() as s:
        return overlays.show(s, ctx.principal, overlay_id)


@router.post("/overlays/{overlay_id}/activate", response_model=overlays.OverlayOut)
def activate_overlay(overlay_id: str,
                     ctx: Annotated[Ctx, Requires(Permission.MANAGE_OVERLAYS)]) -> overlays.OverlayOut:
    with ctx.tx() as s:
        return overlays.activate(s, ctx.principal, overlay_id, ctx.rt.policies, ctx.now)


class RolledBack(BaseModel):
    active: overlays.OverlayOut | None  # None: no overlay in this scope any more


@router.post("/overlays/rollback", response_model=RolledBack)
def rollback_overlay(body: overlays.OverlayScope,
                     ctx: Annotated[Ctx, Requires(Permission.MANAGE_OVERLAYS)]) -> RolledBack:
    """Back to the version that was active before the current one in this scope."""
    with ctx.tx() as s:
        return RolledBack(active=overlays.rollback(s, ctx.principal, body, ctx.rt.policies, ctx.now))


@router.get("/overlays/{overlay_id}/diff", response_model=overlays.OverlayDiff)
def diff_overlay(overlay_id: str, ctx: Annotated[Ctx, Requires(Permission.MANAGE_OVERLAYS)],
                 against: str | None = None) -> overlays.OverlayDiff:
    with ctx.tx() as s:
        return overlays.diff(s, ctx.principal, overlay_id, ctx.rt.policies, against)


@router.get("/overlays/{overlay_id}/impact", response_model=overlays.Impact)
def overlay_impact(overlay_id: str, ctx: Annotated[Ctx, Requires(Permission.MANAGE_OVERLAYS)],
                   last: int = 200) -> overlays.Impact:
    """Replay the scope's last `last` stored decisions under this version; what would change. Writes nothing."""
    with ctx.tx() as s:
        return overlays.impact(s, ctx.principal, overlay_id, ctx.rt.policies, last)
