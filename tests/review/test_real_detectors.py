"""The fixtures with the real detectors (the embedded model and the recognisers), not the keyword fake.

The fake in `fakes.py` keeps the expected rule sets independent of a trained model; this test is the
other half (the lesson of DESIGN.md: a fake can hide a missing capability): the allowed/not-allowed
verdict matches on all but at most five fixtures (85 of 90) under each policy version, no fixture is
put under a CSAM citation it does not deserve, and no text of the benign child-adjacent sample opens a
CSAM case. The per-fixture table is `benchmarks/review.py`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from warden.detect.embedded.encoders import MODEL_DIR
from warden.detect.pipeline import DetectorSet
from warden.detect.registry import DEFAULT_PIPELINE
from warden.policy.library import PolicyLibrary


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "review.py"
    spec = importlib.util.spec_from_file_location("review_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
# Until the model is built into this checkout (Detector v2 ships `encoder.onnx`) there is nothing real to run.
pytestmark = pytest.mark.skipif(not (MODEL_DIR / "encoder.onnx").exists(),
                                reason="the embedded model (encoder.onnx) is not in this checkout")


@pytest.fixture(scope="module")
def detectors() -> DetectorSet:
    return DetectorSet.load(DEFAULT_PIPELINE)


@pytest.fixture(scope="module")
def fixtures(detectors: DetectorSet) -> dict[str, Any]:
    result: dict[str, Any] = BENCH.run_fixtures([BENCH.Memo(detectors)], PolicyLibrary.discover())
    return result


# The bar of issue 10: at least 85 fixtures with the expected verdict under each version (it had 90
# fixtures; there are 91). benchmarks/review.py: 85/91 (2023-03-23), 87/91 (2025-01-29) since the
# gate-routed cascade reads more builder instructions with stage 2, which is stricter on fake-news
# apps (illicit 0.83 on "fake news articles ... with invented quotes": fail where a reviewer's case
# was expected).
@pytest.mark.parametrize("version", BENCH.VERSIONS)
def test_real_detectors_get_the_expected_verdict(fixtures: dict[str, Any], version: str) -> None:
    wrong = [(r["fixture"], r[version]["expected"], r[version]["got"]) for r in fixtures["rows"]
             if not r[version]["ok"]]
    assert fixtures["totals"][version] >= 85, wrong


@pytest.mark.parametrize("version", BENCH.VERSIONS)
def test_no_undeserved_csam_citation(fixtures: dict[str, Any], version: str) -> None:
    assert [r["fixture"] for r in fixtures["rows"] if r[version]["csam_flag"]] == []


def test_benign_sample_opens_no_csam_case(detectors: DetectorSet) -> None:
    benign = BENCH.run_benign(detectors, PolicyLibrary.discover())
    assert benign["csam_cases"] == 0, [r["text"] for r in benign["rows"] if r["csam_case"]]
