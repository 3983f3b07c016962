"""Run the detectors over every text field of a submission and keep where each signal came from.

Detection goes through the screening service (`warden.screening.Screener.detect`), the same path
/v1/moderations and /v1/submissions take; the review engine applies its own use-case rules after."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from warden.detect.protocol import Detector
from warden.detect.quality import superseded
from warden.detect.signals import Signal
from warden.review.fields import TextField
from warden.screening import Screener


@dataclass(frozen=True, slots=True)
class FieldSignal:
    field: TextField
    signal: Signal


@dataclass
class Screening:
    hits: list[FieldSignal] = field(default_factory=list)
    detectors: list[str] = field(default_factory=list)

    def scores(self, names_only: bool = False) -> dict[str, float]:
        out: dict[str, float] = {}
        for hit in self.hits:
            if names_only and not hit.field.is_name:
                continue
            out[hit.signal.category] = max(out.get(hit.signal.category, 0.0), hit.signal.score)
        return out

    def for_category(self, category: str, min_score: float = 0.0, names_only: bool = False) -> list[FieldSignal]:
        found = [
            h for h in self.hits
            if h.signal.category == category and h.signal.score >= min_score and (h.field.is_name or not names_only)
        ]
        return sorted(found, key=lambda h: -h.signal.score)


def _coverage(detectors: Sequence[Detector], attribute: str) -> dict[str, frozenset[str]]:
    """Category -> names of the detectors that declare it in `attribute` (a frozenset of categories)."""
    out: dict[str, frozenset[str]] = {}
    for d in detectors:
        for category in getattr(d, attribute, frozenset()):
            out[category] = out.get(category, frozenset()) | {d.name}
    return out


def screen(fields: Sequence[TextField], detectors: Sequence[Detector]) -> Screening:
    result = Screening()
    if not fields:
        return result
    if not detectors:
        return result
    texts = [f.text for f in fields]
    # Detectors that are the measured source for some categories in review replace the other
    # detectors' scores for them (`covers`), or those of weak sources only (`covers_weak`).
    covers, covers_weak = _coverage(detectors, "covers"), _coverage(detectors, "covers_weak")
    for detector in Screener(detectors).detectors:  # detector by detector, so evidence keeps its order
        result.detectors.append(f"{detector.name}@{detector.version}")
        for f, found in zip(fields, Screener(detector).detect(texts), strict=True):
            kept = superseded((s for s in found.signals if s.score > 0.0), covers, covers_weak)
            result.hits.extend(FieldSignal(f, s) for s in kept)
    return result
