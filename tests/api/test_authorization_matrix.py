"""No role reaches beyond its tenant: every role, against its own and another organization."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from warden.api.auth import PUBLIC, Requirement
from warden.enforce import directory, keys
from warden.enforce.principal import GRANTS, SYSTEM, Permission, Role
from warden.enforce.principal import TENANT_ROLES as TENANT_ROLES_BOUND
from warden.store import Database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


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
    ("GET", "/v1/cases/{case}/view", None),
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
    assert len(table) >= 46  # every route but /v1/moderations (open unless configured) and the public ones
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


# --- tenant and workspace scope, generated from the route table ---------------------------------------
#
# Every route of the app needs a sample request here (the test fails naming any route without one, so a
# new route is covered as soon as it exists). Placeholders name records of the *other* tenant or workspace;
# path parameters are filled by name through PATH_PARAMS. A request that names another scope's record must
# be refused (403/404, or 400 for a body the scope cannot use) and change nothing; every answer, listings
# included, must not mention any of that scope's records.

APP_SUBMISSION = json.loads((FIXTURES / "review" / "apps" / "gpt-card-checkout.json").read_text())

SAMPLES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("POST", "/v1/moderations"): {"input": "hello"},
    ("POST", "/v1/organizations"): {"name": "another"},
    ("GET", "/v1/organizations"): None,
    ("GET", "/v1/organizations/{org_id}"): None,
    ("PUT", "/v1/organizations/{org_id}/ladder"): {"steps": [{"points": 1, "action": "warning"}]},
    ("POST", "/v1/workspaces"): {"org_id": "{org}", "name": "intruder"},
    ("POST", "/v1/accounts"): {"org_id": "{org}", "workspace_id": "{ws}"},
    ("GET", "/v1/accounts"): None,
    ("POST", "/v1/accounts/{account_id}/membership"): {"membership": "suspended", "reason": "not yours"},
    ("GET", "/v1/accounts/{account_id}"): None,
    ("POST", "/v1/apps"): {"org_id": "{org}", "name": "intruder", "owner_account_id": "{user}"},
    ("POST", "/v1/keys"): {"role": "service", "subject": "intruder", "org_id": "{org}", "workspace_id": "{ws}"},
    ("DELETE", "/v1/keys/{key_id}"): None,
    ("POST", "/v1/submissions"): {"org_id": "{org}", "account_id": "{user}", "content": "z", "signals": {}},
    ("GET", "/v1/content/{content_id}"): None,
    ("GET", "/v1/decisions/{decision_id}"): None,
    ("GET", "/v1/actions"): None,
    ("GET", "/v1/actions/{action_id}"): None,
    ("GET", "/v1/accounts/{account_id}/standing"): None,
    ("GET", "/v1/accounts/{account_id}/strikes"): None,
    ("GET", "/v1/cases"): None,
    ("GET", "/v1/cases/{case_id}"): None,
    ("GET", "/v1/cases/{case_id}/view"): None,
    ("POST", "/v1/cases/{case_id}/claim"): None,
    ("POST", "/v1/cases/claim-next"): {},
    ("POST", "/v1/cases/{case_id}/release"): None,
    ("POST", "/v1/cases/{case_id}/decision"): {"outcome": "uphold", "reason": "not yours"},
    ("POST", "/v1/cases"): {"content_id": "{content}", "reason": "look again"},
    ("POST", "/v1/reports"): {"subject_type": "content", "subject_id": "{content}", "reason": "bad stuff",
                              "reporter_contact": "r@example.org"},
    ("POST", "/v1/appeals"): {"action_id": "{action}", "statement": "please"},
    ("GET", "/v1/appeals/{appeal_id}"): None,
    ("POST", "/v1/subscriptions"): {"org_id": "{org}", "channel": "log", "target": "intruder"},
    ("POST", "/v1/notices/deliver"): None,
    ("GET", "/v1/notices"): None,
    ("POST", "/v1/policy-updates"): {"revision": "openai-usage@2025-01-29", "summary": "s"},
    ("GET", "/v1/statements"): None,
    ("GET", "/v1/mandatory-reports"): None,
    ("POST", "/v1/mandatory-reports/{report_id}/confirm"): None,
    ("GET", "/v1/audit"): None,
    ("GET", "/v1/audit/verify"): None,
    ("POST", "/v1/reviews"): {"submission": APP_SUBMISSION, "org_id": "{org}", "app_id": "{app}", "record": True},
    ("GET", "/healthz"): None,
    ("POST", "/v1/overlays"): {"org_id": "{org}", "workspace_id": "{ws}", "text": "overlay: {{id: intruder, title: t, "
                                                                               "layer: workspace}}\n"},
    ("GET", "/v1/overlays"): None,
    ("POST", "/v1/exemptions"): {"org_id": "{org}", "account_id": "{user}", "kind": "red-team", "reason": "drill",
                                 "expires_at": "2999-01-01T00:00:00Z"},
    ("GET", "/v1/exemptions"): None,
    ("DELETE", "/v1/exemptions/{exemption_id}"): None,
    ("GET", "/v1/overlays/{overlay_id}"): None,
    ("POST", "/v1/overlays/{overlay_id}/activate"): None,
    ("POST", "/v1/overlays/rollback"): {"org_id": "{org}", "workspace_id": "{ws}"},
    ("GET", "/v1/overlays/{overlay_id}/diff"): None,
    ("GET", "/v1/overlays/{overlay_id}/impact"): None,
    ("POST", "/v1/connectors"): {"org_id": "{org}", "workspace_id": "{ws}", "name": "github"},
    ("POST", "/v1/connectors/disable"): {"org_id": "{org}", "workspace_id": "{ws}", "name": "github"},
    ("GET", "/v1/connectors"): None,
    ("GET", "/metrics"): None,
    ("GET", "/docs"): None,
    ("GET", "/docs/oauth2-redirect"): None,
    ("GET", "/redoc"): None,
    # the gateway's `user` is the operator's own opaque end-user id, resolved inside the caller's scope
    ("POST", "/v1/chat/completions"): {"model": "m", "messages": [{"role": "user", "content": "hello"}]},
    ("POST", "/v1/responses"): {"model": "m", "input": "hello"},
    ("POST", "/v1/gateway/screen"): {"stage": "input", "messages": [{"role": "user", "content": "hello"}]},
}
# path parameter -> the record of the scope it names
PATH_PARAMS = {"org_id": "org", "account_id": "user", "content_id": "content", "decision_id": "decision",
               "action_id": "action", "case_id": "case", "appeal_id": "appeal", "key_id": "key",
               "report_id": "mandatory", "overlay_id": "overlay",
               "exemption_id": "exemption"}
# records whose id must never appear in an answer to another scope's key
RECORDS = ("user", "app", "content", "decision", "action", "case", "appeal", "key", "mandatory", "report",
           "queued_content", "hard_content", "overlay", "exemption")


def _cell(client: TestClient, db: Database, admin: dict[str, str], org: str, ws: str, tag: str) -> dict[str, Any]:
    """One workspace's records (a user, an app, an actioned and a queued submission, an appeal, a report,
    a CSAM hard limit with its mandatory report) and keys of every tenant role bound to it."""
    from warden.store.tables import MandatoryReport

    with db.transaction() as s:
        bound = {role: keys.issue(s, SYSTEM, keys.KeyIn(role=Role(role), subject=f"{tag}-{role}", org_id=org,
                                                        workspace_id=ws))
                 for role in ("operator_admin", "service", "reviewer")}
    svc = _h(bound["service"].key)
    user = client.post("/v1/accounts", json={"org_id": org, "workspace_id": ws}, headers=admin).json()
    app = client.post("/v1/apps", json={"org_id": org, "name": f"app-{tag}", "owner_account_id": user["id"]},
                      headers=admin).json()
    acted = client.post("/v1/submissions", headers=svc, json={
        "org_id": org, "account_id": user["id"], "content": f"acted {tag}", "signals": {"hate": 0.99}}).json()
    queued = client.post("/v1/submissions", headers=svc, json={
        "org_id": org, "account_id": user["id"], "content": f"queued {tag}", "signals": {"hate": 0.6}}).json()
    hard = client.post("/v1/submissions", headers=admin, json={
        "org_id": org, "account_id": user["id"], "content": f"hard {tag}", "signals": {"sexual/minors": 0.99}}).json()
    action = acted["enforcement"]["actions"][0]
    appeal = client.post("/v1/appeals", json={"action_id": action, "statement": "it was a quote"}, headers=svc)
    assert appeal.status_code == 201, appeal.text
    report = client.post("/v1/reports", headers=svc, json={"subject_type": "content", "subject_id":
                                                           queued["content_id"], "reason": "hateful",
                                                           "reporter_contact": "r@example.org"}).json()
    with db.transaction() as s:
        mandatory = s.query(MandatoryReport).filter_by(content_id=hard["content_id"]).one().id
    overlay = client.post("/v1/overlays", headers=admin, json={
        "org_id": org, "workspace_id": ws,
        "text": f"overlay: {{id: ws-{tag}, title: t, layer: workspace}}\nadjust:\n  - {{rule: mini.hate, min_score: 0.4}}\n"})
    assert overlay.status_code == 201, overlay.text
    exemption = client.post("/v1/exemptions", headers=admin, json={
        "org_id": org, "account_id": user["id"], "kind": "red-team", "reason": "authorised drill",
        "expires_at": "2999-01-01T00:00:00Z"})
    assert exemption.status_code == 201, exemption.text
    return {"overlay": overlay.json()["id"], "exemption": exemption.json()["id"], "org": org, "ws": ws, "user": user["id"], "app": app["id"], "content": acted["content_id"],
            "decision": acted["decision"]["id"], "action": action, "case": queued["enforcement"]["case_id"],
            "appeal": appeal.json()["id"], "report": report["report_id"], "key": bound["service"].id,
            "mandatory": mandatory, "queued_content": queued["content_id"], "hard_content": hard["content_id"],
            "keys": {role: _h(k.key) for role, k in bound.items()}}


@pytest.fixture
def world(client: TestClient, admin_key: str, db: Database) -> dict[str, Any]:
    """Organization a with workspaces a1 and a2, organization b with b1; org-bound keys for a."""
    admin = _h(admin_key)
    out: dict[str, Any] = {"admin": admin}
    orgs = {n: client.post("/v1/organizations", json={"name": n}, headers=admin).json()["id"] for n in "ab"}
    for tag, org in (("a1", orgs["a"]), ("a2", orgs["a"]), ("b1", orgs["b"])):
        ws = client.post("/v1/workspaces", json={"org_id": org, "name": tag}, headers=admin).json()["id"]
        out[tag] = _cell(client, db, admin, org, ws, tag)
    with db.transaction() as s:
        out["a_org_keys"] = {role: _h(keys.issue(s, SYSTEM, keys.KeyIn(role=Role(role), subject=f"a-{role}",
                                                                       org_id=orgs["a"])).key)
                             for role in ("operator_admin", "service", "reviewer")}
    return out


def _sample(method: str, path: str, other: dict[str, Any]) -> tuple[str, Any, bool]:
    """The URL and body aimed at `other`'s records, and whether they name any of them."""
    body = SAMPLES[(method, path)]
    names = re.findall(r"\{([^}]+)\}", path)
    unknown = [n for n in names if n not in PATH_PARAMS]
    assert not unknown, f"{method} {path}: add its path parameters {unknown} to PATH_PARAMS"
    url = path
    for name in names:
        url = url.replace("{" + name + "}", other[PATH_PARAMS[name]])
    filled = _fill(body, other)
    return url, filled, bool(names) or filled != body


