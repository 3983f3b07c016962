"""The three tiers over HTTP, on a real server and store: platform pack -> operator overlay -> user settings.

An operator overlay that tightens a threshold changes /v1/moderations and /v1/submissions for that
organization only; a user setting the operator delegated changes it for that user only; an overlay that
relaxes a hard limit is refused with file and line, and nothing is stored; every decision names the
composed revision; activation, rollback, diff and impact work over the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from warden.detect.pipeline import DetectorSet
from warden.detect.testing import KeywordDetector
from warden.enforce import keys
from warden.enforce.overlays import StoredOverlays
from warden.enforce.principal import SYSTEM, Role
from warden.policy import PolicyLibrary, load_pack
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.settings import Settings
from warden.store import Database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

TIGHTEN = """\
overlay: {id: acme, title: Acme for families, layer: operator}
adjust:
  - {rule: mini.hate, min_score: 0.3, verdict: block}
"""
USER_RELAX = """\
overlay: {id: reader-7, title: A reader's own settings, layer: user}
adjust:
  - {rule: mini.hate, min_score: 0.95}
"""
HARD_LIMIT = """\
overlay: {id: loose, title: Looser, layer: operator}
adjust:
  - rule: mini.hate
    min_score: 0.4
  - rule: mini.csam
    min_score: 0.9
"""


@pytest.fixture
def runtime(db: Database, clock: Any) -> Runtime:
    library = PolicyLibrary([load_pack(FIXTURES / "mini-pack.yaml")])
    provider = PolicyProvider(library, overlays=StoredOverlays(db))
    detector = KeywordDetector({"hate": (0.4, ["rude"]), "sexual/minors": (0.5, ["minor"])})
    detector_hate = KeywordDetector({"hate": (0.9, ["hateful"])})
    detector_hate.name = "keywords2"
    return Runtime(db=db, policies=provider, detectors=DetectorSet([detector, detector_hate]),
                   settings=Settings(moderation_auth=True, deliver_every=0), clock=clock)


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def tiers(http: httpx.Client, db: Database) -> Iterator[dict[str, Any]]:
    with db.transaction() as s:
        admin = _h(keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="root")).key)
    out: dict[str, Any] = {"admin": admin}
    for name in ("acme", "other"):
        org = http.post("/v1/organizations", json={"name": name}, headers=admin).json()["id"]
        with db.transaction() as s:
            op = _h(keys.issue(s, SYSTEM, keys.KeyIn(role=Role.OPERATOR_ADMIN, subject=f"op-{name}",
                                                     org_id=org)).key)
            svc = _h(keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject=f"svc-{name}", org_id=org)).key)
        reader = http.post("/v1/accounts", json={"org_id": org}, headers=op).json()["id"]
        neighbour = http.post("/v1/accounts", json={"org_id": org}, headers=op).json()["id"]
        out[name] = {"org": org, "op": op, "svc": svc, "reader": reader, "neighbour": neighbour}
    yield out


def _moderate(http: httpx.Client, headers: dict[str, str], text: str, account: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"input": text}
    if account is not None:
        body["warden"] = {"account_id": account}
    resp = http.post("/v1/moderations", json=body, headers=headers)
    assert resp.status_code == 200, resp.text
    result: dict[str, Any] = resp.json()["results"][0]["warden"]
    return result


def test_the_three_tiers_over_http(http: httpx.Client, tiers: dict[str, Any]) -> None:
    acme, other = tiers["acme"], tiers["other"]
    platform = _moderate(http, acme["svc"], "that was rude")
    assert platform["decision"] == "allow" and platform["policy_revision"].startswith("mini@")

    pushed = http.post("/v1/overlays", headers=acme["op"],
                       json={"org_id": acme["org"], "text": TIGHTEN, "filename": "acme.yaml"})
    assert pushed.status_code == 201, pushed.text
    v1 = pushed.json()
    assert (v1["version"], v1["status"], v1["layer"]) == (1, "inactive", "operator")
    assert _moderate(http, acme["svc"], "that was rude")["decision"] == "allow", "inactive until activated"

    impact = http.get(f"/v1/overlays/{v1['id']}/impact", headers=acme["op"]).json()
    assert impact["replayed"] == 0  # nothing stored yet for acme: /v1/moderations records nothing

    assert http.post(f"/v1/overlays/{v1['id']}/activate", headers=acme["op"]).status_code == 200
    tightened = _moderate(http, acme["svc"], "that was rude")
    assert tightened["decision"] == "block"
    assert [v["rule_id"] for v in tightened["violations"]] == ["mini.hate"]
    assert tightened["violations"][0]["threshold"] == 0.3
    assert "+acme#" in tightened["policy_revision"], "the decision names the composed revision"
    # the other organization is untouched
    untouched = _moderate(http, other["svc"], "that was rude")
    assert untouched["decision"] == "allow" and "acme" not in untouched["policy_revision"]

    # /v1/submissions runs under the same tiers and records the composed revision
    sub = http.post("/v1/submissions", headers=acme["svc"], json={
        "org_id": acme["org"], "account_id": acme["neighbour"], "content": "that was rude"}).json()
    assert sub["decision"]["verdict"] == "block" and "+acme#" in sub["decision"]["policy_revision"]
    stored = http.get(f"/v1/decisions/{sub['decision']['id']}", headers=acme["op"]).json()
    assert stored["policy_revision"] == sub["decision"]["policy_revision"]

    # a user setting the operator delegated (mini.hate delegates its threshold) changes it for that user only
    assert _moderate(http, acme["svc"], "so hateful", acme["reader"])["decision"] == "block"
    user = http.post("/v1/overlays", headers=acme["op"],
                     json={"org_id": acme["org"], "account_id": acme["reader"], "text": USER_RELAX,
                           "filename": "reader.yaml"}).json()
    assert user["layer"] == "user"
    assert http.post(f"/v1/overlays/{user['id']}/activate", headers=acme["op"]).status_code == 200
    mine = _moderate(http, acme["svc"], "so hateful", acme["reader"])
    assert mine["decision"] == "allow" and "+reader-7#" in mine["policy_revision"]
    assert _moderate(http, acme["svc"], "so hateful", acme["neighbour"])["decision"] == "block"
    assert _moderate(http, acme["svc"], "so hateful")["decision"] == "block"
    # another organization's key cannot name acme's user
    resp = http.post("/v1/moderations", headers=other["svc"], json={"input": "x",
                                                                    "warden": {"account_id": acme["reader"]}})
    assert resp.status_code == 404
    # nor can an anonymous caller name anyone
    resp = http.post("/v1/moderations", json={"input": "x", "warden": {"account_id": acme["reader"]}})
    assert resp.status_code == 401


def test_relaxing_a_hard_limit_is_refused_with_file_and_line(http: httpx.Client, tiers: dict[str, Any]) -> None:
    acme = tiers["acme"]
    resp = http.post("/v1/overlays", headers=acme["op"],
                     json={"org_id": acme["org"], "text": HARD_LIMIT, "filename": "loose.yaml"})
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert "loose.yaml:5: adjust[1]" in error["message"] and "hard limit" in error["message"], error
    broken = http.post("/v1/overlays", headers=acme["op"],
                       json={"org_id": acme["org"], "text": "overlay: {id: x, title: y, layer: operator}\n"
                                                            "adjust:\n  - {rule: mini.hate, min_scor: 0.1}\n",
                             "filename": "typo.yaml"})
    assert broken.status_code == 400 and "typo.yaml:3" in broken.json()["error"]["message"]
    wrong_layer = http.post("/v1/overlays", headers=acme["op"],
                            json={"org_id": acme["org"], "account_id": acme["reader"], "text": TIGHTEN})
    assert wrong_layer.status_code == 400 and "overlay.yaml:1" in wrong_layer.json()["error"]["message"]
    listed = http.get("/v1/overlays", headers=acme["op"]).json()["data"]
    assert listed == [], "nothing is stored on error"


def test_versions_activate_roll_back_diff_and_impact(http: httpx.Client, tiers: dict[str, Any]) -> None:
    acme, other = tiers["acme"], tiers["other"]
    # some stored decisions to replay: a 0.4 'rude' allowed and a 0.9 'hateful' flagged under the platform pack
    for text in ("that was rude", "so hateful", "lovely"):
        http.post("/v1/submissions", headers=acme["svc"], json={"org_id": acme["org"], "content": text})
    v1 = http.post("/v1/overlays", headers=acme["op"], json={"org_id": acme["org"], "text": TIGHTEN}).json()
    impact = http.get(f"/v1/overlays/{v1['id']}/impact", headers=acme["op"]).json()
    assert impact["replayed"] == 3 and impact["changed_decisions"] == 2
    assert impact["verdict_changes"] == {"allow->block": 1, "flag->block": 1}
    assert [(r["rule_id"], r["newly_firing"]) for r in impact["rules"]] == [("mini.hate", 1)]
    assert http.get("/v1/overlays", headers=acme["op"]).json()["data"][0]["status"] == "inactive", "impact writes nothing"

    http.post(f"/v1/overlays/{v1['id']}/activate", headers=acme["op"])
    v2_text = TIGHTEN.replace("0.3", "0.2")
    v2 = http.post("/v1/overlays", headers=acme["op"], json={"org_id": acme["org"], "text": v2_text}).json()
    assert v2["version"] == 2
    diff = http.get(f"/v1/overlays/{v2['id']}/diff", headers=acme["op"]).json()
    assert diff["old"] == v1["id"] and diff["rules_changed"] == ["mini.hate"]
    assert any(line.startswith("+") and "0.2" in line for line in diff["text"])
    http.post(f"/v1/overlays/{v2['id']}/activate", headers=acme["op"])
    assert _moderate(http, acme["svc"], "that was rude")["violations"][0]["threshold"] == 0.2

    back = http.post("/v1/overlays/rollback", headers=acme["op"], json={"org_id": acme["org"]}).json()
    assert back["active"]["id"] == v1["id"]
    assert _moderate(http, acme["svc"], "that was rude")["violations"][0]["threshold"] == 0.3
    gone = http.post("/v1/overlays/rollback", headers=acme["op"], json={"org_id": acme["org"]}).json()
    assert gone["active"] is None
    assert _moderate(http, acme["svc"], "that was rude")["decision"] == "allow"
    shown = http.get(f"/v1/overlays/{v2['id']}", headers=acme["op"]).json()
    assert shown["text"] == v2_text
    # another organization's operator sees none of it
    assert http.get(f"/v1/overlays/{v2['id']}", headers=other["op"]).status_code == 404
    assert http.get("/v1/overlays", headers=other["op"]).json()["data"] == []
    audit = http.get("/v1/audit", headers=acme["op"]).json()["data"]
    assert {"overlay.uploaded", "overlay.activated", "overlay.rolled_back"} <= {e["action"] for e in audit}
