"""Organizations, workspaces, accounts and apps, and what enterprise administrators
may do with the users of their workspace: add, remove, suspend, reinstate.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from warden.enforce import audit
from warden.enforce.errors import Invalid
from warden.enforce.ladder import Ladder
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_org, get_scoped
from warden.store.tables import Account, App, Organization, Workspace, new_id


class OrgIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class WorkspaceIn(BaseModel):
    org_id: str
    name: str = Field(min_length=1, max_length=200)


class AccountIn(BaseModel):
    org_id: str
    workspace_id: str | None = None
    kind: Literal["end_user", "builder", "administrator"] = "end_user"
    external_id: str | None = Field(default=None, max_length=200)
    display_name: str | None = Field(default=None, max_length=200)


class AppIn(BaseModel):
    org_id: str
    name: str = Field(min_length=1, max_length=200)
    owner_account_id: str | None = None
    reach: int = Field(default=0, ge=0)


Membership = Literal["active", "suspended", "removed"]


def create_org(session: Session, principal: Principal, body: OrgIn) -> Organization:
    principal.require(Permission.MANAGE_ORGS)
    org = Organization(id=new_id("org"), name=body.name)
    session.add(org)
    session.flush()
    audit.record(session, actor=principal.actor, action="org.created", subject_type="organization",
                 subject_id=org.id, org_id=org.id, data={"name": org.name})
    return org


def set_ladder(session: Session, principal: Principal, org_id: str, ladder: Ladder) -> Organization:
    principal.require(Permission.SET_LADDER)
    org = get_org(session, org_id, principal)
    org.ladder = ladder.model_dump(mode="json")
    audit.record(session, actor=principal.actor, action="org.ladder_set", subject_type="organization",
                 subject_id=org.id, org_id=org.id, data=org.ladder)
    return org


def create_workspace(session: Session, principal: Principal, body: WorkspaceIn) -> Workspace:
    principal.require(Permission.MANAGE_MEMBERS)
    get_org(session, body.org_id, principal)
    if principal.workspace_id is not None:
        raise Invalid("a workspace administrator cannot create workspaces", param="org_id")
    ws = Workspace(id=new_id("ws"), org_id=body.org_id, name=body.name)
    session.add(ws)
    session.flush()
    audit.record(session, actor=principal.actor, action="workspace.created", subject_type="workspace",
                 subject_id=ws.id, org_id=ws.org_id, workspace_id=ws.id, data={"name": ws.name})
    return ws


def create_account(session: Session, principal: Principal, body: AccountIn) -> Account:
    """Operators and services register their users; workspace administrators add users to their workspace."""
    principal.require(Permission.REGISTER_ACCOUNTS)
    get_org(session, body.org_id, principal)
    workspace_id = body.workspace_id or principal.workspace_id
    if workspace_id is not None:
        ws = get_scoped(session, Workspace, workspace_id, principal, "workspace")
        if ws.org_id != body.org_id or not principal.sees_workspace(ws.id):
            raise Invalid("the workspace belongs to another organization or administrator", param="workspace_id")
    account = Account(id=new_id("acct"), org_id=body.org_id, workspace_id=workspace_id, kind=body.kind,
                      external_id=body.external_id, display_name=body.display_name)
    session.add(account)
    session.flush()
    audit.record(session, actor=principal.actor, action="account.added", subject_type="account",
                 subject_id=account.id, org_id=account.org_id, workspace_id=workspace_id,
                 data={"kind": account.kind})
    return account


def set_membership(session: Session, principal: Principal, account_id: str, membership: Membership,
                   reason: str) -> Account:
    """An enterprise administrator suspends, removes or reinstates a user of its workspace."""
    principal.require(Permission.MANAGE_MEMBERS)
    account = get_scoped(session, Account, account_id, principal, "account")
    if principal.workspace_id is not None and account.workspace_id != principal.workspace_id:
        raise Invalid("the account is not in your workspace", param="account_id")
    previous, account.membership = account.membership, membership
    audit.record(session, actor=principal.actor, action=f"account.membership_{membership}", subject_type="account",
                 subject_id=account.id, org_id=account.org_id, workspace_id=account.workspace_id,
                 data={"from": previous, "to": membership, "reason": reason})
    return account


def create_app(session: Session, principal: Principal, body: AppIn) -> App:
    principal.require(Permission.REGISTER_ACCOUNTS)
    get_org(session, body.org_id, principal)
    if body.owner_account_id is not None:
        owner = get_scoped(session, Account, body.owner_account_id, principal, "account")
        if owner.org_id != body.org_id:
            raise Invalid("the owner belongs to another organization", param="owner_account_id")
    app = App(id=new_id("app"), org_id=body.org_id, name=body.name, owner_account_id=body.owner_account_id,
              reach=body.reach)
    session.add(app)
    session.flush()
    audit.record(session, actor=principal.actor, action="app.created", subject_type="app", subject_id=app.id,
                 org_id=app.org_id, data={"name": app.name})
    return app
