"""Sealed evidence is encrypted at rest, opened only through an audited read, and its keys rotate."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from warden.enforce import sealing
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.sealing import EvidenceKeyring, SealingError, key_id, new_key
from warden.settings import Settings
from warden.store import Database
from warden.store.tables import AuditEvent, ContentItem, Evidence, Organization


def _evidence(db: Database, keyring: EvidenceKeyring, text: bytes = b"sealed words") -> str:
    now = dt.datetime.now(dt.UTC)
    with db.transaction() as s:
        s.add(Organization(id="org_seal", name="Seal"))
        s.flush()
        s.add(ContentItem(id="cnt_seal", org_id="org_seal", text=None, sha256="0" * 64))
        s.flush()
        evidence = Evidence(id="evd_seal", org_id="org_seal", content_id="cnt_seal", data=b"", sha256="0" * 64,
                            md5="0" * 32, preserve_until=now + dt.timedelta(days=365))
        sealing.seal(evidence, text, keyring)
        s.add(evidence)
    return evidence.id


def test_keys_come_from_the_settings_and_rotate(tmp_path: Path) -> None:
    old, new = new_key(), new_key()
    settings = Settings(data_dir=tmp_path, evidence_key=old)
    sealed_with, blob = EvidenceKeyring.from_settings(settings).seal(b"text", "evd_1")
    assert b"text" not in blob and sealed_with == EvidenceKeyring.from_settings(settings).current
    key_file = tmp_path / "keys"
    key_file.write_text(f"# newest first\n{new}\n{old}  # retired\n")
    rotated = EvidenceKeyring.from_settings(Settings(data_dir=tmp_path, evidence_key_file=key_file))
    assert rotated.open(sealed_with, blob, "evd_1") == b"text"  # the old key still opens
    assert rotated.seal(b"x", "evd_2")[0] != sealed_with  # the new one seals
    with pytest.raises(SealingError, match="not configured"):
        EvidenceKeyring.from_settings(Settings(data_dir=tmp_path, evidence_key=new)).open(sealed_with, blob, "evd_1")
    with pytest.raises(SealingError, match="32 bytes"):
        EvidenceKeyring.from_settings(Settings(data_dir=tmp_path, evidence_key="c2hvcnQ="))


def test_a_key_file_is_created_on_first_use_readable_by_its_owner_only(tmp_path: Path) -> None:
    keyring = EvidenceKeyring.from_settings(Settings(data_dir=tmp_path))
    path = tmp_path / "evidence.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert EvidenceKeyring.from_settings(Settings(data_dir=tmp_path)).current == keyring.current  # kept


def test_evidence_opens_only_through_an_audited_read_of_its_own_row(db: Database) -> None:
    keyring = EvidenceKeyring.ephemeral()
    evidence_id = _evidence(db, keyring)
    with db.transaction() as s:
        row = s.get_one(Evidence, evidence_id)
        assert b"sealed words" not in row.data and row.key_id == keyring.current
        assert sealing.open_evidence(s, row, keyring, actor="platform_admin:ana", purpose="legal hold") == \
            b"sealed words"
        [event] = s.execute(select(AuditEvent).where(AuditEvent.action == "evidence.accessed")).scalars().all()
        assert event.actor == "platform_admin:ana" and event.data["purpose"] == "legal hold"
        assert event.data["key_id"] == keyring.current
        with pytest.raises(SealingError, match="altered"):
            keyring.open(row.key_id, row.data, "evd_other")  # the blob is bound to its row
        tampered = row.data[:-1] + bytes([row.data[-1] ^ 1])
        with pytest.raises(SealingError, match="altered"):
            keyring.open(row.key_id, tampered, row.id)


def test_rekey_reseals_under_the_current_key(db: Database) -> None:
    old = new_key()
    first = EvidenceKeyring.from_settings(Settings(evidence_key=old))
    evidence_id = _evidence(db, first)
    rotated = EvidenceKeyring.from_settings(Settings(evidence_key=f"{new_key()}\n{old}"))
    with db.transaction() as s:
        assert sealing.rekey(s, rotated) == 1
    with db.transaction() as s:
        row = s.get_one(Evidence, evidence_id)
        assert row.key_id == rotated.current != key_id(b"\0" * 32)
        assert rotated.open(row.key_id, row.data, row.id) == b"sealed words"
        assert sealing.rekey(s, rotated) == 0


def test_the_service_keyring_is_the_configured_one(tmp_path: Path) -> None:
    key = new_key()
    settings = CyberTipSettings.from_settings(Settings(data_dir=tmp_path, evidence_key=key))
    assert settings.keyring.current == EvidenceKeyring.from_settings(Settings(evidence_key=key)).current
    assert "keyring" not in settings.model_dump()
