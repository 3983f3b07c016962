"""`warden evidence`: keygen, rekey after a rotation, and the audited read of a kept image's bytes."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from imagegen import encode, scene
from warden.cli import app
from warden.detect.images.facts import ImageFacts
from warden.enforce import directory, imagebytes
from warden.enforce.principal import SYSTEM
from warden.enforce.sealing import EvidenceKeyring
from warden.store import Database
from warden.store.tables import AuditEvent, ContentImage, ContentItem

runner = CliRunner()
OLD, NEW = secrets.token_bytes(32), secrets.token_bytes(32)


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
def kept(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, bytes]:
    """An image whose bytes were kept, sealed under OLD."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("WARDEN_DATABASE_URL", db.url)
    monkeypatch.setenv("WARDEN_EVIDENCE_KEY", _b64(OLD))
    raw = encode(scene(4))
    now = dt.datetime.now(dt.UTC)
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme")).id
        content = ContentItem(id="cnt_cli", org_id=org, content_type="image", text="", sha256="0" * 64, reach=0,
                              created_at=now)
        s.add(content)
        s.flush()
        facts = ImageFacts(0, "a" * 64, "b" * 32, "c" * 64, 100, "PNG", 480, 360, len(raw), "data", raw)
        image = ContentImage(id="img_cli", content_id=content.id, created_at=now, **facts.as_dict())
        imagebytes.seal(image, raw, EvidenceKeyring([OLD]))
        s.add(image)
    return "img_cli", raw


def test_keygen_prints_a_usable_key() -> None:
    result = runner.invoke(app, ["evidence", "keygen"])
    assert result.exit_code == 0 and len(base64.b64decode(result.stdout.strip())) == 32


def test_open_image_writes_the_bytes_and_audits_the_read(db: Database, kept: tuple[str, bytes], tmp_path: Path) -> None:
    image_id, raw = kept
    out = tmp_path / "read.png"
    result = runner.invoke(app, ["evidence", "open-image", image_id, "--purpose", "appeal 7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == raw
    with db.transaction() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "image.accessed")).all()
        assert event.subject_id == image_id and event.data["purpose"] == "appeal 7"
    again = runner.invoke(app, ["evidence", "open-image", image_id, "--purpose", "again", "--out", str(out)])
    assert again.exit_code == 1 and "not overwritten" in again.output
    missing = runner.invoke(app, ["evidence", "open-image", "img_nope", "--purpose", "look", "--out",
                                  str(tmp_path / "x.png")])
    assert missing.exit_code == 1 and "no image img_nope" in missing.output


def test_rekey_reseals_kept_images_after_a_rotation(db: Database, kept: tuple[str, bytes], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    image_id, raw = kept
    monkeypatch.setenv("WARDEN_EVIDENCE_KEY", f"{_b64(NEW)}\n{_b64(OLD)}")
    result = runner.invoke(app, ["evidence", "rekey"])
    assert result.exit_code == 0 and result.stdout.startswith("1 re-sealed"), result.output
    monkeypatch.setenv("WARDEN_EVIDENCE_KEY", _b64(NEW))  # the old key can go now
    out = tmp_path / "after.png"
    assert runner.invoke(app, ["evidence", "open-image", image_id, "--purpose", "check", "--out", str(out)]).exit_code == 0
    assert out.read_bytes() == raw
    monkeypatch.setenv("WARDEN_EVIDENCE_KEY", _b64(OLD))  # a key that no longer opens it: refused, nothing written
    refused = runner.invoke(app, ["evidence", "open-image", image_id, "--purpose", "old", "--out",
                                  str(tmp_path / "old.png")])
    assert refused.exit_code == 1 and not (tmp_path / "old.png").exists()
