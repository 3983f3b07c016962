"""A deterministic detector shipped for tests and demos, as httpx ships `MockTransport`.

`KeywordDetector` scores a category when one of its phrases occurs in the text
(case-insensitively), with the phrase's span as evidence. It implements the same
`Detector` protocol as every backend, so a test double goes through the real
`DetectorSet`, screening service and decision; what it cannot show is the real
models' quality, which `benchmarks/` and the tests over the real pipeline measure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from warden.detect.protocol import TextDetector
from warden.detect.signals import Evidence, Signal

Keywords = Mapping[str, tuple[float, Sequence[str]]]  # category -> (score, phrases)

_NEGATED = re.compile(r"\b(?:never|not|don't|do not|no|refuse to|won't)\W+(?:\w+\W+){0,2}$", re.I)


class KeywordDetector(TextDetector):
    """Phrase rules as a detector.

    `negation`: a "never"/"do not"/... just before a phrase cancels it (advice is not intent).
    `overall`: also score this category (e.g. "unsafe", the overall head) when any phrase matched."""

    name = "keywords"

    def __init__(self, keywords: Keywords, *, negation: bool = False, overall: str | None = None,
                 version: str = "test") -> None:
        self.keywords = {c: (score, tuple(p.lower() for p in phrases)) for c, (score, phrases) in keywords.items()}
        self.negation = negation
        self.overall = overall
        self.version = version

    def signals_for(self, text: str) -> list[Signal]:
        signals = []
        lowered = text.lower()
        for category, (score, phrases) in self.keywords.items():
            spans = []
            for phrase in phrases:
                for m in re.finditer(re.escape(phrase), lowered):
                    if self.negation and _NEGATED.search(lowered[max(0, m.start() - 30) : m.start()]):
                        continue
                    spans.append(Evidence(detail=f"keyword {phrase!r}", start=m.start(), end=m.end()))
            if spans:
                signals.append(Signal(category=category, score=score, detector=self.ident, evidence=tuple(spans)))
        if signals and self.overall is not None:
            signals.append(Signal(category=self.overall, score=max(s.score for s in signals), detector=self.ident))
        return signals

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        return [self.signals_for(t) for t in texts]
