"""The analyzers in the order they run; see `warden.review.analyzers`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warden.review.analyzers import disclosure, operations, purpose, usecases
from warden.review.facts import Fact
from warden.review.fields import TextField
from warden.review.schema import Submission

Analyzer = Callable[[Submission, Sequence[TextField]], list[Fact]]

ANALYZERS: dict[str, Analyzer] = {
    "operations": operations.analyze,
    "purpose": purpose.analyze,
    "disclosure": disclosure.analyze,
    "usecases": usecases.analyze,
}


def run_all(submission: Submission, fields: Sequence[TextField]) -> list[Fact]:
    facts: list[Fact] = []
    for analyze in ANALYZERS.values():
        facts.extend(analyze(submission, fields))
    return facts
