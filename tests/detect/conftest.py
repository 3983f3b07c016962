"""Fixtures: a deterministic keyword detector for tests that exercise plumbing, not the model."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from warden.detect.protocol import TextDetector
from warden.detect.signals import Signal

KEYWORDS = {"hate": "hate", "kill": "violence", "ignore previous": "prompt-injection"}


class KeywordDetector(TextDetector):
    name = "keywords"
    version = "test"

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        out = []
        for text in texts:
            hits = {cat for word, cat in KEYWORDS.items() if word in text.lower()}
            signals = [Signal(category=c, score=0.9, detector=self.ident) for c in sorted(hits)]
            if hits:
                signals.append(Signal(category="unsafe", score=0.9, detector=self.ident))
            out.append(signals)
        return out


@pytest.fixture
def keywords() -> KeywordDetector:
    return KeywordDetector()
