"""The console's shell, without a browser: every page declares its permission, sessions are signed and
end with their key, and pages answer with the API's checks (tenant 404, role 403)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from warden.api.app import create_app
from warden.console.session import COOKIE, Signer
from warden.console.web import _Allowed, visitor
from warden.detect.pipeline import DetectorSet
from warden.detect.protocol import DetectorError
from warden.detect.testing import KeywordDetector
from warden.enforce import directory, keys
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM, Role
from warden.policy.layering import EffectivePolicy
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.store import Database

OPEN = {"/login", "/logout", "/"}  # the login form and its post; logout needs a session (and its CSRF token)


@pytest.fixture
def app(db: Database, mini_policy: EffectivePolicy) -> Any:
    rt = Runtime(db=db, policies=PolicyProvider.fixed(mini_policy), detectors=DetectorSet([KeywordDetector({})]),
                 cybertip=CyberTipSettings(endpoint=None, reporter=ReporterInfo(
                     first_name="T", last_name="R", email="t@example.invalid")))
    return create_app(rt)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _console(app: Any) -> Any:
    return next(r.app for r in app.routes if getattr(r, "path", None) == "/console")


def _calls(dependant: Any) -> list[Any]:
    found = []
    for dep in dependant.dependencies:
        found.append(dep.call)
        found += _calls(dep)
    return found


def _routes(routes: Any) -> list[APIRoute]:
    found: list[APIRoute] = []
    for r in routes:
        if isinstance(r, APIRoute):
            found.append(r)
        elif hasattr(r, "original_router"):  # an included router
            found += _routes(r.original_router.routes)
    return found


def test_every_console_page_declares_its_permission(app: Any) -> None:
    routes = _routes(_console(app).routes)
    assert len(routes) > 20
    undeclared = [r.path for r in routes if r.path not in OPEN
                  and not any(isinstance(c, _Allowed) for c in _calls(r.dependant))]
    assert undeclared == []
    logout = next(r for r in routes if r.path == "/logout")
    assert visitor in _calls(logout.dependant)


def _login(client: TestClient, key: str) -> None:
    resp = client.post("/console/login", data={"api_key": key, "next": "/console/queue"}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/console/queue"
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie


def test_sessions_are_signed_and_end_with_their_key(client: TestClient, db: Database) -> None:
    with db.transaction() as s:
        issued = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.REVIEWER, subject="rita"))
    assert client.post("/console/login", data={"api_key": "wdn_nope_nope"}).status_code == 401
    _login(client, issued.key)
    assert client.get("/console/queue").status_code == 200
    value = client.cookies.get(COOKIE)
    assert value is not None
    decoded = base64.urlsafe_b64decode(value.rpartition(".")[0] + "==").decode()
    assert issued.id in decoded and issued.key.split("_", 2)[2] not in decoded  # the key's id, never its secret
    assert Signer("another secret").read(value) is None  # signed with the service's secret
    body, _, mac = value.rpartition(".")
    client.cookies.clear()
    client.cookies.set(COOKIE, body + "." + mac[::-1])  # tampered: not signed by the service
    assert client.get("/console/queue", follow_redirects=False).headers["location"].startswith("/console/login")
    client.cookies.clear()
    client.cookies.set(COOKIE, value)
    assert client.get("/console/queue").status_code == 200
    with db.transaction() as s:
        keys.revoke(s, SYSTEM, issued.id)
    resp = client.get("/console/queue", follow_redirects=False)
    assert resp.status_code == 303 and "/console/login" in resp.headers["location"]


def test_pages_answer_with_the_apis_checks(client: TestClient, db: Database) -> None:
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme")).id
        other = directory.create_org(s, SYSTEM, directory.OrgIn(name="Beta")).id
        operator = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.OPERATOR_ADMIN, subject="op", org_id=org)).key
        svc = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject="svc", org_id=other)).key
    user = client.post("/v1/accounts", json={"org_id": other}, headers={"Authorization": f"Bearer {svc}"}).json()
    queued = client.post("/v1/submissions", headers={"Authorization": f"Bearer {svc}"}, json={
        "org_id": other, "account_id": user["id"], "content": "y", "signals": {"hate": 0.6}}).json()
    case = queued["enforcement"]["case_id"]
    _login(client, operator)
    page = client.get("/console/queue")
    assert page.status_code == 200 and case not in page.text and "Claim the next case" not in page.text
    assert client.get(f"/console/cases/{case}").status_code == 404
    assert client.get(f"/console/accounts/{user['id']}").status_code == 404
    assert client.get("/console/mandatory").status_code == 403  # operators do not handle mandatory reports
    assert client.get("/console/appeals").status_code == 403  # nor review
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    claim = client.post(f"/console/cases/{case}/claim", data={"csrf": csrf.group(1)})
    assert claim.status_code == 403  # the role check runs before anything is looked up
    assert client.post("/console/logout", data={}).status_code == 403  # no token, no logout
    assert client.post("/console/logout", data={"csrf": csrf.group(1)}, follow_redirects=False).status_code == 303


def test_bad_forms_and_unknown_pages_are_pages_not_json(client: TestClient, db: Database) -> None:
    with db.transaction() as s:
        reviewer = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.REVIEWER, subject="rita")).key
    _login(client, reviewer)
    page = client.get("/console/queue")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    incomplete = client.post("/console/cases/case_missing/decision", data={"csrf": csrf.group(1), "outcome": "uphold"})
    assert incomplete.status_code == 400 and "reason" in incomplete.text and incomplete.headers[
        "content-type"].startswith("text/html")
    unknown = client.get("/console/nowhere")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")
    missing = client.post("/console/cases/case_missing/decision",
                          data={"csrf": csrf.group(1), "outcome": "uphold", "reason": "looks bad"})
    assert missing.status_code == 404 and "no such case" in missing.text


class _Down(KeywordDetector):
    """A detector whose backend is unreachable."""

    def signals_for(self, text: str) -> list[Any]:
        raise DetectorError("the remote moderation endpoint did not answer")


def test_a_case_page_without_evidence_spans_when_a_detector_is_down(db: Database, mini_policy: EffectivePolicy) -> None:
    rt = Runtime(db=db, policies=PolicyProvider.fixed(mini_policy), detectors=DetectorSet([_Down({})]),
                 cybertip=CyberTipSettings(endpoint=None, reporter=ReporterInfo(
                     first_name="T", last_name="R", email="t@example.invalid")))
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme")).id
        svc = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject="svc", org_id=org)).key
        reviewer = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.REVIEWER, subject="rita")).key
    with TestClient(create_app(rt)) as client:
        queued = client.post("/v1/submissions", headers={"Authorization": f"Bearer {svc}"}, json={
            "org_id": org, "content": "a borderline remark", "signals": {"hate": 0.6}}).json()
        _login(client, reviewer)
        page = client.get(f"/console/cases/{queued['enforcement']['case_id']}")
        assert page.status_code == 200
        assert "a borderline remark" in page.text and "Evidence spans unavailable" in page.text
