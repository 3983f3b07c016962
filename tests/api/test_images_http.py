"""Images through the HTTP API with the real image detectors, the bundled policy and a real store."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from imagegen import data_url, edits, png_bomb, scene
from warden.api.app import create_app
from warden.detect.images import pdq
from warden.detect.images.classifier import ImageClassifierDetector
from warden.detect.images.formats import parse
from warden.detect.images.hashes import HashDetector
from warden.detect.images.lists import import_list
from warden.detect.images.visual import VisualCueDetector
from warden.detect.pipeline import DetectorSet
from warden.detect.testing import KeywordDetector
from warden.enforce import keys
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.principal import SYSTEM, Role
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.store import Database
from warden.store.tables import ContentImage, ContentItem, Evidence, MandatoryReport

LISTED = scene(42)
CLASSIFIER = ImageClassifierDetector()  # the model loads once for the module


@pytest.fixture
def http(db: Database) -> Any:
    import_list(db, parse(f"{pdq.hash_image(LISTED).hex},test csam entry"), name="csam-test", category="sexual/minors")
    detectors = DetectorSet([KeywordDetector({"hate": (0.9, ["hateful"])}), HashDetector(database_url=db.url),
                             CLASSIFIER, VisualCueDetector()])
    runtime = Runtime(db=db, policies=PolicyProvider.load(()), detectors=detectors,
                      cybertip=CyberTipSettings(endpoint=None, reporter=ReporterInfo(
                          first_name="T", last_name="R", email="ts@example.invalid")))
    with TestClient(create_app(runtime)) as client:
        yield client


def _service(client: Any, db: Database) -> tuple[dict[str, str], str]:
    with db.transaction() as s:
        admin = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="root")).key
    org = client.post("/v1/organizations", json={"name": "Acme"}, headers={"authorization": f"Bearer {admin}"})
    org_id = org.json()["id"]
    key = client.post("/v1/keys", json={"role": "service", "subject": "svc", "org_id": org_id},
                      headers={"authorization": f"Bearer {admin}"}).json()["key"]
    return {"authorization": f"Bearer {key}"}, org_id


def _moderate(client: Any, parts: list[dict[str, Any]]) -> Any:
    return client.post("/v1/moderations", json={"input": parts})


def test_a_listed_image_takes_the_csam_hard_limit_in_moderations(http: Any) -> None:
    resp = _moderate(http, [{"type": "image_url", "image_url": {"url": data_url(edits(LISTED)["jpeg"], "JPEG")}}])
    assert resp.status_code == 200
    [result] = resp.json()["results"]
    assert result["flagged"] is True and result["categories"]["sexual/minors"] is True
    assert result["category_applied_input_types"]["sexual/minors"] == ["image"]
    assert result["category_applied_input_types"]["violence"] == []  # no image model for violence
    [violation] = [v for v in result["warden"]["violations"] if v["hard_limit"]]
    assert violation["rule_id"] == "universal.laws.csam"
    [evidence] = [e for e in result["warden"]["evidence"] if e.get("matched_hash")]
    assert evidence["matched_hash"] == pdq.hash_image(LISTED).hex and "csam-test" in evidence["detail"]


@pytest.mark.parametrize(("url", "code"), [
    ("http://127.0.0.1:8000/v1/keys", "url_refused"),
    ("http://10.0.0.5/internal.png", "url_refused"),
    ("data:image/png;base64," + base64.b64encode(png_bomb()).decode(), "invalid_image"),
    ("data:image/png;base64,AAAA", "invalid_image"),
])
def test_bad_images_are_400s_in_the_openai_error_shape(http: Any, url: str, code: str) -> None:
    resp = _moderate(http, [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": url}}])
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == code
    assert error["param"] == "input[1].image_url.url"


def test_visual_capability_requests_trigger_service_terms_rules(http: Any) -> None:
    ask = "who is the person in this photo and what is their home address"
    resp = _moderate(http, [{"type": "text", "text": ask},
                            {"type": "image_url", "image_url": {"url": data_url(scene(7))}}])
    [result] = resp.json()["results"]
    rules = {v["rule_id"]: v for v in result["warden"]["violations"]}
    assert {"visual.no-identification", "visual.no-private-inference"} <= set(rules)
    assert rules["visual.no-identification"]["citation"]["document"] == "OpenAI Service Terms"
    assert rules["visual.no-identification"]["citation"]["item"] == "6"
    text_only = _moderate(http, [{"type": "text", "text": ask}]).json()["results"][0]
    assert not {"visual.no-identification", "visual.no-private-inference"} & {
        v["rule_id"] for v in text_only["warden"]["violations"]}


def test_image_submissions_are_decided_and_stored_as_hashes(http: Any, db: Database) -> None:
    service, org_id = _service(http, db)
    picture = data_url(scene(8))
    resp = http.post("/v1/submissions", headers=service, json={
        "org_id": org_id, "content_type": "mixed", "images": [picture],
        "content": "who is the person in this photo and what is their home address"})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["outcome"] == "actioned"
    assert {"visual.no-identification", "visual.no-private-inference"} <= {
        v["rule_id"] for v in body["decision"]["violations"]}
    with db.transaction() as s:
        [img] = s.scalars(select(ContentImage).where(ContentImage.content_id == body["content_id"])).all()
        assert img.pdq == pdq.hash_image(scene(8)).hex and img.width == 480
        assert "base64" not in (s.get_one(ContentItem, body["content_id"]).text or "")


def test_a_listed_image_submission_is_sealed_with_its_hash_and_reported(http: Any, db: Database) -> None:
    service, org_id = _service(http, db)
    resp = http.post("/v1/submissions", headers=service, json={
        "org_id": org_id, "content_type": "image", "content": data_url(edits(LISTED)["resize"])})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["outcome"] == "actioned" and body["decision"]["violations"][0]["hard_limit"] is True
    with db.transaction() as s:
        report = s.scalars(select(MandatoryReport).where(MandatoryReport.content_id == body["content_id"])).one()
        evidence = s.get_one(Evidence, report.evidence_id)
        [image] = s.scalars(select(ContentImage).where(ContentImage.content_id == body["content_id"])).all()
        assert image.pdq == pdq.hash_image(edits(LISTED)["resize"]).hex
        # the sealed record and the report's file details carry the image's hashes; no pixels are kept anywhere
        assert evidence.sha256 == image.sha256 and image.sha256 in report.file_xml
        assert len(evidence.data) < 2048


def test_a_bad_submitted_image_is_a_400_naming_it(http: Any, db: Database) -> None:
    service, org_id = _service(http, db)
    resp = http.post("/v1/submissions", headers=service, json={
        "org_id": org_id, "content_type": "mixed", "content": "two pictures",
        "images": [data_url(scene(1)), "http://192.168.1.1/router.png"]})
    assert resp.status_code == 400
    assert resp.json()["error"]["param"] == "images[1]" and resp.json()["error"]["code"] == "url_refused"


def test_an_image_submission_without_an_image_is_a_400(http: Any, db: Database) -> None:
    service, org_id = _service(http, db)
    resp = http.post("/v1/submissions", headers=service, json={
        "org_id": org_id, "content_type": "image", "content": "no picture here"})
    assert resp.status_code == 400 and resp.json()["error"]["param"] == "images"
