"""The whole lifecycle over HTTP, against a real server and a real webhook receiver."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from warden.enforce.notices import SIGNATURE_HEADER, verify_signature
from warden.store import Database

LADDER = {
    "steps": [
        {"points": 2, "action": "warning"},
        {"points": 4, "action": "suspension", "days": 7},
        {"points": 10, "action": "termination"},
    ],
    "auto_action_min_score": 0.9,
}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def test_violation_to_reversed_suspension_with_signed_notices_and_verified_audit(
    http: httpx.Client, admin_key: str, receiver: Any, db: Database
) -> None:
    admin = _auth(admin_key)
    org = _ok(http.post("/v1/organizations", json={"name": "Acme"}, headers=admin), 201)
    _ok(http.put(f"/v1/organizations/{org['id']}/ladder", json=LADDER, headers=admin))
    rita = _auth(_ok(http.post("/v1/keys", json={"role": "reviewer", "subject": "rita"}, headers=admin), 201)["key"])
    rob = _auth(_ok(http.post("/v1/keys", json={"role": "reviewer", "subject": "rob"}, headers=admin), 201)["key"])
    operator = _auth(_ok(http.post("/v1/keys", json={"role": "operator_admin", "subject": "ops", "org_id": org["id"]},
                                   headers=admin), 201)["key"])
    service = _auth(_ok(http.post("/v1/keys", json={"role": "service", "subject": "acme-backend",
                                                    "org_id": org["id"]}, headers=operator), 201)["key"])
    sub = _ok(http.post("/v1/subscriptions", json={"target": receiver.url, "events": ["action.*", "appeal.*"]},
                        headers=operator), 201)
    user = _ok(http.post("/v1/accounts", json={"org_id": org["id"], "display_name": "Uma"}, headers=service), 201)

    # 1. A clear violation is enforced automatically: one strike, and a warning.
    first = _ok(http.post("/v1/submissions", headers=service, json={
        "org_id": org["id"], "account_id": user["id"], "content": "first hateful message",
        "signals": {"hate": 0.95}, "detector": "test-detector", "detector_version": "1"}), 201)
    assert first["outcome"] == "actioned"
    assert first["decision"]["violations"][0]["rule_id"] == "mini.hate"
    warning = _ok(http.get(f"/v1/actions/{first['enforcement']['actions'][0]}", headers=service))
    assert warning["kind"] == "warning" and warning["status"] == "active"
    assert _ok(http.get(f"/v1/accounts/{user['id']}/standing", headers=service))["strike_points"] == 2

    # 2. A repeat below the auto-action bar goes to review; the reviewer upholds it: suspension.
    second = _ok(http.post("/v1/submissions", headers=service, json={
        "org_id": org["id"], "account_id": user["id"], "content": "second hateful message",
        "signals": {"hate": 0.7}}), 201)
    assert second["outcome"] == "queued"
    case = _ok(http.post("/v1/cases/claim-next", json={}, headers=rita))
    assert case["id"] == second["enforcement"]["case_id"] and case["claimed_by"] == "rita"
    upheld = _ok(http.post(f"/v1/cases/{case['id']}/decision", headers=rita,
                           json={"outcome": "uphold", "reason": "hateful slur, repeat", "rule_ids": ["mini.hate"]}))
    suspension = _ok(http.get(f"/v1/actions/{upheld['actions'][0]}", headers=service))
    assert suspension["kind"] == "suspension" and suspension["decided_by"] == "rita"
    standing = _ok(http.get(f"/v1/accounts/{user['id']}/standing", headers=service))
    assert standing["status"] == "suspended" and standing["strike_points"] == 4

    # 3. The user appeals (through the operator's service); the idempotency key makes a retry harmless.
    appeal_body = {"action_id": suspension["id"], "account_id": user["id"], "statement": "It was a quote."}
    appeal = _ok(http.post("/v1/appeals", json=appeal_body, headers=service | {"Idempotency-Key": "ap-1"}), 201)
    again = http.post("/v1/appeals", json=appeal_body, headers=service | {"Idempotency-Key": "ap-1"})
    assert again.status_code == 201 and again.json()["id"] == appeal["id"]
    assert again.headers["Idempotent-Replayed"] == "true"

    # 4. The reviewer who decided cannot take the appeal; a second reviewer overturns.
    refused = http.post(f"/v1/cases/{appeal['case_id']}/claim", headers=rita)
    assert refused.status_code == 403 and refused.json()["error"]["type"] == "permission_error"
    _ok(http.post(f"/v1/cases/{appeal['case_id']}/claim", headers=rob))
    overturned = _ok(http.post(f"/v1/cases/{appeal['case_id']}/decision", headers=rob,
                               json={"outcome": "overturn", "reason": "quoted in a news context"}))
    assert overturned["reversed_actions"] == [suspension["id"]]

    # 5. The suspension and its strikes are gone; the first warning and its strike stand.
    assert _ok(http.get(f"/v1/actions/{suspension['id']}", headers=service))["status"] == "reversed"
    standing = _ok(http.get(f"/v1/accounts/{user['id']}/standing", headers=service))
    assert standing["status"] == "active" and standing["strike_points"] == 2
    strikes = _ok(http.get(f"/v1/accounts/{user['id']}/strikes", headers=service))["data"]
    assert [s["revoked_at"] is None for s in strikes] == [True, False]
    assert _ok(http.get(f"/v1/appeals/{appeal['id']}", headers=service))["status"] == "granted"

    # 6. Notices reach the operator's webhook, each with a valid HMAC signature.
    run = _ok(http.post("/v1/notices/deliver", headers=admin))
    assert run["failed"] == 0 and run["delivered"] >= 8
    events = receiver.events()
    for got in receiver.received:
        assert verify_signature(sub["secret"], got.headers[SIGNATURE_HEADER], got.body)
        assert not verify_signature("wrong-secret-wrong-secret", got.headers[SIGNATURE_HEADER], got.body)
    seen = {(e["event"], e["recipient_type"], e["data"].get("kind")) for e in events}
    for expected in [("action.taken", "account", "warning"), ("action.taken", "account", "suspension"),
                     ("action.taken", "operator", "suspension"), ("action.reversed", "account", "suspension")]:
        assert expected in seen
    decided = [e for e in events if e["event"] == "appeal.decided" and e["recipient_type"] == "account"]
    assert decided and decided[0]["data"]["outcome"] == "granted" and decided[0]["recipient_id"] == user["id"]
    assert {e["event"] for e in events} >= {"appeal.received"}
    assert _ok(http.post("/v1/notices/deliver", headers=admin))["delivered"] == 0  # nothing twice

    # 7. Statements of reasons for both actions, with the DSA fields.
    page = _ok(http.get("/v1/statements", headers=admin))
    by_action = {s["action_id"]: s for s in page["statements"]}
    assert set(by_action) == {warning["id"], suspension["id"]}
    sor = by_action[suspension["id"]]
    assert sor["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert sor["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert sor["category"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert sor["automated_decision"] == "AUTOMATED_DECISION_PARTIALLY"
    assert sor["end_date_account_restriction"] is not None
    assert by_action[warning["id"]]["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert "mini.hate" in sor["incompatible_content_ground"]

    # 8. The audit chain verifies, and stops verifying once any row is edited.
    report = _ok(http.get("/v1/audit/verify", headers=admin))
    assert report["ok"] and report["events"] > 20
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 5"))
    report = _ok(http.get("/v1/audit/verify", headers=admin))
    assert not report["ok"]
    assert any(p["seq"] == 5 for p in report["problems"])
