"""What detectors produce: scored categories with the evidence behind them."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

THRESHOLD = 0.5  # a category "fires" (OpenAI's `categories`, evaluation hits) at this score or above


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True)

    detail: str  # e.g. "visa card number (Luhn valid)", "nearest prototype: 0.83"
    start: int | None = None  # character span in the input text
    end: int | None = None
    part: int | None = None  # which content part, for multi-part inputs
    matched_hash: str | None = None


class Signal(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    score: float = Field(ge=0.0, le=1.0)
    detector: str  # name@version of the detector that produced it
    evidence: tuple[Evidence, ...] = ()


def max_scores(signals: Iterable[Signal]) -> dict[str, float]:
    """Category -> the highest score any detector gave it."""
    scores: dict[str, float] = {}
    for s in signals:
        scores[s.category] = max(scores.get(s.category, 0.0), s.score)
    return scores
