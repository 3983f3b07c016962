"""Fail closed: the service does not start on an invalid pack or stored overlay, and never answers without a
decision."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from warden.api.app import create_app
from warden.detect.pipeline import DetectorSet
from warden.detect.recognisers.detector import RecogniserDetector
from warden.enforce import directory
from warden.enforce.principal import SYSTEM
from warden.policy.provider import PolicyLoadError, PolicyProvider
from warden.runtime import Runtime, StartupError
from warden.settings import Settings
from warden.store import Database
from warden.store.tables import PolicyOverlay, new_id

BAD_PACK = "pack:\n  id: broken\n  version: '1'\n  title: Broken\n  effective: 2024-01-01\nrules:\n  - id: x\n"


def test_warden_serve_refuses_an_invalid_pack(tmp_path: Path) -> None:
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "broken.yaml").write_text(BAD_PACK)
    env = {**os.environ, "WARDEN_POLICY_PATH": str(tmp_path / "packs"), "WARDEN_DETECTORS": "recognisers",
           "WARDEN_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "WARDEN_DELIVER_EVERY": "0"}
    done = subprocess.run([str(Path(sys.executable).parent / "warden"), "serve", "--port", "0"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cannot start" in done.stderr and "broken.yaml:" in done.stderr


def test_a_stored_overlay_that_no_longer_resolves_stops_start_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    db = Database(url)
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="acme"))
        # valid once, against a pack rule that a later pack set no longer has
        text = "overlay: {id: acme, title: Acme, layer: operator}\nadjust:\n  - {rule: gone.rule, min_score: 0.1}\n"
        s.add(PolicyOverlay(id=new_id("ovl"), org_id=org.id, name="acme", version=1, layer="operator", text=text,
                            digest="0" * 64, status="active", created_by="test"))
    db.dispose()
    settings = Settings(database_url=url, detectors=("recognisers",), deliver_every=0)
    with pytest.raises(StartupError, match=r"acme@v1.yaml:3: adjust\[0\].rule: no rule 'gone.rule'"):
        Runtime.build(settings)


class _Broken(PolicyProvider):
    def effective(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
        raise PolicyLoadError("the policy cannot load: simulated")


def test_no_moderation_answer_without_a_decision(tmp_path: Path) -> None:
    """A policy that cannot resolve at run time is an error answer, never a result with `decision: null`."""
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    healthy = PolicyProvider.load()
    rt = Runtime(db=db, policies=healthy, detectors=DetectorSet([RecogniserDetector()]),
                 settings=Settings(deliver_every=0))
    with TestClient(create_app(rt)) as client:
        ok = client.post("/v1/moderations", json={"input": ["hi", "card 4111 1111 1111 1111"]}).json()
        assert all(r["warden"]["decision"] in {"allow", "flag", "block"} and r["warden"]["policy_revision"]
                   for r in ok["results"])
        rt.policies = _Broken(healthy.library)
        resp = client.post("/v1/moderations", json={"input": "a pipe bomb, step by step"})
        assert resp.status_code == 500 and resp.json()["error"]["code"] == "misconfigured"
        assert "results" not in resp.json()
    db.dispose()
