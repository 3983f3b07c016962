"""A case over HTTP: its view (reports, excerpt or sealed placeholder, account history, action choices)
and a decision with an action from the rules' allowed ladder (400 off it)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def test_case_view_and_a_decision_with_a_chosen_action(client: TestClient, admin_key: str) -> None:
    admin = _auth(admin_key)
    org = _ok(client.post("/v1/organizations", json={"name": "Acme"}, headers=admin), 201)
    rita = _auth(_ok(client.post("/v1/keys", json={"role": "reviewer", "subject": "rita"}, headers=admin), 201)["key"])
    service = _auth(_ok(client.post("/v1/keys", json={"role": "service", "subject": "svc", "org_id": org["id"]},
                                    headers=admin), 201)["key"])
    user = _ok(client.post("/v1/accounts", json={"org_id": org["id"]}, headers=service), 201)
    queued = _ok(client.post("/v1/submissions", headers=service, json={
        "org_id": org["id"], "account_id": user["id"], "content": "a borderline message", "signals": {"hate": 0.7}}),
        201)
    case_id = queued["enforcement"]["case_id"]
    _ok(client.post("/v1/reports", headers=service, json={
        "subject_type": "content", "subject_id": queued["content_id"], "reason": "slurs in the second line",
        "category": "hate", "reporter_contact": "r@example.org"}), 201)

    view = _ok(client.get(f"/v1/cases/{case_id}/view", headers=rita))
    assert view["view"]["content"]["excerpt"] == "a borderline message"
    assert view["view"]["account"]["id"] == user["id"] and view["view"]["account"]["standing"]["strike_points"] == 0
    assert view["choices"]["default"] == "warning" and "content_removal" in view["choices"]["allowed"]
    assert _ok(client.get("/v1/cases/case_nope/view", headers=rita), 404)["error"]

    _ok(client.post(f"/v1/cases/{case_id}/claim", headers=rita))
    refused = client.post(f"/v1/cases/{case_id}/decision", headers=rita, json={
        "outcome": "uphold", "reason": "hateful", "rule_ids": ["mini.hate"], "action": "monetization_ineligibility"})
    assert refused.status_code == 400 and "allowed ladder" in refused.text
    done = _ok(client.post(f"/v1/cases/{case_id}/decision", headers=rita, json={
        "outcome": "uphold", "reason": "hateful", "rule_ids": ["mini.hate"], "action": "content_removal"}))
    [action] = done["actions"]
    assert _ok(client.get(f"/v1/actions/{action}", headers=service))["kind"] == "content_removal"
    after = _ok(client.get(f"/v1/cases/{case_id}/view", headers=rita))["view"]
    assert after["content"]["removed"] is True and after["account"]["standing"]["strike_points"] == 2

    # sealed evidence: the view carries a hash and metadata, never the text
    sealed = _ok(client.post("/v1/submissions", headers=service, json={
        "org_id": org["id"], "account_id": user["id"], "content": "do not show this", "signals":
        {"sexual/minors": 0.99}}), 201)
    confirm = _ok(client.get(f"/v1/cases/{sealed['enforcement']['case_id']}/view", headers=rita))
    assert confirm["view"]["content"]["sealed"] is True and confirm["view"]["content"]["excerpt"] is None
    assert len(confirm["view"]["content"]["sha256"]) == 64 and "do not show this" not in str(confirm)
    assert confirm["choices"] is None  # a confirmation is upheld or overturned, not given an action
