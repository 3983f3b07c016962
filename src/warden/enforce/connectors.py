"""Connectors and actions under a workspace administrator's control (OpenAI Service Terms 2025-06-04, 7.a).

A workspace's administrators enable or disable connectors and actions by name; what they enabled is the
workspace's allow-list (`ConnectorSetting` rows; every change bumps the row's version and is audited). A
request outside any workspace uses the organization's own list (workspace omitted). A name with no row is
not enabled: the list fails closed.

How a request names what it uses: `context.request.connectors`, a list of names (a string counts as a list
of one), in a submission or a moderation request; a review (`/v1/reviews` with an organization) names its
app's actions (`submission.actions[].name`, as `slug` writes them: "Order lookup" is `order-lookup`); the
gateway takes the tool names of a chat or responses request (`tool_names`). Names are matched lower-case.
Warden itself sets
`request.connectors_not_enabled` (a caller's own value is dropped) to the names the allow-list lacks, which
makes the pack's `connectors.workspace-control` rule fire; the request is then refused with
`ConnectorNotEnabled` (403, code `connector_not_enabled`), whose body carries that decision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warden.decide import Decision, decide
from warden.enforce import audit
from warden.enforce.errors import Forbidden, Invalid
from warden.enforce.pages import Page
from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import get_org, get_scoped, register_workspace_rule
from warden.policy.layering import EffectivePolicy
from warden.policy.model import Surface
from warden.store.tables import ConnectorSetting, Workspace, new_id

RULE_ID = "connectors.workspace-control"
NOT_ENABLED = "connectors_not_enabled"  # set by Warden under context.request, never taken from the caller
_NAME = re.compile(r"^[a-z0-9][a-z0-9._:/@-]{0,119}$")

register_workspace_rule(ConnectorSetting, lambda ws: ConnectorSetting.workspace_id == ws)


class ConnectorNotEnabled(Forbidden):
    """A request used a connector or action its workspace has not enabled."""

    code = "connector_not_enabled"

    def __init__(self, message: str, *, decision: Decision) -> None:
        super().__init__(message, param="context.request.connectors")
        self.extra = {"decision": decision.model_dump(mode="json")}
        self.decision = decision


def normalise(name: str) -> str:
    """The name as it is stored and matched; `Invalid` for one that cannot be a connector's."""
    value = name.strip().lower()
    if not _NAME.match(value):
        raise Invalid(
            f"connector name {name!r} is not valid: 1-120 characters of a-z 0-9 . _ : / @ -, "
            "starting with a letter or digit",
            param="name",
        )
    return value


def slug(name: str) -> str:
    """A free-form action name (a GPT action's "Order lookup") as a connector name ("order-lookup")."""
    return re.sub(r"[^a-z0-9._:/@-]+", "-", name.strip().lower()).strip("-._:/@")[:120] or "unnamed"


def requested(context: Mapping[str, Any]) -> list[str]:
    """The connector and action names a request's context says it uses (`context.request.connectors`)."""
    request = context.get("request")
    if not isinstance(request, Mapping) or request.get("connectors") is None:
        return []
    raw = request["connectors"]
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise Invalid(
            "context.request.connectors must be a list of connector names", param="context.request.connectors"
        )
    return list(dict.fromkeys(normalise(i) for i in items))


def _in_scope(org_id: str, workspace_id: str | None) -> ColumnElement[bool]:
    return and_(
        ConnectorSetting.org_id == org_id,
        ConnectorSetting.workspace_id.is_(None)
        if workspace_id is None
        else ConnectorSetting.workspace_id == workspace_id,
    )


def enabled(session: Session, org_id: str, workspace_id: str | None) -> set[str]:
    """The allow-list of a workspace (None: the organization's own list)."""
    rows = session.execute(
        select(ConnectorSetting.name).where(_in_scope(org_id, workspace_id), ConnectorSetting.enabled.is_(True))
    ).scalars()
    return set(rows)


def _marked(context: Mapping[str, Any], missing: Sequence[str]) -> dict[str, Any]:
    out = dict(context)
    request = out.get("request")
    if isinstance(request, Mapping):
        out["request"] = {k: v for k, v in request.items() if k != NOT_ENABLED}  # never the caller's own
        if missing:
            out["request"][NOT_ENABLED] = list(missing)
    return out


