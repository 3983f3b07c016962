from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import yaml
from fastapi.testclient import TestClient

from review.fakes import review_keywords
from review.fixtures import ROOT
from warden.api.app import create_app
from warden.detect.pipeline import DetectorSet
from warden.detect.recognisers.detector import RecogniserDetector
from warden.enforce import connectors, directory, keys
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM, Role
from warden.policy.library import PolicyLibrary
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.store import Database
from warden.store.tables import ActionRecord, DecisionRecord


@pytest.fixture
def setup(db: Database, library: PolicyLibrary) -> Iterator[tuple[TestClient, dict[str, str]]]:
    policy = library.effective(packs=["openai-usage@2025-01-29"])
    settings = CyberTipSettings(endpoint=None, reporter=ReporterInfo(first_name="T", last_name="R",
                                                                     email="t@example.invalid"))
    app = create_app(Runtime(db=db, policies=PolicyProvider.fixed(policy, library),
                             detectors=DetectorSet([RecogniserDetector(), review_keywords()]), cybertip=settings))
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="GPT builders"))
        gpt = directory.create_app(s, SYSTEM, directory.AppIn(org_id=org.id, name="QuickBook Travel"))
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject="store-intake", org_id=org.id)).key
        # the GPT's action, enabled by the organization's administrators (003 7.a; `warden.enforce.connectors`)
        connectors.set_enabled(s, SYSTEM, connectors.ConnectorChange(org_id=org.id, name="booking"), True,
                               dt.datetime.now(dt.UTC))
    with TestClient(app) as client:
        yield client, {"org_id": org.id, "app_id": gpt.id, "auth": f"Bearer {key}"}


def test_review_app_synchronously(setup: tuple[TestClient, dict[str, str]], db: Database) -> None:
    client, ids = setup
    body = {"submission": json.loads((ROOT / "apps/gpt-card-checkout.json").read_text())}
    res = client.post("/v1/reviews", json=body, headers={"Authorization": ids["auth"]})
    assert res.status_code == 200, res.text
    report = res.json()["report"]
    assert (report["allowed"], report["store"]) == ("fail", "ineligible")
    assert res.json()["recorded"] is None
    with db.transaction() as s:
        assert s.query(DecisionRecord).count() == 0, "a review without record writes nothing"


def test_a_review_whose_action_is_not_enabled_is_refused(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = setup
    submission = json.loads((ROOT / "apps/gpt-card-checkout.json").read_text())
    submission["actions"][0]["name"] = "Card Vault"
    res = client.post("/v1/reviews", json={"submission": submission}, headers={"Authorization": ids["auth"]})
    assert res.status_code == 403 and res.json()["error"]["code"] == "connector_not_enabled"
    assert "'card-vault'" in res.json()["error"]["message"]


def test_review_plugin(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = setup
    folder = ROOT / "plugins/uncensored-proxy"
    plugin = {"manifest": json.loads((folder / "ai-plugin.json").read_text()),
              "openapi": yaml.safe_load((folder / "openapi.yaml").read_text())}
    res = client.post("/v1/reviews", headers={"Authorization": ids["auth"]}, json={"submission": plugin})
    assert res.status_code == 200, res.text
    report = res.json()["report"]
    assert (report["kind"], report["store"]) == ("plugin", "not-applicable")
    assert [r["rule_id"] for r in report["results"] if r["outcome"] == "fail"] == ["universal.respect-safeguards"]


def test_record_enforces_through_the_lifecycle(setup: tuple[TestClient, dict[str, str]], db: Database) -> None:
    client, ids = setup
    body = {"submission": json.loads((ROOT / "apps/gpt-card-checkout.json").read_text()),
            "org_id": ids["org_id"], "app_id": ids["app_id"], "record": True}
    res = client.post("/v1/reviews", json=body, headers={"Authorization": ids["auth"]})
    assert res.status_code == 200, res.text
    recorded = res.json()["recorded"]
    with db.transaction() as s:
        decision = s.get_one(DecisionRecord, recorded["decision_id"])
        assert decision.policy_revision.startswith("openai-usage@2025-01-29")
        action = s.get_one(ActionRecord, recorded["actions"][0])
        assert action.app_id == ids["app_id"] and action.rule_ids == ["gpt.privacy.sensitive-identifiers"]
        assert action.kind == "sharing_restriction"


def test_bad_bodies_get_the_shared_error_shape(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = setup
    auth = {"Authorization": ids["auth"]}
    missing = client.post("/v1/reviews", json={"submission": {"description": "no name"}}, headers=auth)
    assert missing.status_code == 400
    assert set(missing.json()["error"]) == {"message", "type", "param", "code"}
    bad_pack = client.post("/v1/reviews", json={"submission": {"name": "x"}, "packs": ["nope@1"]}, headers=auth)
    assert bad_pack.status_code == 400 and bad_pack.json()["error"]["param"] == "packs"
    no_app = client.post("/v1/reviews", json={"submission": {"name": "x"}, "record": True}, headers=auth)
    assert no_app.status_code == 400 and no_app.json()["error"]["param"] == "app_id"
    anonymous = client.post("/v1/reviews", json={"submission": {"name": "x"}})
    assert anonymous.status_code == 401


def test_schema_is_in_the_openapi_spec(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = setup
    spec = client.get("/openapi.json").json()
    assert "/v1/reviews" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert {"ReviewIn", "ReviewOut", "AppSubmission", "PluginIn", "PluginManifest"} <= set(schemas)
