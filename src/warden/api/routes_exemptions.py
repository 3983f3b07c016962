"""Red-team and research exemptions, granted by platform administrators (`warden.enforce.exemptions`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from warden.api.auth import Ctx, IdempotencyKey, Paged, Requires
from warden.api.schemas import ListOut
from warden.enforce import exemptions
from warden.enforce.pages import MAX_LIMIT, Page
from warden.enforce.principal import Permission

router = APIRouter(prefix="/v1", tags=["policy tiers"])


@router.post("/exemptions", status_code=201, response_model=exemptions.ExemptionOut)
def grant_exemption(
    body: exemptions.ExemptionIn, ctx: Annotated[Ctx, Requires(Permission.GRANT_EXEMPTIONS)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Grant an organization or account a red-team or research exemption: rules, expiry, reason (audited)."""
    return ctx.create(key, body, lambda s: exemptions.grant(s, ctx.principal, body, ctx.now))


@router.get("/exemptions", response_model=ListOut[exemptions.ExemptionOut])
def list_exemptions(
    ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)], page: Annotated[Page, Paged(MAX_LIMIT)],
    org_id: str | None = None,
) -> ListOut[exemptions.ExemptionOut]:
    with ctx.tx() as s:
        rows = exemptions.listing(s, ctx.principal, page, org_id=org_id)
        return ListOut[exemptions.ExemptionOut](data=[exemptions.ExemptionOut.model_validate(r) for r in rows])


@router.delete("/exemptions/{exemption_id}", response_model=exemptions.ExemptionOut)
def revoke_exemption(exemption_id: str,
                     ctx: Annotated[Ctx, Requires(Permission.GRANT_EXEMPTIONS)]) -> exemptions.ExemptionOut:
    with ctx.tx() as s:
        return exemptions.revoke(s, ctx.principal, exemption_id, ctx.now)
