"""Evidence spans in a content excerpt, as segments a template marks up (`<mark>` with the detail)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from warden.detect.signals import Signal


class Segment(BaseModel):
    text: str
    mark: str | None = None  # the evidence's detail, when this segment is evidence


def segments(text: str, signals: Iterable[Signal]) -> list[Segment]:
    spans = sorted({(e.start, e.end, f"{s.category}: {e.detail}") for s in signals for e in s.evidence
                    if e.start is not None and e.end is not None and e.part in (None, 0)
                    and 0 <= e.start < e.end <= len(text)})
    out: list[Segment] = []
    at = 0
    for start, end, detail in spans:
        if start < at:  # overlapping spans: keep the first
            continue
        if start > at:
            out.append(Segment(text=text[at:start]))
        out.append(Segment(text=text[start:end], mark=detail))
        at = end
    if at < len(text):
        out.append(Segment(text=text[at:]))
    return out
