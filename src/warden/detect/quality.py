"""Which signals are weak evidence: categories a detector produces but measures poorly.

The embedded model's policy-category heads (regulated advice, campaigning, elections, gambling,
high-stakes decisions, manipulation, biometrics...) are trained on a few dozen project-written
exemplars each; their scores are worth a human's look, not an automatic block. A detector's weak
categories come from its measured quality where the model ships it (`metrics.json`: held-out F1 per
category, below `WEAK_F1`), else from the list of heads trained on project exemplars only.

`decide` uses this: a violation whose only evidence is weak signals is routed to human review
(verdict `flag`, `weak_evidence`), never enforced silently nor dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from warden.detect.signals import Signal

WEAK_F1 = 0.6
# Heads trained on project-written exemplars only (docs/model-card.md): weak until measured otherwise.
EXEMPLAR_HEADS = frozenset({
    "regulated-advice", "high-stakes-decisions", "political-campaigning", "elections", "gambling",
    "manipulation", "biometrics",
})


def _measured(metrics: dict[str, Any]) -> dict[str, float] | None:
    """Per-category held-out F1, if the metrics file carries it."""
    for key in ("heldout", "probes", "by_category", "categories"):
        table = metrics.get(key)
        if isinstance(table, dict) and table and all(isinstance(v, dict) for v in table.values()):
            f1 = {c: v.get("f1") for c, v in table.items()}
            if all(isinstance(x, int | float) for x in f1.values()):
                return {c: float(x) for c, x in f1.items() if x is not None}
    return None


@cache
def embedded_weak() -> frozenset[str]:
    try:
        text = (resources.files("warden.detect") / "model" / "metrics.json").read_text()
        measured = _measured(json.loads(text))
    except (OSError, ValueError):
        measured = None
    if measured is None:
        return EXEMPLAR_HEADS
    return frozenset(c for c, f1 in measured.items() if f1 < WEAK_F1) | (EXEMPLAR_HEADS - set(measured))


def weak_categories(detector: str) -> frozenset[str]:
    """Categories a detector (`name@version`) measures poorly."""
    return embedded_weak() if detector.split("@", 1)[0] == "embedded" else frozenset()


def superseded(
    signals: Iterable[Signal], covers: Mapping[str, frozenset[str]], covers_weak: Mapping[str, frozenset[str]]
) -> list[Signal]:
    """`signals` less those a covering detector replaces, in a context such as app review where
    detectors written for that text ran (its use-case and pattern readers, measured by
    benchmarks/review.py). Both maps go from a category to the names of the detectors covering it:

    - `covers`: the category is read by those detectors only; every other source's score for it is
      left out (the embedded model, trained on user prompts, reads a builder's instructions as a
      jailbreak or as spam);
    - `covers_weak`: other sources' scores for it are left out where they are weak (`weak_categories`),
      as the model's policy-category heads are; a strong head (fraud) still counts."""
    out = []
    for s in signals:
        source = s.detector.split("@", 1)[0]
        if s.category in covers and source not in covers[s.category]:
            continue
        if (s.category in covers_weak and source not in covers_weak[s.category]
                and s.category in weak_categories(s.detector)):
            continue
        out.append(s)
    return out


def weak_only(signals: Iterable[Signal], threshold_of: dict[str, float]) -> set[str]:
    """Categories whose every signal at or above its threshold comes from a source that is weak for it."""
    strong: set[str] = set()
    weak: set[str] = set()
    for s in signals:
        if s.score < threshold_of.get(s.category, 0.5):
            continue
        (weak if s.category in weak_categories(s.detector) else strong).add(s.category)
    return weak - strong