def _leaks(text: str, other: dict[str, Any], asked: str) -> list[str]:
    """Records of the other scope the answer mentions, beyond those the request itself named (a 404 may
    repeat the id it was asked for)."""
    return [name for name in RECORDS if other[name] in text and other[name] not in asked]


def _sweep(client: TestClient, app: Any, headers: dict[str, str], other: dict[str, Any],
           shared_org: bool) -> list[tuple[str, str, int, str]]:
    missing = sorted({(m, r.path) for r in _routes(app) for m in r.methods} - set(SAMPLES))
    assert not missing, f"routes without a sample request in SAMPLES: {missing}"
    wrong = []
    for route in _routes(app):
        for method in sorted(route.methods):
            url, body, aimed = _sample(method, route.path, other)
            if shared_org and re.fullmatch(r"/v1/organizations/\{org_id\}(/ladder)?", route.path):
                continue  # the organization itself is shared by its workspaces
            resp = client.request(method, url, json=body, headers=headers)
            leaked = _leaks(resp.text, other, url + json.dumps(body))
            if leaked:
                wrong.append((method, route.path, resp.status_code, f"mentions {leaked}"))
            elif aimed and resp.status_code < 400 and (method, route.path) != ("POST", "/v1/cases/claim-next"):
                wrong.append((method, route.path, resp.status_code, "accepted another scope's record"))
            elif resp.status_code >= 500 and resp.status_code not in (502, 503):  # an upstream that is not there
                wrong.append((method, route.path, resp.status_code, resp.text[:200]))
    return wrong


