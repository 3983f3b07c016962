"""Alembic environment: runs on the connection handed over by warden.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from warden.store.database import default_url
from warden.store.tables import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:  # the `alembic` command line, e.g. `alembic revision --autogenerate`
    with create_engine(config.get_main_option("sqlalchemy.url") or default_url()).begin() as conn:
        _run(conn)
