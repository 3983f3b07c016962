"""Engine, sessions and first-use migrations.

The default store is a SQLite file at ``$XDG_DATA_HOME/warden/warden.db``
(``~/.local/share/warden/warden.db``), created and migrated on first use; set
``WARDEN_DATABASE_URL`` to any SQLAlchemy URL (``postgresql+psycopg://…`` in
production) to use another. SQLite runs with WAL and foreign keys on, and every
write transaction begins IMMEDIATE so that concurrent writers queue instead of
failing half-way; `Database.read()` opens a read transaction (a deferred BEGIN on
SQLite, which takes no write lock; READ ONLY on PostgreSQL) for work that only reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

ENV_URL = "WARDEN_DATABASE_URL"


def default_path() -> Path:
    """Where the embedded store lives: `Settings.data_dir / "warden.db"`."""
    from warden.settings import Settings

    return Settings.from_env().data_dir / "warden.db"


def default_url() -> str:
    """The configured store (`Settings.database_url`)."""
    from warden.settings import Settings

    return Settings.from_env().database_url


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if _reading.get() else "BEGIN IMMEDIATE")


_reading: ContextVar[bool] = ContextVar("warden_read_transaction", default=False)
_open: ContextVar[tuple[Database, Session] | None] = ContextVar("warden_open_transaction", default=None)


class Database:
    """One store: an engine, a session factory, and the schema kept at head."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = url or default_url()
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _sqlite_setup(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def migrate(self) -> None:
        from warden.store.migrate import upgrade

        upgrade(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together on success and rolls back on any error."""
        session = self._sessions()
        token = _open.set((self, session))
        try:
            with session.begin():
                yield session
        finally:
            _open.reset(token)
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction for reads only: on SQLite it takes no write lock, so readers never queue behind
        writers (WAL); on PostgreSQL it is READ ONLY. A write inside it is an error on PostgreSQL and may
        meet a busy database on SQLite: use `transaction()` for anything that writes."""
        open_already = self.current()
        if open_already is not None:  # already inside a transaction on this store: read there
            yield open_already
            return
        token = _reading.set(True)
        try:
            with self.transaction() as session:
                if self.is_postgres:
                    session.execute(text("SET TRANSACTION READ ONLY"))
                yield session
        finally:
            _reading.reset(token)

    def current(self) -> Session | None:
        """The transaction this context already has open on this store, if any: a reader called from inside
        one (the policy provider's stored overlays) uses it instead of waiting on its own write lock."""
        found = _open.get()
        return found[1] if found is not None and found[0] is self else None

    def dispose(self) -> None:
        self.engine.dispose()
