"""Fixtures shared across areas: databases on every configured store, and the mini policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from warden.policy import PolicyLibrary, load_pack
from warden.policy.layering import EffectivePolicy
from warden.store import Database
from warden.store.testing import FreshDatabases, backends

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session", params=backends())
def fresh(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshDatabases]:
    """A factory of empty databases: SQLite always, PostgreSQL when WARDEN_TEST_POSTGRES_URL is set."""
    factory = FreshDatabases(request.param, Path(tmp_path_factory.mktemp(f"db-{request.param}")))
    yield factory
    factory.close()


@pytest.fixture
def db(fresh: FreshDatabases) -> Iterator[Database]:
    database = fresh.new()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def mini_policy() -> EffectivePolicy:
    return PolicyLibrary([load_pack(FIXTURES / "mini-pack.yaml")]).effective(packs=["mini"])
