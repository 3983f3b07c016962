"""Notice subscriptions, delivery of the outbox, and policy-update announcements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from warden.api.auth import Ctx, IdempotencyKey, Paged, Requires
from warden.api.schemas import DeliveryState, ListOut, NoticeOut
from warden.enforce import queries, subscriptions
from warden.enforce.notices import DeliveryRun, deliver_due
from warden.enforce.pages import Page
from warden.enforce.principal import Permission

router = APIRouter(prefix="/v1", tags=["notices"])


class Announced(BaseModel):
    revision: str
    notices: int


@router.post("/subscriptions", status_code=201, response_model=subscriptions.SubscriptionOut)
def subscribe(
    body: subscriptions.SubscriptionIn, ctx: Annotated[Ctx, Requires(Permission.MANAGE_SUBSCRIPTIONS)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Receive notices (signed webhooks or the log), including policy updates (`policy.updated`)."""
    return ctx.create(key, body, lambda s: subscriptions.subscribe(s, ctx.principal, body))


@router.post("/notices/deliver", response_model=DeliveryRun)
def deliver(ctx: Annotated[Ctx, Requires(Permission.DELIVER_NOTICES)], limit: int = 100) -> DeliveryRun:
    """Drain due deliveries now (a worker or `warden notices deliver` does this on a schedule)."""
    return deliver_due(ctx.rt.db, limit=min(max(limit, 1), 1000), channels=ctx.rt.channels)


@router.get("/notices", response_model=ListOut[NoticeOut])
def list_notices(
    ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)], page: Annotated[Page, Paged(100)],
    org_id: str | None = None, recipient_id: str | None = None,
) -> ListOut[NoticeOut]:
    with ctx.tx() as s:
        found = queries.notices(s, ctx.principal, page, org_id=org_id, recipient_id=recipient_id)
        return ListOut[NoticeOut](data=[
            NoticeOut.model_validate(n).model_copy(update={"deliveries": [DeliveryState(channel=c, status=st)
                                                                          for c, st in states]})
            for n, states in found])


@router.post("/policy-updates", status_code=201)
def announce(
    body: subscriptions.PolicyUpdate, ctx: Annotated[Ctx, Requires(Permission.ANNOUNCE_POLICY)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Announce a new policy version to every subscriber."""
    return ctx.create(key, body, lambda s: Announced(revision=body.revision,
                                                      notices=subscriptions.announce(s, ctx.principal, body,
                                                                                      ctx.rt.policies)))
