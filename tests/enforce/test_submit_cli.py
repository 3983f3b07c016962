"""`warden submit`: text, image and mixed content decided and enforced from the command line, through the
runtime the settings describe (the real hash and cue detectors, the bundled policy, the store)."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from imagegen import edits, scene
from warden.cli import app
from warden.detect.images import pdq
from warden.detect.images.formats import parse
from warden.detect.images.lists import import_list
from warden.enforce import directory
from warden.enforce.principal import SYSTEM
from warden.store import Database
from warden.store.tables import ActionRecord, ContentImage, MandatoryReport

runner = CliRunner()
LISTED = scene(42)


@pytest.fixture
def org(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("WARDEN_DATABASE_URL", db.url)
    monkeypatch.setenv("WARDEN_DETECTORS", "recognisers,hashes,visual")  # no model to load: the test stays fast
    monkeypatch.setenv("WARDEN_EVIDENCE_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    monkeypatch.delenv("WARDEN_KEEP_IMAGE_BYTES", raising=False)
    import_list(db, parse(f"{pdq.hash_image(LISTED).hex},test entry"), name="csam-test", category="sexual/minors")
    with db.transaction() as s:
        org_id = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme")).id
        account = directory.create_account(s, SYSTEM, directory.AccountIn(org_id=org_id)).id
    return org_id, account


def _run(*args: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["submit", *args])
    try:
        return result.exit_code, json.loads(result.stdout)
    except ValueError:
        return result.exit_code, {"output": result.output}


def test_an_image_on_a_csam_list_terminates_and_reports(db: Database, org: tuple[str, str], tmp_path: Path) -> None:
    org_id, account = org
    edits(LISTED)["resize"].save(tmp_path / "listed.jpg", quality=90)
    code, out = _run("--org", org_id, "--account", account, "--image", str(tmp_path / "listed.jpg"))
    assert code == 1 and out["outcome"] == "actioned" and "universal.laws.csam" in str(out["rules"])
    with db.transaction() as s:
        [action] = s.scalars(select(ActionRecord).where(ActionRecord.content_id == out["content_id"])).all()
        assert action.kind == "termination" and action.account_id == account
        report = s.get_one(MandatoryReport, out["mandatory_report_id"])
        [image] = s.scalars(select(ContentImage).where(ContentImage.content_id == out["content_id"])).all()
        assert image.pdq in report.file_xml and image.data is None


def test_mixed_content_is_decided_with_the_visual_rules(org: tuple[str, str], tmp_path: Path) -> None:
    org_id, account = org
    scene(8).save(tmp_path / "person.png")
    code, out = _run("who is the person in this photo and what is their home address", "--org", org_id,
                     "--account", account, "--image", str(tmp_path / "person.png"))
    assert code == 1 and "visual.no-identification" in str(out["rules"])
    code, out = _run("a holiday picture", "--org", org_id, "--image", str(tmp_path / "person.png"))
    assert code == 0 and out["outcome"] == "allowed"


def test_kept_bytes_follow_the_setting(db: Database, org: tuple[str, str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    org_id, _ = org
    scene(5).save(tmp_path / "a.png")
    raw = (tmp_path / "a.png").read_bytes()
    _, off = _run("--org", org_id, "--image", str(tmp_path / "a.png"))
    monkeypatch.setenv("WARDEN_KEEP_IMAGE_BYTES", "1")
    _, on = _run("--org", org_id, "--image", str(tmp_path / "a.png"))
    with db.transaction() as s:
        [plain] = s.scalars(select(ContentImage).where(ContentImage.content_id == off["content_id"])).all()
        [kept] = s.scalars(select(ContentImage).where(ContentImage.content_id == on["content_id"])).all()
        assert plain.data is None
        assert kept.data is not None and kept.key_id and raw[:64] not in kept.data and len(kept.data) == len(raw) + 28


@pytest.mark.parametrize(("args", "message"), [
    (["--image", "{tmp}/not-an-image.png"], "not"),
    (["--image", "http://10.0.0.7/x.png"], "10.0.0.7"),
    (["--image", "{tmp}/missing.png"], "cannot read"),
    ([], "give a TEXT"),
])
def test_bad_input_exits_2_and_writes_nothing(db: Database, org: tuple[str, str], tmp_path: Path,
                                              args: list[str], message: str) -> None:
    (tmp_path / "not-an-image.png").write_text("plain text")
    result = runner.invoke(app, ["submit", "--org", org[0], *[a.format(tmp=tmp_path) for a in args]])
    assert result.exit_code == 2 and message in result.output
    with db.transaction() as s:
        assert s.scalars(select(ContentImage)).all() == []
