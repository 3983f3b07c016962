"""Loading records through a principal's tenant scope: one rule for listings and lookups.

Organization: a key bound to an organization reaches only that organization's records.

Workspace: a key bound to a workspace reaches only records that belong to that workspace, and a
record belongs to the workspace its account is in. `WORKSPACE_RULES` says, per table, how a
record reaches its account (directly, through its case or action, as a notice's recipient, ...);
the same SQL clause restricts listings (`scoped`) and single lookups (`get_scoped`). Records
that belong to no workspace (organization-level keys, content submitted without an account)
and tables without a rule are invisible to workspace-bound keys: the rule fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, and_, false, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from warden.enforce.errors import NotFound
from warden.enforce.principal import Principal
from warden.store import tables as t


class _Tenanted(Protocol):
    org_id: Any


T = TypeVar("T", bound=_Tenanted)
Q = TypeVar("Q", bound=Select[Any])


def accounts_in(workspace_id: str) -> Select[Any]:
    return select(t.Account.id).where(t.Account.workspace_id == workspace_id)


def _via_account(column: InstrumentedAttribute[Any]) -> Callable[[str], ColumnElement[bool]]:
    return lambda ws: column.in_(accounts_in(ws))


WorkspaceRule = Callable[[str], ColumnElement[bool]]

# table -> workspace id -> "this record belongs to that workspace"
WORKSPACE_RULES: dict[type[Any], WorkspaceRule] = {
    t.Organization: lambda ws: t.Organization.id.in_(select(t.Workspace.org_id).where(t.Workspace.id == ws)),
    t.Workspace: lambda ws: t.Workspace.id == ws,
    t.Account: lambda ws: t.Account.workspace_id == ws,
    t.ApiKey: lambda ws: t.ApiKey.workspace_id == ws,
    t.AuditEvent: lambda ws: t.AuditEvent.workspace_id == ws,
    t.App: _via_account(t.App.owner_account_id),
    t.ContentItem: _via_account(t.ContentItem.account_id),
    t.DecisionRecord: _via_account(t.DecisionRecord.account_id),
    t.ActionRecord: _via_account(t.ActionRecord.account_id),
    t.Strike: _via_account(t.Strike.account_id),
    t.Case: _via_account(t.Case.account_id),
    t.Appeal: _via_account(t.Appeal.account_id),
    t.MandatoryReport: _via_account(t.MandatoryReport.account_id),
    t.Report: lambda ws: t.Report.case_id.in_(select(t.Case.id).where(t.Case.account_id.in_(accounts_in(ws)))),
    t.StatementOfReasons: lambda ws: t.StatementOfReasons.action_id.in_(
        select(t.ActionRecord.id).where(t.ActionRecord.account_id.in_(accounts_in(ws)))),
    t.PolicyOverlay: lambda ws: (t.PolicyOverlay.workspace_id == ws) | t.PolicyOverlay.account_id.in_(accounts_in(ws)),
    t.GrantedExemption: _via_account(t.GrantedExemption.account_id),
    t.Notice: lambda ws: and_(t.Notice.recipient_type == "account", t.Notice.recipient_id.in_(accounts_in(ws))),
}


def register_workspace_rule(model: type[Any], rule: WorkspaceRule) -> None:
    """How records of a table added elsewhere (a plugin, another feature) belong to a workspace."""
    WORKSPACE_RULES[model] = rule


def in_workspace(model: type[Any], principal: Principal) -> ColumnElement[bool]:
    """The clause that limits `model` to the principal's workspace (true for keys bound to none)."""
    if principal.workspace_id is None:
        return true()
    rule = WORKSPACE_RULES.get(model)
    return rule(principal.workspace_id) if rule is not None else false()


def scoped(query: Q, org_column: InstrumentedAttribute[Any], principal: Principal, requested: str | None) -> Q:
    """Restrict a listing of `org_column`'s table to the principal's tenant and workspace, or to the
    organization a platform key asks for."""
    scope = principal.scoped_org(requested)
    if scope is not None:
        query = query.where(org_column == scope)
    if principal.workspace_id is not None:
        model: type[Any] = org_column.class_  # type: ignore[assignment]  # a mapped class, never an alias here
        query = query.where(in_workspace(model, principal))
    return query


def get_scoped(session: Session, model: type[T], record_id: str, principal: Principal, what: str,
               *, for_update: bool = False) -> T:
    """The record if it exists and the principal's tenant (and workspace) covers it; 404 otherwise."""
    record = session.get(model, record_id, with_for_update=for_update)
    if record is None or not principal.sees_org(record.org_id):
        raise NotFound(f"no such {what}: {record_id}", param=f"{what}_id")
    if principal.workspace_id is not None:
        key: InstrumentedAttribute[Any] = getattr(model, "id")  # noqa: B009
        covered = session.execute(
            select(true()).select_from(model).where(key == record_id, in_workspace(model, principal))
        ).first()
        if covered is None:
            raise NotFound(f"no such {what}: {record_id}", param=f"{what}_id")
    return record


def get_org(session: Session, org_id: str, principal: Principal) -> t.Organization:
    org = session.get(t.Organization, org_id)
    if org is None or not principal.sees_org(org.id):
        raise NotFound(f"no such organization: {org_id}", param="org_id")
    return org
