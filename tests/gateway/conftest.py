"""Fixtures of the gateway tests (see harness.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.harness import Gateway, running
from warden.store import Database


@pytest.fixture
def gateway_options() -> dict[str, Any]:
    """Extra GatewaySettings for a test (override with a fixture of the same name)."""
    return {}


@pytest.fixture
def gw(db: Database, gateway_options: dict[str, Any]) -> Iterator[Gateway]:
    with running(db, **gateway_options) as env:
        yield env
