"""Errors, idempotency, redaction, retries and the mandatory-report flow over the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from warden.enforce import keys, mandatory
from warden.enforce.principal import SYSTEM, Role
from warden.runtime import Runtime
from warden.settings import Settings
from warden.store import Database
from warden.store.tables import AuditEvent, Delivery, MandatoryReport


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _events(db: Database) -> int:
    with db.transaction() as s:
        return int(s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def _setup(client: TestClient, admin_key: str, db: Database) -> dict[str, Any]:
    org = client.post("/v1/organizations", json={"name": "Acme"}, headers=_h(admin_key)).json()
    with db.transaction() as s:
        svc = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject="svc", org_id=org["id"])).key
        rev = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.REVIEWER, subject="rev")).key
    user = client.post("/v1/accounts", json={"org_id": org["id"]}, headers=_h(svc)).json()
    return {"org": org["id"], "svc": _h(svc), "rev": _h(rev), "admin": _h(admin_key), "user": user["id"]}


def test_invalid_input_is_a_4xx_in_the_shared_shape_and_writes_nothing(
        client: TestClient, admin_key: str, db: Database) -> None:
    w = _setup(client, admin_key, db)
    before = _events(db)
    bad = [
        ("/v1/submissions", {"org_id": w["org"], "content": "", "signals": {}}),
        ("/v1/submissions", {"org_id": w["org"], "content": "x", "signals": {"hate": 7}}),
        ("/v1/submissions", {"org_id": w["org"], "content": "x", "account_id": "acct_missing"}),
        ("/v1/submissions", {"org_id": w["org"], "content": "x", "surface": "moon"}),
        ("/v1/reports", {"subject_type": "content", "subject_id": "cnt_x", "reason": "bad"}),
        ("/v1/appeals", {"action_id": "act_missing", "statement": "please"}),
        ("/v1/subscriptions", {"channel": "carrier-pigeon", "target": "x"}),
    ]
    for path, body in bad:
        resp = client.post(path, json=body, headers=w["svc"] if "subscriptions" not in path else w["admin"])
        assert 400 <= resp.status_code < 500, (path, resp.text)
        error = resp.json()["error"]
        assert error["message"] and error["type"] in {"invalid_request_error", "not_found_error"}
    resp = client.put(f"/v1/organizations/{w['org']}/ladder", headers=w["admin"],
                      json={"steps": [{"points": 3, "action": "suspension"}, {"points": 1, "action": "warning"}]})
    assert resp.status_code == 400 and "increasing" in resp.json()["error"]["message"]
    assert _events(db) == before


def test_idempotency_keys_replay_or_refuse(client: TestClient, admin_key: str, db: Database) -> None:
    w = _setup(client, admin_key, db)
    body = {"org_id": w["org"], "account_id": w["user"], "content": "hello", "signals": {"hate": 0.95}}
    first = client.post("/v1/submissions", json=body, headers=w["svc"] | {"Idempotency-Key": "k1"})
    events = _events(db)
    again = client.post("/v1/submissions", json=body, headers=w["svc"] | {"Idempotency-Key": "k1"})
    assert again.json() == first.json() and _events(db) == events  # replayed, nothing new
    other = client.post("/v1/submissions", json=body | {"content": "different"},
                        headers=w["svc"] | {"Idempotency-Key": "k1"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    fresh = client.post("/v1/submissions", json=body, headers=w["svc"] | {"Idempotency-Key": "k2"})
    assert fresh.json()["content_id"] != first.json()["content_id"]


def test_restricted_content_is_never_shown_and_cybertip_needs_a_person(
        client: TestClient, admin_key: str, db: Database, runtime: Runtime) -> None:
    w = _setup(client, admin_key, db)
    sub = client.post("/v1/submissions", headers=w["svc"], json={
        "org_id": w["org"], "account_id": w["user"], "content": "abhorrent", "signals": {"sexual/minors": 0.9}}).json()
    for who in ("svc", "rev", "admin"):
        shown = client.get(f"/v1/content/{sub['content_id']}", headers=w[who])
        assert shown.status_code in (200, 403)
        assert "abhorrent" not in shown.text
    drafts = client.get("/v1/mandatory-reports", headers=w["admin"]).json()["data"]
    assert [d["status"] for d in drafts] == ["draft"] and "abhorrent" not in str(drafts)
    assert client.post(f"/v1/mandatory-reports/{drafts[0]['id']}/confirm", headers=w["rev"]).status_code == 403

    calls: list[str] = []

    def ncmec(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        assert request.headers["authorization"].startswith("Basic ")
        if request.url.path.endswith("/upload"):
            assert b"abhorrent" in request.content  # the evidence goes to NCMEC and nowhere else
            return httpx.Response(200, text="<reportResponse><responseCode>0</responseCode>"
                                            "<reportId>4242</reportId><fileId>f-1</fileId></reportResponse>")
        if request.url.path.endswith("/fileinfo"):
            assert b"<reportId>4242</reportId>" in request.content and b"<fileId>f-1</fileId>" in request.content
        return httpx.Response(200, text="<reportResponse><responseCode>0</responseCode>"
                                        "<reportId>4242</reportId></reportResponse>")

    confirmed = client.post(f"/v1/mandatory-reports/{drafts[0]['id']}/confirm", headers=w["admin"]).json()
    assert confirmed["status"] == "confirmed" and confirmed["confirmed_by"] == "root"  # no endpoint configured
    settings = runtime.cybertip.model_copy(update={"endpoint": "https://ncmec.test/ispws", "username": "u",
                                                   "password": "p"})
    done = mandatory.submit(db, drafts[0]["id"], settings, transport=httpx.MockTransport(ncmec))
    assert done.status == "submitted" and done.external_id == "4242"
    assert calls == ["/ispws/submit", "/ispws/upload", "/ispws/fileinfo", "/ispws/finish"]
    with db.transaction() as s:
        assert s.get_one(MandatoryReport, drafts[0]["id"]).submitted_at is not None


def test_failed_webhooks_are_retried_with_backoff(client: TestClient, admin_key: str, db: Database,
                                                   receiver: Any) -> None:
    w = _setup(client, admin_key, db)
    sub = client.post("/v1/subscriptions", headers=w["admin"], json={
        "org_id": w["org"], "target": receiver.url, "events": ["action.taken"]}).json()
    client.post("/v1/submissions", headers=w["svc"], json={
        "org_id": w["org"], "account_id": w["user"], "content": "x", "signals": {"hate": 0.95}})
    receiver.fail_next = 2
    first = client.post("/v1/notices/deliver", headers=w["admin"]).json()
    assert first == {"delivered": 0, "retrying": 2, "failed": 0}
    assert client.post("/v1/notices/deliver", headers=w["admin"]).json()["delivered"] == 0  # not due yet
    with db.transaction() as s:
        rows = s.execute(select(Delivery).where(Delivery.subscription_id == sub["id"])).scalars().all()
        assert {r.attempts for r in rows} == {1} and all(r.last_error for r in rows)
        for r in rows:
            r.next_attempt_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    second = client.post("/v1/notices/deliver", headers=w["admin"]).json()
    assert second["delivered"] == 2 and len(receiver.received) == 2


def test_policy_updates_reach_subscribers(client: TestClient, admin_key: str, db: Database, receiver: Any) -> None:
    w = _setup(client, admin_key, db)
    client.post("/v1/subscriptions", headers=w["admin"], json={
        "org_id": w["org"], "target": receiver.url, "events": ["policy.updated"]})
    made_up = client.post("/v1/policy-updates", headers=w["admin"], json={
        "revision": "totally-made-up@1999", "summary": "New usage policies"})
    assert made_up.status_code == 400 and "no such policy revision" in made_up.json()["error"]["message"]
    resp = client.post("/v1/policy-updates", headers=w["admin"], json={  # the service's own pack
        "revision": "mini@2024-01-01", "summary": "New usage policies", "effective": "2024-01-01"})
    assert resp.status_code == 201
    client.post("/v1/notices/deliver", headers=w["admin"])
    got = receiver.events()
    assert [e["event"] for e in got] == ["policy.updated"] and got[0]["data"]["revision"].endswith("2024-01-01")


def test_text_without_signals_is_scored_by_the_service_detectors(client: TestClient, admin_key: str,
                                                                  db: Database) -> None:
    w = _setup(client, admin_key, db)
    benign = client.post("/v1/submissions", headers=w["svc"],
                         json={"org_id": w["org"], "account_id": w["user"], "content": "hello there"})
    assert benign.status_code == 201 and benign.json()["outcome"] == "allowed"
    hateful = client.post("/v1/submissions", headers=w["svc"],
                          json={"org_id": w["org"], "account_id": w["user"], "content": "a HATEFUL remark"})
    decision = hateful.json()["decision"]
    assert [v["rule_id"] for v in decision["violations"]] == ["mini.hate"]
    assert decision["detectors"] == ["keywords@test"] and decision["scores"] == {"hate": 0.9}
    # Signals given by the caller win: nothing is re-scored.
    given = client.post("/v1/submissions", headers=w["svc"],
                        json={"org_id": w["org"], "content": "a HATEFUL remark", "signals": {"hate": 0.1}})
    assert given.json()["outcome"] == "allowed"


def test_moderations_can_require_an_api_key(client: TestClient, admin_key: str, db: Database,
                                            runtime: Runtime) -> None:
    w = _setup(client, admin_key, db)
    body = {"input": "hello"}
    runtime.settings = Settings.from_env({"WARDEN_MODERATION_AUTH": "required"})
    missing = client.post("/v1/moderations", json=body)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_api_key"
    wrong = client.post("/v1/moderations", json=body, headers={"Authorization": "Bearer wdn_nope"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    reviewer = client.post("/v1/moderations", json=body, headers=w["rev"])  # reviewers do not submit content
    assert reviewer.status_code == 403 and reviewer.json()["error"]["type"] == "permission_error"
    ok = client.post("/v1/moderations", json=body, headers=w["svc"])
    assert ok.status_code == 200 and ok.json()["results"][0]["flagged"] is False


def test_accounts_suspended_by_their_administrator_cannot_submit(client: TestClient, admin_key: str,
                                                                 db: Database) -> None:
    w = _setup(client, admin_key, db)
    resp = client.post(f"/v1/accounts/{w['user']}/membership", headers=w["admin"],
                       json={"membership": "suspended", "reason": "on leave"})
    assert resp.status_code == 200
    before = _events(db)
    refused = client.post("/v1/submissions", headers=w["svc"],
                          json={"org_id": w["org"], "account_id": w["user"], "content": "hello"})
    assert refused.status_code == 409 and refused.json()["error"]["param"] == "account_id"
    assert "suspended" in refused.json()["error"]["message"] and _events(db) == before
