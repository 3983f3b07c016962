"""A read transaction takes no write lock on SQLite, so readers never queue behind a writer or block one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text

from warden.store.database import Database
from warden.store.tables import ApiKey


def _write_lock_free(path: Path) -> bool:
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def test_a_read_takes_no_write_lock_and_a_transaction_does(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = Database(f"sqlite:///{path}")
    with db.read() as s:
        s.execute(select(ApiKey)).all()
        assert _write_lock_free(path)
    with db.transaction() as s:
        s.execute(select(ApiKey)).all()
        assert not _write_lock_free(path)
    db.dispose()


def test_a_read_inside_a_transaction_reads_there(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'n.db'}")
    with db.transaction() as outer, db.read() as inner:
        assert inner is outer
    db.dispose()


def test_reads_see_committed_rows_and_postgres_reads_are_read_only(db: Database) -> None:
    with db.read() as s:
        assert s.execute(select(ApiKey)).all() == []
    if db.is_postgres:
        with pytest.raises(Exception, match="read-only"), db.read() as s:
            s.execute(text("CREATE TEMP TABLE t (x int)"))
