"""No role reaches beyond its tenant: every role, against its own and another organization."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from warden.api.auth import PUBLIC, Requirement
from warden.enforce import directory, keys
from warden.enforce.principal import GRANTS, SYSTEM, Permission, Role
from warden.enforce.principal import TENANT_ROLES as TENANT_ROLES_BOUND
from warden.store import Database


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def tenants(client: TestClient, admin_key: str, db: Database) -> dict[str, Any]:
    """Two organizations, each with a workspace, a user, an actioned submission and keys for every role."""
    admin = _h(admin_key)
    out: dict[str, Any] = {"admin": admin}
    with db.transaction() as s:
        out["reviewer"] = _h(keys.issue(s, SYSTEM, keys.KeyIn(role=Role.REVIEWER, subject="rev")).key)
    for name in ("a", "b"):
        org = client.post("/v1/organizations", json={"name": name}, headers=admin).json()
        ws = client.post("/v1/workspaces", json={"org_id": org["id"], "name": "main"}, headers=admin).json()
        with db.transaction() as s:
            op = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.OPERATOR_ADMIN, subject=f"op-{name}",
                                                  org_id=org["id"])).key
            svc = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject=f"svc-{name}", org_id=org["id"])).key
            wsadmin = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.OPERATOR_ADMIN, subject=f"ws-{name}",
                                                       org_id=org["id"], workspace_id=ws["id"])).key
            org_reviewer = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.REVIEWER, subject=f"rev-{name}",
                                                            org_id=org["id"])).key
        user = client.post("/v1/accounts", json={"org_id": org["id"], "workspace_id": ws["id"]},
                           headers=_h(op)).json()
        sub = client.post("/v1/submissions", headers=_h(svc), json={
            "org_id": org["id"], "account_id": user["id"], "content": "x", "signals": {"hate": 0.99}}).json()
        queued = client.post("/v1/submissions", headers=_h(svc), json={
            "org_id": org["id"], "account_id": user["id"], "content": "y", "signals": {"hate": 0.6}}).json()
        out[name] = {"org": org["id"], "ws": ws["id"], "user": user["id"], "content": sub["content_id"],
                     "action": sub["enforcement"]["actions"][0], "case": queued["enforcement"]["case_id"],
                     "decision": sub["decision"]["id"], "operator": _h(op), "service": _h(svc),
                     "wsadmin": _h(wsadmin), "org_reviewer": _h(org_reviewer)}
    return out


# Reads of one tenant's records: (method, path template, json body or None)
READS = [
    ("GET", "/v1/organizations/{org}", None),
    ("GET", "/v1/accounts/{user}", None),
    ("GET", "/v1/accounts/{user}/standing", None),
    ("GET", "/v1/accounts/{user}/strikes", None),
    ("GET", "/v1/content/{content}", None),
    ("GET", "/v1/decisions/{decision}", None),
    ("GET", "/v1/actions/{action}", None),
    ("GET", "/v1/cases/{case}", None),
]
# Writes aimed at one tenant's records
WRITES = [
    ("POST", "/v1/submissions", {"org_id": "{org}", "content": "z", "signals": {}}),
    ("POST", "/v1/accounts", {"org_id": "{org}"}),
    ("POST", "/v1/reports", {"subject_type": "content", "subject_id": "{content}", "reason": "bad stuff",
                             "reporter_contact": "r@example.org"}),
    ("POST", "/v1/appeals", {"action_id": "{action}", "statement": "please"}),
    ("POST", "/v1/cases/{case}/claim", None),
    ("POST", "/v1/accounts/{user}/membership", {"membership": "suspended", "reason": "left the company"}),
    ("POST", "/v1/keys", {"role": "service", "subject": "intruder", "org_id": "{org}"}),
]


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**{k: v for k, v in ids.items() if isinstance(v, str)})
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


TENANT_ROLES = ["operator", "service", "wsadmin", "org_reviewer"]


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_tenant_keys_never_reach_another_organization(client: TestClient, tenants: dict[str, Any], role: str) -> None:
    own, other = tenants["a"], tenants["b"]
    for method, path, body in READS + WRITES:
        resp = client.request(method, _fill(path, other), json=_fill(body, other), headers=own[role])
        assert resp.status_code in (403, 404), (role, method, path, resp.status_code, resp.text)
        assert set(resp.json()["error"]) == {"message", "type", "param", "code"}
    for path in ["/v1/actions", "/v1/cases", "/v1/notices", "/v1/statements", "/v1/audit", "/v1/accounts",
                 "/v1/organizations"]:
        resp = client.get(path, headers=own[role])
        if resp.status_code == 200:
            body = resp.json()
            rows = body.get("data", body.get("statements", []))
            assert all(r.get("org_id") in (None, own["org"]) for r in rows), (role, path)
            assert other["org"] not in resp.text, (role, path)
        else:
            assert resp.status_code == 403, (role, path, resp.text)
        resp = client.get(path, params={"org_id": other["org"]}, headers=own[role])
        assert resp.status_code in (403, 404) or other["org"] not in resp.text, (role, path)


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_tenant_keys_read_their_own_organization(client: TestClient, tenants: dict[str, Any], role: str) -> None:
    own = tenants["a"]
    for method, path, body in READS:
        resp = client.request(method, _fill(path, own), json=body, headers=own[role])
        assert resp.status_code == 200, (role, path, resp.text)


def test_workspace_admins_manage_only_their_workspace(client: TestClient, tenants: dict[str, Any]) -> None:
    a = tenants["a"]
    other_ws = client.post("/v1/workspaces", json={"org_id": a["org"], "name": "second"},
                           headers=tenants["admin"]).json()
    outsider = client.post("/v1/accounts", json={"org_id": a["org"], "workspace_id": other_ws["id"]},
                           headers=a["operator"]).json()
    resp = client.post(f"/v1/accounts/{outsider['id']}/membership", headers=a["wsadmin"],
                       json={"membership": "removed", "reason": "not yours"})
    assert resp.status_code in (400, 404)
    added = client.post("/v1/accounts", json={"org_id": a["org"]}, headers=a["wsadmin"]).json()
    assert added["workspace_id"] == a["ws"]
    for membership in ("suspended", "active", "removed"):
        resp = client.post(f"/v1/accounts/{added['id']}/membership", headers=a["wsadmin"],
                           json={"membership": membership, "reason": "admin action"})
        assert resp.status_code == 200 and resp.json()["membership"] == membership
    logs = client.get("/v1/audit", headers=a["wsadmin"]).json()["data"]
    assert logs and all(e["workspace_id"] == a["ws"] for e in logs)
    assert {"account.membership_suspended", "account.membership_removed"} <= {e["action"] for e in logs}


def test_roles_only_do_what_they_are_granted(client: TestClient, tenants: dict[str, Any]) -> None:
    a = tenants["a"]
    checks = [
        (a["service"], "POST", f"/v1/cases/{a['case']}/claim", None),  # services do not review
        (a["operator"], "POST", f"/v1/cases/{a['case']}/claim", None),
        (tenants["reviewer"], "POST", "/v1/submissions", {"org_id": a["org"], "content": "z"}),
        (a["operator"], "POST", "/v1/organizations", {"name": "mine"}),
        (a["operator"], "POST", "/v1/keys", {"role": "platform_admin", "subject": "me"}),
        (a["operator"], "POST", "/v1/keys", {"role": "reviewer", "subject": "me", "org_id": a["org"]}),
        (a["operator"], "GET", "/v1/audit/verify", None),
        (a["operator"], "GET", "/v1/mandatory-reports", None),
        (tenants["reviewer"], "POST", "/v1/notices/deliver", None),
        (a["operator"], "PUT", f"/v1/organizations/{a['org']}/ladder", {"steps": [{"points": 1,
                                                                                   "action": "warning"}]}),
    ]
    for headers, method, path, body in checks:
        resp = client.request(method, path, json=body, headers=headers)
        assert resp.status_code in (400, 403), (method, path, resp.status_code, resp.text)
    assert client.get("/v1/actions").status_code == 401
    assert client.get("/v1/actions", headers=_h("wdn_nope_nope")).json()["error"]["code"] == "invalid_api_key"


# --- generated from the route table ------------------------------------------------------------------

def _declarations(dependant: Any) -> list[Any]:
    found = []
    for dep in dependant.dependencies:
        if isinstance(dep.call, Requirement) or dep.call is PUBLIC:
            found.append(dep.call)
        found += _declarations(dep)
    return found


def _routes(app: Any) -> list[APIRoute]:
    def walk(routes: Any) -> list[APIRoute]:
        found: list[APIRoute] = []
        for r in routes:
            if isinstance(r, APIRoute):
                found.append(r)
            elif hasattr(r, "original_router"):  # an included router (FastAPI keeps it as one node)
                found += walk(r.original_router.routes)
        return found

    routes = walk(app.routes)
    assert len(routes) > 40
    return routes


def test_every_route_declares_its_permission(app: Any) -> None:
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in _routes(app) if not _declarations(r.dependant)]
    assert undeclared == []
    twice = [r.path for r in _routes(app) if len(_declarations(r.dependant)) > 1]
    assert twice == []


def _required(app: Any) -> list[tuple[str, str, Permission]]:
    out = []
    for r in _routes(app):
        for decl in _declarations(r.dependant):
            if isinstance(decl, Requirement) and decl.when is None:
                for method in sorted(r.methods):
                    out.append((method, r.path, decl.permission))
    return out


@pytest.fixture
def role_keys(db: Database) -> dict[Role, dict[str, str]]:
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="matrix"))
        issued = {}
        for role in Role:
            org_id = org.id if role in TENANT_ROLES_BOUND else None
            issued[role] = _h(keys.issue(s, SYSTEM, keys.KeyIn(role=role, subject=f"m-{role.value}",
                                                               org_id=org_id)).key)
    return issued


def test_the_matrix_from_the_route_table(client: TestClient, app: Any, role_keys: dict[Role, dict[str, str]]) -> None:
    """Every declared route, every role: a role without the permission gets exactly 403 whatever it sends
    (the check runs before the body is read); a role with it is never refused for its role."""
    table = _required(app)
    assert len(table) == 39  # every route but /v1/moderations (open unless configured) and /healthz
    wrong = []
    for method, path, permission in table:
        url = re.sub(r"\{[^}]+\}", "missing", path)
        for role, headers in role_keys.items():
            status = client.request(method, url, headers=headers).status_code
            granted = role in GRANTS[permission]
            if (not granted and status != 403) or (granted and status in (401, 403)):
                wrong.append((method, path, role.value, permission.value, status))
    assert wrong == []
    for method, path, _ in table:  # and nobody without a key gets anywhere
        assert client.request(method, re.sub(r"\{[^}]+\}", "missing", path)).status_code == 401, path
