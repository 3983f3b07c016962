"""Fixtures: the shipped keyword detector, for tests that exercise plumbing, not the model."""

from __future__ import annotations

import pytest

from warden.detect.testing import KeywordDetector

KEYWORDS = {"hate": (0.9, ["hate"]), "violence": (0.9, ["kill"]), "prompt-injection": (0.9, ["ignore previous"])}


@pytest.fixture
def keywords() -> KeywordDetector:
    return KeywordDetector(KEYWORDS, overall="unsafe")
