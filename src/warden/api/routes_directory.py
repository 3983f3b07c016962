"""Organizations, workspaces, accounts, apps, API keys and ladders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from warden.api.auth import Ctx, IdempotencyKey, Paged, Requires
from warden.api.schemas import AccountOut, AppOut, ListOut, OrgOut, WorkspaceOut
from warden.enforce import directory, keys, queries
from warden.enforce.ladder import Ladder
from warden.enforce.pages import MAX_LIMIT, Page
from warden.enforce.principal import Permission
from warden.enforce.scoping import get_org, get_scoped
from warden.store.tables import Account

router = APIRouter(prefix="/v1", tags=["directory"])


@router.post("/organizations", status_code=201, response_model=OrgOut)
def create_org(
    body: directory.OrgIn, ctx: Annotated[Ctx, Requires(Permission.MANAGE_ORGS)], key: IdempotencyKey = None,
) -> JSONResponse:
    return ctx.create(key, body, lambda s: OrgOut.model_validate(directory.create_org(s, ctx.principal, body)))


@router.get("/organizations", response_model=ListOut[OrgOut])
def list_orgs(
    ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)], page: Annotated[Page, Paged(MAX_LIMIT)],
) -> ListOut[OrgOut]:
    with ctx.tx() as s:
        return ListOut[OrgOut](data=[OrgOut.model_validate(o) for o in queries.organizations(s, ctx.principal, page)])


@router.get("/organizations/{org_id}", response_model=OrgOut)
def get_org_route(org_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> OrgOut:
    with ctx.tx() as s:
        return OrgOut.model_validate(get_org(s, org_id, ctx.principal))


@router.put("/organizations/{org_id}/ladder", response_model=OrgOut)
def set_ladder(org_id: str, body: Ladder, ctx: Annotated[Ctx, Requires(Permission.SET_LADDER)]) -> OrgOut:
    with ctx.tx() as s:
        return OrgOut.model_validate(directory.set_ladder(s, ctx.principal, org_id, body))


@router.post("/workspaces", status_code=201, response_model=WorkspaceOut)
def create_workspace(
    body: directory.WorkspaceIn, ctx: Annotated[Ctx, Requires(Permission.MANAGE_MEMBERS)], key: IdempotencyKey = None,
) -> JSONResponse:
    return ctx.create(key, body, lambda s: WorkspaceOut.model_validate(
        directory.create_workspace(s, ctx.principal, body)))


@router.post("/accounts", status_code=201, response_model=AccountOut)
def create_account(
    body: directory.AccountIn, ctx: Annotated[Ctx, Requires(Permission.REGISTER_ACCOUNTS)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    return ctx.create(key, body, lambda s: AccountOut.model_validate(
        directory.create_account(s, ctx.principal, body)))


@router.get("/accounts", response_model=ListOut[AccountOut])
def list_accounts(
    ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)], page: Annotated[Page, Paged(MAX_LIMIT)],
    org_id: str | None = None, workspace_id: str | None = None,
) -> ListOut[AccountOut]:
    with ctx.tx() as s:
        rows = queries.accounts(s, ctx.principal, page, org_id=org_id, workspace_id=workspace_id)
        return ListOut[AccountOut](data=[AccountOut.model_validate(a) for a in rows])


class MembershipIn(BaseModel):
    membership: directory.Membership
    reason: str = Field(min_length=3, max_length=2000)


@router.post("/accounts/{account_id}/membership", response_model=AccountOut)
def set_membership(
    account_id: str, body: MembershipIn, ctx: Annotated[Ctx, Requires(Permission.MANAGE_MEMBERS)],
) -> AccountOut:
    """Enterprise administrators: suspend, remove or reinstate a user of their workspace."""
    with ctx.tx() as s:
        return AccountOut.model_validate(
            directory.set_membership(s, ctx.principal, account_id, body.membership, body.reason))


@router.get("/accounts/{account_id}", response_model=AccountOut)
def get_account(account_id: str, ctx: Annotated[Ctx, Requires(Permission.READ_ENFORCEMENT)]) -> AccountOut:
    with ctx.tx() as s:
        return AccountOut.model_validate(get_scoped(s, Account, account_id, ctx.principal, "account"))


@router.post("/apps", status_code=201, response_model=AppOut)
def create_app(
    body: directory.AppIn, ctx: Annotated[Ctx, Requires(Permission.REGISTER_ACCOUNTS)], key: IdempotencyKey = None,
) -> JSONResponse:
    return ctx.create(key, body, lambda s: AppOut.model_validate(directory.create_app(s, ctx.principal, body)))


@router.post("/keys", status_code=201, response_model=keys.IssuedKey)
def create_key(
    body: keys.KeyIn, ctx: Annotated[Ctx, Requires(Permission.MANAGE_KEYS)], key: IdempotencyKey = None,
) -> JSONResponse:
    return ctx.create(key, body, lambda s: keys.issue(s, ctx.principal, body))


@router.delete("/keys/{key_id}", status_code=204)
def revoke_key(key_id: str, ctx: Annotated[Ctx, Requires(Permission.MANAGE_KEYS)]) -> None:
    with ctx.tx() as s:
        keys.revoke(s, ctx.principal, key_id)
