"""The deterministic recognisers as one detector: spans as evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warden.detect.protocol import TextDetector
from warden.detect.recognisers import cards, contact, credentials, govids, minors, profanity, secrets
from warden.detect.recognisers.base import Finding
from warden.detect.signals import Evidence, Signal

RECOGNISERS: dict[str, Callable[[str], list[Finding]]] = {
    "cards": cards.find,
    "government-ids": govids.find,
    "secrets": secrets.find,
    "credentials": credentials.find,
    "contact": contact.find,
    "profanity": profanity.find,
    "minors": minors.find,
}

# What each recogniser can report (the category coverage test reads this).
PRODUCES: dict[str, tuple[str, ...]] = {
    "cards": ("secrets",),
    "government-ids": ("secrets",),
    "secrets": ("secrets",),
    "credentials": ("secrets", "fraud"),
    "contact": ("pii",),
    "profanity": ("profanity",),
    "minors": ("minors",),
}


def find_all(text: str, only: Sequence[str] | None = None) -> list[Finding]:
    """Every finding, longest-first where two recognisers claim overlapping spans of one category."""
    findings = [f for name, fn in RECOGNISERS.items() if only is None or name in only for f in fn(text)]
    findings.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for f in findings:
        if any(k.category == f.category and k.overlaps(f) for k in kept):
            continue
        kept.append(f)
    return kept


class RecogniserDetector(TextDetector):
    name = "recognisers"
    version = "1"

    def __init__(self, only: Sequence[str] | None = None) -> None:
        unknown = set(only or ()) - set(RECOGNISERS)
        if unknown:
            raise ValueError(f"unknown recognisers: {', '.join(sorted(unknown))}; known: {', '.join(RECOGNISERS)}")
        self.only = list(only) if only else None
        self.categories = tuple(dict.fromkeys(c for name in (self.only or RECOGNISERS) for c in PRODUCES[name]))

    def signals_for(self, text: str) -> list[Signal]:
        by_category: dict[str, list[Finding]] = {}
        for f in find_all(text, self.only):
            by_category.setdefault(f.category, []).append(f)
        return [
            Signal(
                category=category,
                score=max(f.score for f in findings),
                detector=self.ident,
                evidence=tuple(Evidence(detail=f.detail, start=f.start, end=f.end) for f in findings),
            )
            for category, findings in by_category.items()
        ]

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        return [self.signals_for(t) for t in texts]
