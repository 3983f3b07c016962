"""Facts the analyzers infer about a submission, with how sure they are and why.

A fact either adds a tag to a list in the context (`app.capabilities`,
`app.categories`, `app.audience`) or sets a value the builder did not declare
(`app.disclosures.ai`, `plugin.unexplained_operations`). What the builder
declared always wins over an inference. Facts at or above `CERTAIN` count as
established; weaker ones can only send a rule to a human.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CERTAIN = 0.8

LIST_PATHS = frozenset({"app.categories", "app.audience", "app.capabilities"})


@dataclass(frozen=True, slots=True)
class Fact:
    path: str  # a documented context path
    value: Any  # for LIST_PATHS: one tag to add; otherwise the value to set
    confidence: float
    analyzer: str
    detail: str
    field: str | None = None  # the text field it was read from
    start: int | None = None
    end: int | None = None

    @property
    def certain(self) -> bool:
        return self.confidence >= CERTAIN
