"""Images through the lifecycle, over /v1/submissions with the real hash and cue detectors and a real store:
enforced like text; kept as hashes and metadata, the bytes only where the operator enables it (sealed, every
read audited), and never for a match on a CSAM list."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from imagegen import data_url, edits, encode, scene
from warden.api.app import create_app
from warden.detect.images import pdq
from warden.detect.images.formats import parse
from warden.detect.images.hashes import HashDetector
from warden.detect.images.lists import import_list
from warden.detect.images.visual import VisualCueDetector
from warden.detect.pipeline import DetectorSet
from warden.detect.testing import KeywordDetector
from warden.enforce import audit, directory, imagebytes, keys, mandatory, sealing
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM, Role
from warden.enforce.sealing import EvidenceKeyring
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.settings import Settings, SettingsError
from warden.store import Database
from warden.store.tables import (
    ActionRecord,
    AuditEvent,
    ContentImage,
    ContentItem,
    DecisionRecord,
    Evidence,
    MandatoryReport,
)

LISTED = scene(42)
OTHER = scene(9)
POLICIES = PolicyProvider.load(())
OLD_KEY, NEW_KEY = secrets.token_bytes(32), secrets.token_bytes(32)


class Svc:
    def __init__(self, client: TestClient, db: Database, tip: CyberTipSettings) -> None:
        self.client, self.db, self.tip = client, db, tip
        with db.transaction() as s:
            admin = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="root")).key
            self.org_id = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme")).id
            self.account = directory.create_account(s, SYSTEM, directory.AccountIn(org_id=self.org_id)).id
        key = client.post("/v1/keys", json={"role": "service", "subject": "svc", "org_id": self.org_id},
                          headers={"authorization": f"Bearer {admin}"}).json()["key"]
        self.headers = {"authorization": f"Bearer {key}"}

    def submit(self, **body: Any) -> dict[str, Any]:
        resp = self.client.post("/v1/submissions", headers=self.headers,
                                json={"org_id": self.org_id, "account_id": self.account} | body)
        assert resp.status_code == 201, resp.text
        return dict(resp.json())


@contextmanager
def service(db: Database, *, keep_bytes: bool) -> Iterator[Svc]:
    import_list(db, parse(f"{pdq.hash_image(LISTED).hex},test csam entry"), name="csam-test", category="sexual/minors")
    detectors = DetectorSet([KeywordDetector({"hate": (0.9, ["hateful"])}), HashDetector(database_url=db.url),
                             VisualCueDetector()])
    tip = CyberTipSettings(endpoint=None, keep_image_bytes=keep_bytes, keyring=EvidenceKeyring([OLD_KEY]),
                           reporter=ReporterInfo(first_name="T", last_name="R", email="ts@example.invalid"))
    runtime = Runtime(db=db, policies=POLICIES, detectors=detectors, cybertip=tip)
    with TestClient(create_app(runtime)) as client:
        yield Svc(client, db, tip)


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.transaction() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_mixed_and_image_submissions_are_enforced_like_text_and_keep_no_bytes_by_default(db: Database) -> None:
    with service(db, keep_bytes=False) as svc:
        as_text = svc.submit(content="a hateful remark")
        mixed = svc.submit(content_type="mixed", content="a hateful remark", images=[data_url(OTHER)])
        image = svc.submit(content_type="image", content=data_url(OTHER, "JPEG", quality=80))
        strikes = svc.client.get(f"/v1/accounts/{svc.account}/strikes", headers=svc.headers).json()["data"]
    rules = [v["rule_id"] for v in as_text["decision"]["violations"]]
    assert rules and [v["rule_id"] for v in mixed["decision"]["violations"]] == rules
    assert mixed["outcome"] == as_text["outcome"] != "allowed"
    assert image["outcome"] == "allowed" and image["decision"]["violations"] == []
    # one ladder across text and images: the mixed submission's strike adds to the text's
    decisions = {as_text["decision"]["id"], mixed["decision"]["id"]}
    assert {st["decision_id"] for st in strikes} == decisions and {st["rule_id"] for st in strikes} == set(rules)
    assert mixed["enforcement"]["strike_points"] > as_text["enforcement"]["strike_points"] > 0
    with db.transaction() as s:
        # the same consequences as the text: a decision recorded for each, an action or a case for both
        for body in (as_text, mixed):
            row = s.scalars(select(DecisionRecord).where(DecisionRecord.content_id == body["content_id"])).one()
            assert row.verdict == as_text["decision"]["verdict"]
            enforced = body["enforcement"]
            assert enforced["actions"] or enforced["case_id"]
        images = s.scalars(select(ContentImage)).all()
        assert len(images) == 2 and all(i.data is None and i.key_id is None for i in images)
        assert s.execute(text("SELECT count(*) FROM content_images WHERE data IS NOT NULL")).scalar() == 0
        assert s.get_one(ContentItem, image["content_id"]).text == ""


def test_kept_bytes_are_sealed_opened_only_through_an_audited_read_and_rekeyed(db: Database) -> None:
    raw = encode(OTHER)
    with service(db, keep_bytes=True) as svc:
        body = svc.submit(content_type="mixed", content="a holiday picture",
                          images=["data:image/png;base64," + base64.b64encode(raw).decode()])
    assert body["outcome"] == "allowed"
    with db.transaction() as s:
        [image] = s.scalars(select(ContentImage).where(ContentImage.content_id == body["content_id"])).all()
        stored = s.execute(text("SELECT data FROM content_images WHERE id = :id"), {"id": image.id}).scalar_one()
        stored = bytes(stored)
        # ciphertext in the database: AES-GCM (nonce + tag = 28 bytes over the plaintext), not the image
        assert image.key_id == svc.tip.keyring.current and len(stored) == len(raw) + 28
        assert stored != raw and raw[:64] not in stored and b"PNG" not in stored[:16]
        assert image.sha256 and image.pdq == pdq.hash_image(OTHER).hex
    assert _events(db, "image.accessed") == []
    with db.transaction() as s:
        image = s.get_one(ContentImage, image.id)
        assert imagebytes.open_image(s, image, svc.tip.keyring, actor="user:rita", purpose="appeal 12",
                                     org_id=svc.org_id) == raw
    [event] = _events(db, "image.accessed")
    assert event.actor == "user:rita" and event.subject_id == image.id and event.data["purpose"] == "appeal 12"
    old, new = svc.tip.keyring, EvidenceKeyring([NEW_KEY])
    with db.transaction() as s:  # rotation: the new key first, the old one below it
        assert sealing.rekey(s, EvidenceKeyring([NEW_KEY, OLD_KEY])) == 1
    with db.transaction() as s:
        image = s.get_one(ContentImage, image.id)
        assert image.key_id == new.current
        assert imagebytes.open_image(s, image, new, actor="system:test", purpose="after rotation",
                                     org_id=svc.org_id) == raw
        with pytest.raises(sealing.SealingError):
            imagebytes.open_image(s, image, old, actor="system:test", purpose="old key", org_id=svc.org_id)
        assert audit.verify(s).ok


def test_a_csam_list_match_terminates_reports_the_hash_and_never_keeps_bytes(db: Database) -> None:
    listed = edits(LISTED)["jpeg"]
    with service(db, keep_bytes=True) as svc:  # the operator asked for bytes: a CSAM match still keeps none
        body = svc.submit(content_type="mixed", content="look at these",
                          images=[data_url(listed, "JPEG", quality=90), data_url(OTHER)])
    assert body["outcome"] == "actioned"
    assert "universal.laws.csam" in {v["rule_id"] for v in body["decision"]["violations"] if v["hard_limit"]}
    with db.transaction() as s:
        [action] = s.scalars(select(ActionRecord).where(ActionRecord.content_id == body["content_id"])).all()
        assert action.kind == "termination" and action.account_id == svc.account
        images = s.scalars(select(ContentImage).where(ContentImage.content_id == body["content_id"])
                           .order_by(ContentImage.part)).all()
        assert len(images) == 2 and all(i.data is None for i in images)
        report = s.scalars(select(MandatoryReport).where(MandatoryReport.content_id == body["content_id"])).one()
        evidence = s.get_one(Evidence, report.evidence_id)
        sealed = json.loads(sealing.open_evidence(s, evidence, svc.tip.keyring, actor="system:test", purpose="t"))
        assert [i["pdq"] for i in sealed["images"]] == [i.pdq for i in images]
        assert evidence.sha256 == images[0].sha256 and b"base64" not in evidence.data
        # the report's file details carry the image's hashes (PDQ too) and say no bytes were kept
        assert f'hashType="PDQ">{images[0].pdq}<' in report.file_xml
        assert f'hashType="SHA256">{images[0].sha256}<' in report.file_xml
        assert "kept no image bytes" in report.file_xml and "base64" not in report.report_xml + report.file_xml
        assert s.get_one(ContentItem, body["content_id"]).text is None
    [withheld] = _events(db, "image.bytes_withheld")
    assert withheld.subject_id == body["content_id"] and withheld.data["sha256"] == [i.sha256 for i in images]


def test_images_scored_only_by_the_callers_signals_keep_no_bytes(db: Database) -> None:
    """Warden's hash lists never looked at them (the caller's signals replace its detectors): not kept."""
    with service(db, keep_bytes=True) as svc:
        body = svc.submit(content_type="image", content=data_url(LISTED), signals={"hate": 0.1})
    assert body["outcome"] == "allowed"
    with db.transaction() as s:
        [image] = s.scalars(select(ContentImage).where(ContentImage.content_id == body["content_id"])).all()
        assert image.data is None and image.pdq == pdq.hash_image(LISTED).hex
    [withheld] = _events(db, "image.bytes_withheld")
    assert "hash lists" in withheld.data["reason"]


def test_bytes_kept_before_a_csam_report_are_destroyed_when_it_is_drafted(db: Database) -> None:
    with service(db, keep_bytes=True) as svc:
        body = svc.submit(content_type="image", content=data_url(OTHER))
    with db.transaction() as s:
        [image] = s.scalars(select(ContentImage).where(ContentImage.content_id == body["content_id"])).all()
        assert image.data is not None
        content = s.get_one(ContentItem, body["content_id"])
        decision = s.scalars(select(DecisionRecord).where(DecisionRecord.content_id == content.id)).one()
        # a reviewer later finds it is CSAM: the report is drafted, and the kept bytes go
        mandatory.draft(s, content=content, decision=decision, settings=svc.tip, actor="user:rita", now=content.created_at)
    with db.transaction() as s:
        image = s.get_one(ContentImage, image.id)
        assert image.data is None and image.key_id is None and image.pdq == pdq.hash_image(OTHER).hex
        with pytest.raises(LookupError):
            imagebytes.open_image(s, image, svc.tip.keyring, actor="user:rita", purpose="p", org_id=svc.org_id)
    [destroyed] = _events(db, "image.bytes_destroyed")
    assert destroyed.subject_id == image.id and "CSAM" in destroyed.data["reason"]


def test_the_setting_is_off_by_default_and_reaches_the_service(tmp_path: Any) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    assert Settings.from_env(env).keep_image_bytes is False
    on = Settings.from_env(env | {"WARDEN_KEEP_IMAGE_BYTES": "1"})
    assert on.keep_image_bytes is True and CyberTipSettings.from_settings(on).keep_image_bytes is True
    assert CyberTipSettings.from_settings(Settings.from_env(env)).keep_image_bytes is False
    with pytest.raises(SettingsError):
        Settings.from_env(env | {"WARDEN_KEEP_IMAGE_BYTES": "sometimes"})

