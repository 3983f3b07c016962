"""Matching phrase patterns over text fields, with negation and a span for the evidence."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from warden.review.fields import TextField

_NEGATION = re.compile(
    r"\b(?:never|not|no|don't|do not|doesn't|does not|won't|will not|must not|mustn't|refuse to|avoid)\W+"
    r"(?:\w+\W+){0,2}$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Cue:
    """A pattern and what a match means."""

    pattern: re.Pattern[str]
    confidence: float
    detail: str
    negatable: bool = True  # a preceding "never"/"do not" turns the match into advice, not intent


@dataclass(frozen=True, slots=True)
class Hit:
    field: TextField
    start: int
    end: int
    cue: Cue

    @property
    def excerpt(self) -> str:
        return self.field.text[self.start : self.end]


def cue(pattern: str, confidence: float, detail: str, negatable: bool = True) -> Cue:
    return Cue(re.compile(pattern, re.I), confidence, detail, negatable)


def negated(text: str, start: int) -> bool:
    return _NEGATION.search(text[max(0, start - 40) : start]) is not None


def find(fields: Iterable[TextField], cues: Sequence[Cue]) -> list[Hit]:
    hits: list[Hit] = []
    for field in fields:
        for c in cues:
            for m in c.pattern.finditer(field.text):
                if c.negatable and negated(field.text, m.start()):
                    continue
                hits.append(Hit(field, m.start(), m.end(), c))
    return hits


def best(hits: Sequence[Hit]) -> Hit | None:
    return max(hits, key=lambda h: h.cue.confidence, default=None)
