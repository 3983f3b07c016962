"""One error root, mapped once at the edge; condition failures surface as degraded rules."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select

import warden
from warden.api.app import create_app
from warden.decide import decide
from warden.detect.pipeline import DetectorSet
from warden.detect.remote import RemoteModerationDetector
from warden.enforce import directory, keys, mandatory
from warden.enforce.principal import SYSTEM, Role
from warden.errors import WardenError
from warden.policy import PolicyLibrary, load_pack
from warden.policy.layering import EffectivePolicy
from warden.policy.model import Verdict
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.store import Database
from warden.store.tables import ContentItem, DecisionRecord, MandatoryReport

SKIP = ("warden.store.migrations",)


def test_every_error_warden_defines_has_the_one_root() -> None:
    strays = []
    for info in pkgutil.walk_packages(warden.__path__, "warden."):
        if info.name.startswith(SKIP):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Exception) and obj.__module__ == module.__name__
                    and not name.startswith("_") and not issubclass(obj, WardenError)):
                strays.append(f"{module.__name__}.{name}")
    assert strays == []


def _runtime(db: Database, policy: EffectivePolicy, detectors: DetectorSet) -> Runtime:
    return Runtime(db=db, policies=PolicyProvider.fixed(policy), detectors=detectors)


def test_a_failing_detector_is_a_503_on_submissions_too(db: Database, mini_policy: EffectivePolicy) -> None:
    down = httpx.MockTransport(lambda request: httpx.Response(500, json={"error": {"message": "boom"}}))
    remote = RemoteModerationDetector(base_url="http://vendor.test/v1", transport=down)
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme"))
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject="svc", org_id=org.id)).key
    client = TestClient(create_app(_runtime(db, mini_policy, DetectorSet([remote]))))
    response = client.post("/v1/submissions", headers={"Authorization": f"Bearer {key}"},
                           json={"org_id": org.id, "content": "hello"})
    assert response.status_code == 503 and response.json()["error"]["code"] == "detector_unavailable"
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ContentItem)) == 0
        assert s.scalar(select(func.count()).select_from(DecisionRecord)) == 0


def test_internal_validation_errors_are_500s_not_the_callers_fault(db: Database,
                                                                  mini_policy: EffectivePolicy) -> None:
    class Built(BaseModel):
        count: int

    app = create_app(_runtime(db, mini_policy, DetectorSet([RemoteModerationDetector(base_url="http://x")])))

    @app.get("/broken")
    def broken() -> Built:
        return Built.model_validate({"count": "not a number"})  # Warden's own data, not the caller's

    response = TestClient(app, raise_server_exceptions=False).get("/broken")
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"


PACK = """
pack:
  id: cond
  version: "2024-01-01"
  title: Conditions
  effective: 2024-01-01
  source:
    document: Test Policy
    date: 2024-01-01
    file: none.txt
    outline:
      - {section: Rules, item: "1", label: repeat offenders}
      - {section: Rules, item: "2", label: children}
rules:
  - id: cond.repeat
    title: Repeat offenders
    summary: Accounts with many strikes are flagged.
    citation: {document: Test Policy, date: 2024-01-01, section: Rules, item: "1"}
    surfaces: [all]
    kind: prohibition
    triggers:
      condition: 'has(account.strikes) && account.strikes > 2'
    enforcement: {severity: low, verdict: flag, action: warning}
  - id: cond.child
    title: Children
    summary: Nothing for young children.
    citation: {document: Test Policy, date: 2024-01-01, section: Rules, item: "2"}
    surfaces: [all]
    kind: prohibition
    hard_limit: true
    triggers:
      condition: 'has(user.age) && user.age < 13'
    enforcement: {severity: critical, verdict: block, action: termination}
"""


@pytest.fixture
def conditional(tmp_path: Path) -> EffectivePolicy:
    path = tmp_path / "cond.yaml"
    path.write_text(PACK)
    return PolicyLibrary([load_pack(path)]).effective(packs=["cond"])


def test_a_condition_that_cannot_be_evaluated_is_a_degraded_rule(conditional: EffectivePolicy,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    assert decide(conditional, {}, {}).verdict is Verdict.ALLOW  # absent fields: the rules do not apply
    assert decide(conditional, {}, {"account": {"strikes": 3}}).violations[0].rule_id == "cond.repeat"
    mistyped = decide(conditional, {}, {"account": {"strikes": "three"}, "user": {"age": "twelve"}})
    assert {(d.rule_id, d.failed_closed) for d in mistyped.degraded} == {("cond.repeat", False),
                                                                        ("cond.child", True)}
    # the hard limit fails closed (blocks); the ordinary rule is not applied, and the decision says so
    assert [v.rule_id for v in mistyped.violations] == ["cond.child"] and mistyped.verdict is Verdict.BLOCK
    assert "Degraded: cond.repeat" in mistyped.explanation
    assert any("cond.repeat degraded" in r.getMessage() for r in caplog.records)


def test_a_report_that_reached_the_cybertipline_cannot_be_sent_again() -> None:
    report = MandatoryReport(id="mrp_1", status="failed", external_id="4242", org_id="org_1")
    with pytest.raises(WardenError, match="do not send it again") as raised:
        mandatory.confirm(None, report, SYSTEM, None)  # type: ignore[arg-type]
    assert raised.value.status == 409
