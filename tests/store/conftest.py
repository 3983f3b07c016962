from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from warden.store import Database
from warden.store.testing import FreshDatabases, backends


@pytest.fixture(scope="session", params=backends())
def fresh(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshDatabases]:
    factory = FreshDatabases(request.param, Path(tmp_path_factory.mktemp(f"db-{request.param}")))
    yield factory
    factory.close()


@pytest.fixture
def db(fresh: FreshDatabases) -> Iterator[Database]:
    database = fresh.new()
    yield database
    database.dispose()
