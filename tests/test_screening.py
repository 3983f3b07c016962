"""The screening service: one path from content to signals to decision, outside any write transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from warden.api.app import create_app
from warden.categories import OPENAI_CATEGORIES
from warden.detect.pipeline import DetectorSet
from warden.detect.protocol import Content, ContentPart, Modality
from warden.detect.signals import Signal
from warden.detect.testing import KeywordDetector
from warden.enforce import directory, keys
from warden.enforce.principal import SYSTEM, Role
from warden.policy.layering import EffectivePolicy
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.screening import Screener
from warden.store import Database


class ImageDetector:
    """Reads images only (scores every image part as 'sexual' 0.1)."""

    name = "pictures"
    version = "1"
    modalities: tuple[Modality, ...] = ("image",)

    def detect(self, contents: Sequence[Content]) -> list[list[Signal]]:
        return [[] if isinstance(c, str) else
                [Signal(category="sexual", score=0.1, detector="pictures@1") for p in c if p.type == "image_url"]
                for c in contents]  # fmt: skip


MIXED = [ContentPart("text", text="hello"), ContentPart("image_url", image_url="https://example.com/a.png")]


def test_applied_input_types_come_from_the_detectors_that_ran(mini_policy: EffectivePolicy) -> None:
    text_only = Screener(KeywordDetector({"hate": (0.9, ["hateful"])}), mini_policy)
    [mixed, plain] = text_only.screen([MIXED, "a hateful remark"])
    assert mixed.input_types == ("text", "image") and mixed.applied_input_types == ("text",)
    assert plain.applied_input_types == ("text",) and plain.decision is not None and plain.flagged
    both = Screener([KeywordDetector({}), ImageDetector()])
    [mixed] = both.screen([MIXED])
    assert mixed.applied_input_types == ("text", "image") and mixed.decision is None
    [image_only] = Screener(KeywordDetector({})).screen([[MIXED[1]]])
    assert image_only.applied_input_types == ()


def test_moderations_report_the_types_the_detectors_read(db: Database, mini_policy: EffectivePolicy) -> None:
    runtime = Runtime(db=db, policies=PolicyProvider.fixed(mini_policy),
                      detectors=DetectorSet([KeywordDetector({}), ImageDetector()]))
    body = {"input": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]}
    [result] = TestClient(create_app(runtime)).post("/v1/moderations", json=body).json()["results"]
    assert result["category_applied_input_types"] == {name: ["text", "image"] for name in OPENAI_CATEGORIES}


class LockProbe(KeywordDetector):
    """Records, at each detection, whether another connection could take SQLite's write lock."""

    def __init__(self, path: str) -> None:
        super().__init__({"hate": (0.9, ["hateful"])})
        self.path, self.lock_free = path, []

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        probe = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            self.lock_free.append(True)
        except sqlite3.OperationalError:
            self.lock_free.append(False)
        finally:
            probe.close()
        return super().detect_texts(texts)


def test_submissions_are_screened_before_the_write_transaction(db: Database, mini_policy: EffectivePolicy) -> None:
    if db.dialect != "sqlite":
        pytest.skip("probes SQLite's write lock")
    probe = LockProbe(str(make_url(db.url).database))
    runtime = Runtime(db=db, policies=PolicyProvider.fixed(mini_policy), detectors=DetectorSet([probe]))
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme"))
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject="svc", org_id=org.id)).key
    client = TestClient(create_app(runtime))
    response = client.post("/v1/submissions", headers={"Authorization": f"Bearer {key}"},
                           json={"org_id": org.id, "content": "a hateful remark"})
    assert response.status_code == 201 and response.json()["decision"]["violations"][0]["rule_id"] == "mini.hate"
    assert probe.lock_free == [True]
