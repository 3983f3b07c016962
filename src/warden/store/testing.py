"""Fresh databases for tests, on SQLite always and on PostgreSQL when configured.

Set ``WARDEN_TEST_POSTGRES_URL`` (``scripts/postgres.sh`` prints one) to run the
same tests against PostgreSQL too. SQLite tests copy a migrated template file;
PostgreSQL tests migrate once and empty every table between tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import text

from warden.store.database import Database
from warden.store.tables import Base

POSTGRES_ENV = "WARDEN_TEST_POSTGRES_URL"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if _postgres_url() else ["sqlite"]


def _postgres_url() -> str | None:
    from warden.settings import Settings

    return Settings.from_env().test_postgres_url


class FreshDatabases:
    """Hands out an empty, migrated database per test for one backend."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self.workdir = workdir
        self._count = 0
        self._pg: Database | None = None
        if backend == "sqlite":
            self._template = workdir / "template.db"
            Database(f"sqlite:///{self._template}").dispose()
        else:
            self._pg = Database(_postgres_url())

    def new(self) -> Database:
        if self._pg is not None:
            self._truncate(self._pg)
            return Database(self._pg.url, migrate=False)
        self._count += 1
        path = self.workdir / f"test-{self._count}.db"
        shutil.copyfile(self._template, path)
        return Database(f"sqlite:///{path}", migrate=False)

    @staticmethod
    def _truncate(db: Database) -> None:
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
            conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})

    def close(self) -> None:
        if self._pg is not None:
            self._pg.dispose()
