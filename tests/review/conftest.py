from __future__ import annotations

import pytest

from review.fakes import borderline_keywords, review_keywords
from warden.detect.recognisers.detector import RecogniserDetector
from warden.policy.library import PolicyLibrary
from warden.review.engine import Reviewer


@pytest.fixture(scope="session")
def library() -> PolicyLibrary:
    return PolicyLibrary.discover()


@pytest.fixture(scope="session")
def reviewers(library: PolicyLibrary) -> dict[str, Reviewer]:
    detectors = [RecogniserDetector(), review_keywords(), borderline_keywords()]
    return {
        version: Reviewer(library.effective(packs=[f"openai-usage@{version}"]), detectors)
        for version in ("2023-03-23", "2025-01-29")
    }
