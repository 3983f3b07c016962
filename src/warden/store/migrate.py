"""Run the Alembic migrations shipped inside the package."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

SCRIPTS = str(resources.files("warden.store") / "migrations")


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPTS)
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