def mark(
    session: Session, org_id: str, workspace_id: str | None, context: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The context with `request.connectors_not_enabled` set by Warden (the caller's own value dropped), and
    those names: what the request uses that the workspace's allow-list lacks."""
    names = requested(context)
    allowed = enabled(session, org_id, workspace_id) if names else set()
    missing = [n for n in names if n not in allowed]
    return _marked(context, missing), missing


def mark_unscoped(context: Mapping[str, Any]) -> dict[str, Any]:
    """`mark` for a caller of no organization (anonymous): no allow-list, so every name counts as not enabled."""
    return _marked(context, requested(context))


def not_enabled(context: Mapping[str, Any]) -> list[str]:
    """What `mark` found missing in a marked context."""
    request = context.get("request")
    found = request.get(NOT_ENABLED) if isinstance(request, Mapping) else None
    return list(found) if isinstance(found, list) else []


def refuse(decision: Decision, missing: Sequence[str], workspace_id: str | None) -> None:
    """Raise `ConnectorNotEnabled` when the request used connectors its workspace did not enable. The decision
    names the connector rule with its citation; where the policy in force lacks the rule the request is
    refused all the same (fail closed)."""
    if not missing:
        return
    where = f"workspace {workspace_id}" if workspace_id else "the organization (no workspace)"
    fired = next((v for v in decision.violations if v.rule_id == RULE_ID), None)
    cited = ""
    if fired is not None:
        c = fired.citation
        cited = f" (rule {RULE_ID}: {c.document} {c.date}, {c.section} {c.item})"
    raise ConnectorNotEnabled(
        f"connector {', '.join(repr(m) for m in missing)} is not enabled for {where}{cited}; a workspace "
        "administrator enables it with `warden connectors enable` or POST /v1/connectors",
        decision=decision,
    )


def require_enabled(session: Session, policy: EffectivePolicy, org_id: str, workspace_id: str | None,
                    names: Sequence[str], surface: Surface | str | None = None) -> None:
    """Refuse (`ConnectorNotEnabled`, the decision naming the connector rule) unless every name is enabled in
    the workspace: for requests that name their connectors outside a decision's context (a review's actions)."""
    context, missing = mark(session, org_id, workspace_id, {"request": {"connectors": list(names)}})
    if missing:
        refuse(decide(policy, {}, context, surface), missing, workspace_id)


class ConnectorChange(BaseModel):
    org_id: str
    workspace_id: str | None = None  # None: the organization's own list
    name: str = Field(min_length=1, max_length=120)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        try:
            return normalise(v)
        except Invalid as exc:
            raise ValueError(exc.message) from None


class ConnectorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    workspace_id: str | None
    name: str
    enabled: bool
    version: int
    updated_by: str
    updated_at: dt.datetime


def _check_scope(session: Session, principal: Principal, org_id: str, workspace_id: str | None) -> None:
    principal.require(Permission.MANAGE_CONNECTORS)
    get_org(session, org_id, principal)
    if workspace_id is not None:
        ws = get_scoped(session, Workspace, workspace_id, principal, "workspace")
        if ws.org_id != org_id:
            raise Invalid("the workspace belongs to another organization", param="workspace_id")
    elif principal.workspace_id is not None:
        raise Forbidden(
            "a workspace-bound key manages its workspace's connectors, not the organization's", param="workspace_id"
        )


def set_enabled(
    session: Session, principal: Principal, body: ConnectorChange, on: bool, now: dt.datetime
) -> ConnectorOut:
    """Enable or disable one connector or action in a workspace's allow-list (audited, versioned)."""
    _check_scope(session, principal, body.org_id, body.workspace_id)
    row = (
        session.execute(
            select(ConnectorSetting)
            .where(_in_scope(body.org_id, body.workspace_id), ConnectorSetting.name == body.name)
            .with_for_update()
        )
        .scalars()
        .first()
    )
    if row is None:
        row = ConnectorSetting(
            id=new_id("con"),
            org_id=body.org_id,
            workspace_id=body.workspace_id,
            name=body.name,
            enabled=on,
            version=1,
            updated_by=principal.actor,
            updated_at=now,
        )
        session.add(row)
    elif row.enabled != on:
        row.enabled, row.version, row.updated_by, row.updated_at = on, row.version + 1, principal.actor, now
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="connector.enabled" if on else "connector.disabled",
        subject_type="connector",
        subject_id=row.id,
        org_id=body.org_id,
        workspace_id=body.workspace_id,
        data={"name": row.name, "version": row.version},
    )
    return ConnectorOut.model_validate(row)


def listing(
    session: Session, principal: Principal, page: Page, *, org_id: str | None = None, workspace_id: str | None = None
) -> list[ConnectorOut]:
    """A workspace's connectors and actions, enabled and disabled (None: the organization's own list; a
    workspace-bound key's default is its workspace, an organization-bound key's its organization)."""
    org_id = principal.scoped_org(org_id)
    if org_id is None:
        raise Invalid("name the organization: org_id", param="org_id")
    workspace_id = workspace_id or principal.workspace_id
    _check_scope(session, principal, org_id, workspace_id)
    q = select(ConnectorSetting).where(_in_scope(org_id, workspace_id)).order_by(ConnectorSetting.name)
    return [ConnectorOut.model_validate(r) for r in session.execute(page.apply(q)).scalars()]


def tool_names(body: Mapping[str, Any]) -> list[str]:
    """The connectors and actions a gateway request uses: its `tools`, each named by its function's name
    (chat: `function.name`; responses: `name`), an MCP tool by its `server_label`, a built-in tool by its
    `type` (web_search, file_search, ...). A tool without a usable name is a 400."""
    tools = body.get("tools")
    if not tools:
        return []
    if not isinstance(tools, list):
        raise Invalid("tools must be a list", param="tools")
    names = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise Invalid(f"tools[{i}] must be an object", param=f"tools[{i}]")
        function = tool.get("function")
        name = (
            (function.get("name") if isinstance(function, Mapping) else None)
            or tool.get("name")
            or tool.get("server_label")
            or tool.get("type")
        )
        if not isinstance(name, str) or not name:
            raise Invalid(f"tools[{i}] names no function, server or type", param=f"tools[{i}]")
        names.append(normalise(name))
    return list(dict.fromkeys(names))
