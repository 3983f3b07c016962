"""Connectors under a workspace administrator's control (003 section 7.a): enable, disable and list over HTTP
and the CLI; a submission or moderation that uses a connector its workspace has not enabled is refused and
the decision names `connectors.workspace-control` with its citation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from warden.api.app import create_app
from warden.cli import app as cli
from warden.detect.pipeline import DetectorSet
from warden.detect.testing import KeywordDetector
from warden.enforce import keys
from warden.enforce.overlays import StoredOverlays
from warden.enforce.principal import SYSTEM, Role
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.settings import Settings
from warden.store import Database
from warden.store.tables import AuditEvent, ContentItem

RULE = "connectors.workspace-control"


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def world(db: Database) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    provider = PolicyProvider.load(overlays=StoredOverlays(db))
    rt = Runtime(
        db=db,
        policies=provider,
        detectors=DetectorSet([KeywordDetector({"hate": (0.9, ["hateword"])})]),
        settings=Settings(moderation_auth=True, deliver_every=0),
    )
    with db.transaction() as s:
        admin = _h(keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="root")).key)
    with TestClient(create_app(rt)) as client:
        org = client.post("/v1/organizations", json={"name": "acme"}, headers=admin).json()["id"]
        ws = client.post("/v1/workspaces", json={"org_id": org, "name": "sales"}, headers=admin).json()["id"]
        other_ws = client.post("/v1/workspaces", json={"org_id": org, "name": "ops"}, headers=admin).json()["id"]
        with db.transaction() as s:
            svc = _h(keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject="svc", org_id=org)).key)
            wsadmin = _h(
                keys.issue(
                    s, SYSTEM, keys.KeyIn(role=Role.OPERATOR_ADMIN, subject="ws-admin", org_id=org, workspace_id=ws)
                ).key
            )
        user = client.post("/v1/accounts", json={"org_id": org, "workspace_id": ws}, headers=svc).json()["id"]
        yield (
            client,
            {"admin": admin, "svc": svc, "wsadmin": wsadmin, "org": org, "ws": ws, "other_ws": other_ws, "user": user},
        )


def _submit(client: TestClient, ids: dict[str, Any], request: dict[str, Any]) -> Any:
    return client.post(
        "/v1/submissions",
        headers=ids["svc"],
        json={
            "org_id": ids["org"],
            "account_id": ids["user"],
            "content": "summarise my open tickets",
            "context": {"request": request},
        },
    )


def test_a_submission_using_a_connector_the_workspace_has_not_enabled_is_refused(
    world: tuple[TestClient, dict[str, Any]], db: Database
) -> None:
    client, ids = world
    with db.read() as s:
        stored = s.scalar(select(func.count()).select_from(ContentItem))
    refused = _submit(client, ids, {"connectors": ["GitHub"]})
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert error["code"] == "connector_not_enabled" and "'github'" in error["message"]
    assert RULE in error["message"] and "7.a" in error["message"]
    [violation] = [v for v in error["decision"]["violations"] if v["rule_id"] == RULE]
    assert violation["citation"]["section"] == "Connectors and Actions" and violation["citation"]["item"] == "7.a"
    assert error["decision"]["verdict"] == "block"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ContentItem)) == stored, "nothing stored"

    enabled = client.post(
        "/v1/connectors",
        headers=ids["wsadmin"],
        json={"org_id": ids["org"], "workspace_id": ids["ws"], "name": "github"},
    )
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["enabled"] is True and enabled.json()["version"] == 1
    allowed = _submit(client, ids, {"connectors": ["github"]})
    assert allowed.status_code == 201, allowed.text
    assert RULE not in {v["rule_id"] for v in allowed.json()["decision"]["violations"]}
    # one enabled connector does not enable another
    assert _submit(client, ids, {"connectors": ["github", "slack"]}).json()["error"]["message"].count("'slack'") == 1

    disabled = client.post(
        "/v1/connectors/disable",
        headers=ids["wsadmin"],
        json={"org_id": ids["org"], "workspace_id": ids["ws"], "name": "github"},
    )
    assert disabled.json()["enabled"] is False and disabled.json()["version"] == 2
    assert _submit(client, ids, {"connectors": ["github"]}).status_code == 403
    listed = client.get("/v1/connectors", headers=ids["wsadmin"]).json()["data"]
    assert [(c["name"], c["enabled"], c["version"]) for c in listed] == [("github", False, 2)]
    with db.read() as s:
        actions = list(
            s.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "connector").order_by(AuditEvent.seq))
        )
    assert actions == ["connector.enabled", "connector.disabled"]


def test_the_callers_own_not_enabled_list_is_ignored(world: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = world
    resp = _submit(client, ids, {"connectors_not_enabled": ["anything"]})
    assert resp.status_code == 201, resp.text
    assert RULE not in {v["rule_id"] for v in resp.json()["decision"]["violations"]}


def test_a_workspace_admin_controls_only_its_workspace(world: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = world
    other = client.post(
        "/v1/connectors",
        headers=ids["wsadmin"],
        json={"org_id": ids["org"], "workspace_id": ids["other_ws"], "name": "github"},
    )
    assert other.status_code == 404
    org_list = client.post("/v1/connectors", headers=ids["wsadmin"], json={"org_id": ids["org"], "name": "github"})
    assert org_list.status_code == 403
    assert (
        client.post(
            "/v1/connectors",
            headers=ids["svc"],
            json={"org_id": ids["org"], "workspace_id": ids["ws"], "name": "github"},
        ).status_code
        == 403
    ), "service keys may not"
    bad = client.post(
        "/v1/connectors",
        headers=ids["wsadmin"],
        json={"org_id": ids["org"], "workspace_id": ids["ws"], "name": "no spaces"},
    )
    assert bad.status_code == 400


def test_moderations_refuse_a_connector_not_enabled(world: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = world
    body = {"input": "hello", "warden": {"account_id": ids["user"], "context": {"request": {"connectors": ["drive"]}}}}
    refused = client.post("/v1/moderations", headers=ids["svc"], json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "connector_not_enabled"
    assert RULE in {v["rule_id"] for v in refused.json()["error"]["decision"]["violations"]}
    client.post(
        "/v1/connectors", headers=ids["admin"], json={"org_id": ids["org"], "workspace_id": ids["ws"], "name": "drive"}
    )
    assert client.post("/v1/moderations", headers=ids["svc"], json=body).status_code == 200
    # without an organization there is no allow-list: refused
    anon = client.post(
        "/v1/moderations", json={"input": "hello", "warden": {"context": {"request": {"connectors": ["drive"]}}}}
    )
    assert anon.status_code in (401, 403)


def test_cli_enables_disables_and_lists(world: tuple[TestClient, dict[str, Any]], db: Database) -> None:
    _, ids = world
    url = db.url
    runner = CliRunner()
    enabled = runner.invoke(
        cli, ["connectors", "enable", "jira", "--org", ids["org"], "--workspace", ids["ws"], "--database", url]
    )
    assert enabled.exit_code == 0, enabled.output
    listed = runner.invoke(
        cli, ["connectors", "list", "--org", ids["org"], "--workspace", ids["ws"], "--database", url]
    )
    assert '"jira"' in listed.output and '"enabled": true' in listed.output
    missing = runner.invoke(cli, ["connectors", "disable", "jira", "--org", "org_nope", "--database", url])
    assert missing.exit_code == 1
