"""Signed anchors of the audit chain catch what the chain alone cannot: a cut or re-hashed tail."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete, select
from typer.testing import CliRunner

from warden.cli import app
from warden.enforce import anchor, audit
from warden.store import Database
from warden.store.tables import AuditEvent, AuditHead

runner = CliRunner()


def _events(db: Database, n: int, start: int = 0) -> None:
    with db.transaction() as s:
        for i in range(start, start + n):
            audit.record(s, actor="test", action="thing.done", subject_type="thing", subject_id=f"t{i}", org_id=None,
                         data={"i": i})


def _rehash_from(db: Database, seq: int) -> None:
    """What an intruder with database access does: edit event `seq` and re-hash everything after it."""
    with db.transaction() as s:
        rows = s.execute(select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)).scalars().all()
        prev = s.get_one(AuditEvent, seq - 1).hash if seq > 1 else audit.GENESIS
        for event in rows:
            if event.seq == seq:
                event.data = {"i": -1}
            event.prev_hash = prev
            event.hash = audit._digest(event)
            prev = event.hash
        head = s.get_one(AuditHead, 1)
        head.hash = prev


def _truncate_after(db: Database, seq: int) -> None:
    with db.transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq > seq))
        head = s.get_one(AuditHead, 1)
        head.seq, head.hash = seq, s.get_one(AuditEvent, seq).hash


def test_an_anchor_detects_a_truncated_tail_the_chain_does_not(db: Database, tmp_path: Path) -> None:
    key = tmp_path / "anchor.pem"
    public = anchor.generate_key(key)
    _events(db, 5)
    with db.transaction() as s:
        signed = anchor.export(s, anchor.load_key(key))
    assert signed.seq == 5
    _events(db, 3, start=5)
    with db.transaction() as s:
        assert anchor.check(s, signed, public) == []
    _truncate_after(db, 4)  # the anchored event 5 and everything after are gone; the head points at 4
    with db.transaction() as s:
        assert audit.verify(s).ok  # consistent on its own
        [problem] = anchor.check(s, signed, public)
    assert "cut off" in problem.problem


def test_an_anchor_detects_a_rewritten_tail(db: Database, tmp_path: Path) -> None:
    key = tmp_path / "anchor.pem"
    public = anchor.generate_key(key)
    _events(db, 6)
    with db.transaction() as s:
        signed = anchor.export(s, anchor.load_key(key))
    _rehash_from(db, 3)
    with db.transaction() as s:
        assert audit.verify(s).ok
        [problem] = anchor.check(s, signed, public)
    assert "rewritten" in problem.problem


def test_a_forged_anchor_or_another_signer_is_refused(db: Database, tmp_path: Path) -> None:
    key = tmp_path / "anchor.pem"
    anchor.generate_key(key)
    other = anchor.generate_key(tmp_path / "other.pem")
    _events(db, 2)
    with db.transaction() as s:
        signed = anchor.export(s, anchor.load_key(key))
        forged = signed.model_copy(update={"seq": 1})
        assert "signature" in anchor.check(s, forged)[0].problem
        assert "signature" in anchor.check(s, signed, other)[0].problem


def test_the_cli_exports_and_verifies_anchors(db: Database, tmp_path: Path) -> None:
    url = ["--database", db.url]
    made = runner.invoke(app, ["audit", "keygen", "--out", str(tmp_path / "k.pem")])
    assert made.exit_code == 0, made.output
    (tmp_path / "k.pub").write_text(made.stdout)
    _events(db, 4)
    exported = runner.invoke(app, ["audit", "anchor", "--key", str(tmp_path / "k.pem"), "--dir",
                                   str(tmp_path / "anchors"), *url])
    assert exported.exit_code == 0, exported.output
    latest = tmp_path / "anchors" / "latest.json"
    assert json.loads(latest.read_text())["seq"] == 4
    ok = runner.invoke(app, ["audit", "verify", "--anchor", str(latest), "--public-key", str(tmp_path / "k.pub"),
                             *url])
    assert ok.exit_code == 0 and "consistent with the anchor at event 4" in ok.stdout
    _truncate_after(db, 2)
    cut = runner.invoke(app, ["audit", "verify", "--anchor", str(latest), *url])
    assert cut.exit_code == 1 and "cut off" in cut.stderr
    assert runner.invoke(app, ["audit", "keygen", "--out", str(tmp_path / "k.pem")]).exit_code == 1  # no overwrite


def test_the_worker_anchors_on_a_schedule(db: Database, tmp_path: Path) -> None:
    anchor.generate_key(tmp_path / "k.pem")
    _events(db, 1)
    worker = anchor.AnchorWorker(db, tmp_path / "k.pem", tmp_path / "out", every=0.05)
    worker.start()
    try:
        for _ in range(100):
            if len(worker.written) >= 2:
                break
            worker.stopped.wait(0.05)
    finally:
        worker.stop()
    assert len(worker.written) >= 2 and (tmp_path / "out" / "latest.json").exists()
    with db.transaction() as s:  # each export is itself audited, and the chain still verifies
        assert audit.verify(s).ok
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "audit.anchored")).scalars().first()
