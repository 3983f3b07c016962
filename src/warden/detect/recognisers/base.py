"""What a recogniser finds: a typed span of the input."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # e.g. "credit_card", "us_ssn", "aws_access_key"
    category: str  # the taxonomy category it signals
    score: float  # how sure the recogniser is that this is real
    start: int
    end: int
    detail: str

    def overlaps(self, other: Finding) -> bool:
        return self.start < other.end and other.start < self.end
