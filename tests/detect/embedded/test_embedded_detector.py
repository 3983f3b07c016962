"""The shipped embedded detector, for real: the committed model files, onnxruntime, no torch.

These are the obvious cases a new user tries first; the quality figures are in docs/model-card.md
(benchmarks/quality.py), not here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from warden.categories import CATEGORIES
from warden.detect.embedded.detector import FLAGGED, KEPT_CEILING, EmbeddedDetector, flag_score
from warden.detect.embedded.encoders import MODEL_DIR

THREATS = [
    "I will kill you and your whole family",
    "I will find you tonight and cut your throat.",
    "You're dead. I know where you live and I'm coming for you.",
]
EVERYDAY = [
    "How do I bake sourdough bread?",
    "How do I kill a Python process that hangs?",
    "What's the best way to shoot a sunset on my phone?",
    "Can you plan a three-day trip to Lisbon for me?",
    "Write a function that reverses a linked list.",
]


@pytest.fixture(scope="module")
def detector() -> EmbeddedDetector:
    det = EmbeddedDetector()
    det.warm()
    return det


def test_model_files_are_shipped_and_small() -> None:
    onnx = MODEL_DIR / "encoder.onnx"
    assert onnx.exists() and onnx.stat().st_size < 26_000_000
    meta = json.loads((MODEL_DIR / "heads.json").read_text())
    assert meta["names"][0] == FLAGGED and set(meta["names"]) <= set(CATEGORIES)


def test_direct_threats_are_flagged_as_threats(detector: EmbeddedDetector) -> None:
    scores, _ = detector.score_texts(THREATS)
    names = detector.heads.names
    assert (flag_score(scores, names) >= 0.5).all()
    threat = [max(row[names.index("harassment/threatening")], row[names.index("violence")]) for row in scores]
    assert min(threat) >= 0.5, dict(zip(THREATS, threat, strict=True))


def test_everyday_requests_are_not_flagged(detector: EmbeddedDetector) -> None:
    scores, _ = detector.score_texts(EVERYDAY)
    flags = flag_score(scores, detector.heads.names)
    assert (flags < 0.5).all(), dict(zip(EVERYDAY, flags.round(2).tolist(), strict=True))


def test_each_stage_alone_and_the_cascade_agree_on_shape(detector: EmbeddedDetector) -> None:
    for mode in ("static", "minilm", "cascade"):
        scores, escalated = EmbeddedDetector(mode=mode).score_texts(["hello", "I will hurt you"])
        assert scores.shape == (2, len(detector.heads.names)) and escalated.shape == (2,)
        assert ((scores >= 0) & (scores <= 1)).all()


def test_serving_needs_no_torch() -> None:
    code = ("import sys; from warden.detect.embedded.detector import EmbeddedDetector; "
            "EmbeddedDetector(mode='minilm').score_texts(['hello']); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"


# Short everyday texts and app fields that stage 1 keeps: before stage 1 cleared every head, the
# policy-category heads scored them 0.4-0.5 ("food": biometrics 0.46, gambling 0.40).
APP_FIELDS = ["Sourdough Sensei", "food", "Menu Translator", "Convert between grams and cups on request."]


def test_a_text_stage_1_keeps_fires_no_head(detector: EmbeddedDetector) -> None:
    scores, escalated = detector.score_texts(APP_FIELDS)
    kept = ~escalated
    assert kept.any()
    assert (scores[kept] <= KEPT_CEILING + 1e-6).all()
    for text, row in zip(APP_FIELDS, scores, strict=True):
        high = {n: round(float(s), 2) for n, s in zip(detector.heads.names, row, strict=True) if s >= 0.5}
        assert not high, (text, high)
