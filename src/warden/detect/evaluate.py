"""`warden eval`: measure any detector pipeline on any labelled JSONL file.

Each line: `text` (or `prompt`), `flagged` (0/1 or true/false) and optionally
`categories` ({"hate": 1, ...}, taxonomy names). Streams the file in batches,
so size does not matter. A row with `flagged: 0` and no categories counts as
a negative for every category; a flagged row without categories counts for
the overall figures only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from warden.categories import is_category
from warden.detect.metrics import binary, from_counts
from warden.detect.signals import THRESHOLD
from warden.errors import InvalidInput


class Scored(Protocol):
    @property
    def flagged(self) -> bool: ...

    @property
    def scores(self) -> Mapping[str, float]: ...


class Screens(Protocol):
    """What evaluation runs: the screening service (`warden.screening.Screener`) or anything shaped like it."""

    def screen(self, contents: Sequence[str]) -> Sequence[Scored]: ...


class EvalDataError(InvalidInput, ValueError):
    """The file cannot be evaluated (no usable rows, not JSONL)."""


@dataclass
class Row:
    text: str
    flagged: bool
    categories: dict[str, bool] | None


@dataclass(frozen=True)
class Fields:
    """Where a file keeps its text and its label (defaults: the harness's own format)."""

    text: tuple[str, ...] = ("text", "prompt")
    flagged: str = "flagged"
    positives: frozenset[str] = frozenset()  # string labels meaning flagged, e.g. {"harmful", "spam"}


def _bool(value: Any, positives: frozenset[str] = frozenset()) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value >= 0.5
    if isinstance(value, str):
        v = value.strip().lower()
        if positives:
            return v in positives
        if v in {"1", "0", "1.0", "0.0", "true", "false", "yes", "no"}:
            return v in {"1", "1.0", "true", "yes"}
    return None


def parse_row(obj: Any, fields: Fields = Fields()) -> Row | None:
    if not isinstance(obj, dict):
        return None
    text = next((obj[k] for k in fields.text if isinstance(obj.get(k), str)), None)
    flagged = _bool(obj.get(fields.flagged), fields.positives)
    if not isinstance(text, str) or flagged is None:
        return None
    cats = obj.get("categories")
    categories = None
    if isinstance(cats, dict):
        categories = {k: b for k, v in cats.items() if (b := _bool(v)) is not None}
    return Row(text, flagged, categories)


@dataclass
class Report:
    path: str
    rows: int = 0
    skipped: int = 0
    seconds: float = 0.0
    unknown_categories: set[str] = field(default_factory=set)
    overall: dict[str, Any] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def texts_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "rows": self.rows,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "texts_per_second": round(self.texts_per_second, 1),
            "overall": self.overall,
            "categories": self.categories,
            "unknown_categories": sorted(self.unknown_categories),
        }


def read_rows(path: Path, report: Report, fields: Fields = Fields()) -> Iterator[Row]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                row = parse_row(json.loads(line), fields)
            except json.JSONDecodeError:
                row = None
            if row is None:
                report.skipped += 1
                continue
            yield row


def evaluate(
    path: Path,
    screener: Screens,
    batch_size: int = 256,
    on_batch: Callable[[int], None] | None = None,
    fields: Fields = Fields(),
) -> Report:
    report = Report(str(path))
    truth: list[bool] = []
    predicted: list[bool] = []
    labelled = 0  # rows whose category labels are known (all absent ones negative)
    counts: dict[str, list[int]] = {}  # category -> [tp, fp, fn]
    rows: list[Row] = []

    def flush() -> None:
        nonlocal labelled
        outcomes = screener.screen([r.text for r in rows])
        for row, outcome in zip(rows, outcomes, strict=True):
            truth.append(row.flagged)
            predicted.append(outcome.flagged)
            labels = row.categories if row.categories is not None else ({} if not row.flagged else None)
            if labels is None:
                continue  # flagged, category unknown: overall figures only
            labelled += 1
            report.unknown_categories |= {k for k in labels if not is_category(k)}
            hits = {k for k, v in outcome.scores.items() if v >= THRESHOLD}
            for name in hits | {k for k, v in labels.items() if v and is_category(k)}:
                c = counts.setdefault(name, [0, 0, 0])
                true, pred = labels.get(name, False), name in hits
                c[0 if true and pred else 1 if pred else 2] += 1
        if on_batch is not None:
            on_batch(len(rows))
        rows.clear()

    start = time.perf_counter()
    for row in read_rows(path, report, fields):
        rows.append(row)
        if len(rows) >= batch_size:
            flush()
    if rows:
        flush()
    report.seconds = time.perf_counter() - start
    report.rows = len(truth)
    if not truth:
        raise EvalDataError(
            f"{path}: no usable rows ({report.skipped} skipped); each line needs "
            f"{' or '.join(f'`{k}`' for k in fields.text)} and `{fields.flagged}`"
        )
    overall = binary(np.array(truth), np.array(predicted))
    report.overall = overall.as_dict()
    for name, (tp, fp, fn) in sorted(counts.items()):
        if tp + fn:
            report.categories[name] = from_counts(tp, fp, fn, labelled - tp - fp - fn).as_dict()
    return report
