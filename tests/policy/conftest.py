from __future__ import annotations

from pathlib import Path

import pytest

from warden.policy import PolicyLibrary, load_pack

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def mini_library() -> PolicyLibrary:
    return PolicyLibrary([load_pack(FIXTURES / "mini-pack.yaml")])


@pytest.fixture
def versioned_library() -> PolicyLibrary:
    return PolicyLibrary([load_pack(p) for p in sorted((FIXTURES / "versions").glob("*.yaml"))])