def _untouched(client: TestClient, admin: dict[str, str], other: dict[str, Any]) -> None:
    """Nothing of the other scope changed: its case still open, its user active, its key alive."""
    assert client.get(f"/v1/cases/{other['case']}", headers=admin).json()["status"] == "open"
    assert client.get(f"/v1/accounts/{other['user']}", headers=admin).json()["membership"] == "active"
    assert client.get("/v1/actions", headers=other["keys"]["service"]).status_code == 200


@pytest.mark.parametrize("role", ["operator_admin", "service", "reviewer"])
def test_workspace_keys_reach_nothing_of_another_workspace(client: TestClient, app: Any, world: dict[str, Any],
                                                           role: str) -> None:
    """Generated from the route table: a key bound to workspace a1 against every route, aimed at a2's records."""
    wrong = _sweep(client, app, world["a1"]["keys"][role], world["a2"], shared_org=True)
    assert wrong == []
    _untouched(client, world["admin"], world["a2"])


@pytest.mark.parametrize("role", ["operator_admin", "service", "reviewer"])
def test_org_and_workspace_keys_reach_nothing_of_another_organization(
        client: TestClient, app: Any, world: dict[str, Any], role: str) -> None:
    """Generated from the route table: org-bound and workspace-bound keys of a, aimed at b's records."""
    for headers in (world["a_org_keys"][role], world["a1"]["keys"][role]):
        assert _sweep(client, app, headers, world["b1"], shared_org=False) == []
    _untouched(client, world["admin"], world["b1"])


@pytest.mark.parametrize("role", ["operator_admin", "service", "reviewer"])
def test_workspace_keys_read_their_own_workspace(client: TestClient, world: dict[str, Any], role: str) -> None:
    own = world["a1"]
    headers = own["keys"][role]
    for method, path, _ in READS:
        url = _fill(re.sub(r"\{(\w+)\}", lambda m: "{" + m.group(1) + "}", path), own)
        assert client.request(method, url, headers=headers).status_code == 200, (role, path)
    listed = client.get("/v1/actions", headers=headers).json()["data"]
    assert own["action"] in {a["id"] for a in listed}
