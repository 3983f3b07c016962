"""A workspace's connectors and actions (`warden.enforce.connectors`): enable, disable, list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from warden.api.auth import Ctx, Paged, Requires
from warden.api.schemas import ListOut
from warden.enforce import connectors
from warden.enforce.pages import MAX_LIMIT, Page
from warden.enforce.principal import Permission

router = APIRouter(prefix="/v1", tags=["connectors"])


@router.post("/connectors", response_model=connectors.ConnectorOut)
def enable_connector(
    body: connectors.ConnectorChange, ctx: Annotated[Ctx, Requires(Permission.MANAGE_CONNECTORS)]
) -> connectors.ConnectorOut:
    """Enable a connector or action, by name, in a workspace (no workspace: the organization's own list)."""
    with ctx.tx() as s:
        return connectors.set_enabled(s, ctx.principal, body, True, ctx.now)


@router.post("/connectors/disable", response_model=connectors.ConnectorOut)
def disable_connector(
    body: connectors.ConnectorChange, ctx: Annotated[Ctx, Requires(Permission.MANAGE_CONNECTORS)]
) -> connectors.ConnectorOut:
    """Disable a connector or action: requests that use it are refused from now on."""
    with ctx.tx() as s:
        return connectors.set_enabled(s, ctx.principal, body, False, ctx.now)


@router.get("/connectors", response_model=ListOut[connectors.ConnectorOut])
def list_connectors(
    ctx: Annotated[Ctx, Requires(Permission.MANAGE_CONNECTORS)],
    page: Annotated[Page, Paged(MAX_LIMIT)],
    org_id: str | None = None,
    workspace_id: str | None = None,
) -> ListOut[connectors.ConnectorOut]:
    with ctx.tx() as s:
        return ListOut[connectors.ConnectorOut](
            data=connectors.listing(s, ctx.principal, page, org_id=org_id, workspace_id=workspace_id)
        )
