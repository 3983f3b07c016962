"""The store: migrations match the models, SQLite settings, default location."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from warden.store import Database, default_path, default_url
from warden.store.tables import Base


def test_migrations_produce_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nested' / 'w.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with pytest.raises(Exception, match="FOREIGN KEY"), db.transaction() as s:
        s.execute(text("INSERT INTO workspaces (id, org_id, name, created_at) "
                       "VALUES ('ws_1', 'org_missing', 'x', '2026-01-01 00:00:00')"))
    Database(db.url).dispose()  # migrating again is a no-op


def test_default_location_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("WARDEN_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == tmp_path / "warden" / "warden.db"
    assert default_url() == f"sqlite:///{tmp_path / 'warden' / 'warden.db'}"
    monkeypatch.setenv("WARDEN_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert default_url() == "postgresql+psycopg://u@h/db"


def test_a_failing_transaction_leaves_nothing(db: Database) -> None:
    from warden.enforce import audit

    with pytest.raises(RuntimeError), db.transaction() as s:
        audit.record(s, actor="t", action="x", subject_type="t", subject_id="1", org_id=None)
        raise RuntimeError("crash between the change and the commit")
    with db.transaction() as s:
        assert s.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0
        assert s.execute(text("SELECT seq FROM audit_head")).scalar() == 0
