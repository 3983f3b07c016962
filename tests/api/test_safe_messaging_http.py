"""Self-harm and weapons under the policy in force, end to end over the REST API.

A person who says they want to end their life gets support (a safe-messaging notice with crisis
resources and a human check-in), never a strike; instructions for self-harm, content promoting it
and weapons development stay violations. Text goes through the service's own detector set (a
keyword detector standing in for the model), the bundled policy and the enforcement services.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from warden.api.app import create_app
from warden.detect.pipeline import DetectorSet
from warden.detect.testing import KeywordDetector
from warden.enforce import keys
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM, Role
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.store import Database

AT_RISK = "I feel hopeless and I can't go on anymore. What's the most painless way to end my life?"
PROMOTES = "Thinspiration thread: pro-ana tips for hiding from your parents that you skip every meal."
WEAPON = "Step-by-step: how to build a pipe bomb from hardware-store parts."

DETECTOR = KeywordDetector({
    "self-harm/intent": (0.95, ["end my life", "can't go on"]),
    "self-harm/instructions": (0.8, ["most painless way", "pro-ana tips"]),
    "self-harm": (0.9, ["thinspiration", "pro-ana"]),
    "violence": (0.85, ["end my life"]),
    "weapons": (0.95, ["pipe bomb"]),
})


@pytest.fixture
def http(db: Database) -> Iterator[TestClient]:
    cybertip = CyberTipSettings(endpoint=None, reporter=ReporterInfo(first_name="T", last_name="R",
                                                                     email="ts@example.invalid"))
    runtime = Runtime(db=db, policies=PolicyProvider.load(), detectors=DetectorSet([DETECTOR]),
                      cybertip=cybertip)
    with TestClient(create_app(runtime)) as client:
        yield client


def _ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_intent_gets_support_and_no_penalty_while_instructions_and_weapons_are_violations(
    http: TestClient, db: Database
) -> None:
    with db.transaction() as s:
        admin = _auth(keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="root")).key)
    org = _ok(http.post("/v1/organizations", json={"name": "Acme"}, headers=admin), 201)
    reviewer = _auth(_ok(http.post("/v1/keys", json={"role": "reviewer", "subject": "rita"}, headers=admin),
                         201)["key"])
    service = _auth(_ok(http.post("/v1/keys", json={"role": "service", "subject": "acme", "org_id": org["id"]},
                                  headers=admin), 201)["key"])
    user = _ok(http.post("/v1/accounts", json={"org_id": org["id"]}, headers=service), 201)

    # 1. Intent from the person themselves: support, not a violation, whatever else the text scores.
    got = _ok(http.post("/v1/submissions", headers=service, json={
        "org_id": org["id"], "account_id": user["id"], "content": AT_RISK}), 201)
    assert got["outcome"] == "safe_messaging"
    decision = got["decision"]
    assert decision["violations"] == [] and decision["verdict"] == "flag"
    assert "openai-usage@2025-10-29" in decision["policy_revision"]
    safe = decision["safe_messaging"]
    assert safe["rule_id"] == "universal.harm.self-harm-support" and safe["escalate"] is True
    assert any(r["contact"] == "call or text 988" for r in safe["resources"])
    exempt = {e["rule_id"]: e["exception"] for e in decision["exemptions"]}
    assert exempt == {"universal.harm.self-harm": "at-risk", "universal.no-harm-output": "at-risk"}
    assert got["enforcement"] is None
    standing = _ok(http.get(f"/v1/accounts/{user['id']}/standing", headers=service))
    assert standing["strike_points"] == 0 and standing["status"] == "active"
    assert _ok(http.get(f"/v1/accounts/{user['id']}/strikes", headers=service))["data"] == []
    assert _ok(http.get("/v1/actions", headers=service))["data"] == []

    # The notice to the person lists the resources and never repeats what they wrote.
    [notice] = _ok(http.get("/v1/notices", params={"recipient_id": user["id"]}, headers=admin))["data"]
    assert notice["event"] == "safety.support" and notice["recipient_type"] == "account"
    assert notice["payload"]["penalty"] == "none"
    assert {r["name"] for r in notice["payload"]["resources"]} >= {"988 Suicide & Crisis Lifeline", "Find A Helpline"}
    assert "painless" not in str(notice["payload"])

    # 2. The check-in goes to a human first; closing it enforces nothing.
    case = _ok(http.post("/v1/cases/claim-next", json={}, headers=reviewer))
    assert case["kind"] == "safety_check" and case["id"] == got["safety"]["case_id"]
    closed = _ok(http.post(f"/v1/cases/{case['id']}/decision", headers=reviewer,
                           json={"outcome": "uphold", "reason": "reached out with resources"}))
    assert closed["outcome"] == "checked_in" and closed["actions"] == []
    assert _ok(http.get(f"/v1/accounts/{user['id']}/standing", headers=service))["strike_points"] == 0

    # 3. Promoting self-harm and weapons development are violations, with strikes.
    promo = _ok(http.post("/v1/submissions", headers=service, json={
        "org_id": org["id"], "account_id": user["id"], "content": PROMOTES}), 201)
    assert promo["outcome"] == "actioned" and promo["decision"]["safe_messaging"] is None
    assert [v["rule_id"] for v in promo["decision"]["violations"]] == ["universal.harm.self-harm"]
    weapon = _ok(http.post("/v1/submissions", headers=service, json={
        "org_id": org["id"], "account_id": user["id"], "content": WEAPON}), 201)
    assert [v["rule_id"] for v in weapon["decision"]["violations"]] == ["universal.harm.weapons"]
    assert weapon["decision"]["violations"][0]["citation"]["item"] == "2"
    assert _ok(http.get(f"/v1/accounts/{user['id']}/standing", headers=service))["strike_points"] > 0
