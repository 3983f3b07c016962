"""Evidence for a rule's outcome: the fields and spans that made it fire.

Signal triggers point at the detector spans; conditions point at the declared
fields and inferred facts they read, narrowed to the values the condition
names, so "categories: gambling" is shown rather than every tag.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from warden.review.facts import LIST_PATHS, Fact
from warden.review.report import EvidenceItem
from warden.review.screen import Screening

MAX_ITEMS = 8
_PATH = re.compile(r"\b((?:app|manifest|plugin|request|account)(?:\.[A-Za-z_]+)+)")
_SIGNAL = re.compile(r"\b(app\.name_signals|signals)\s*\[\s*\"([^\"]+)\"\s*\]")
_LITERAL = re.compile(r"\"([^\"]*)\"|'([^']*)'")


def _resolve(ctx: Mapping[str, Any], path: str) -> tuple[str, Any] | None:
    """The longest prefix of `path` present in the context, and its value."""
    node: Any = ctx
    found: tuple[str, Any] | None = None
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, Mapping) or part not in node:
            break
        node = node[part]
        found = (".".join(parts[: i + 1]), node)
    return found


def _excerpt(text: str, start: int | None, end: int | None) -> str:
    if start is None or end is None:
        return text[:160]
    return text[start:end][:160]


def signal_evidence(
    screening: Screening, category: str, min_score: float, names_only: bool = False
) -> list[EvidenceItem]:
    items = []
    for hit in screening.for_category(category, min_score, names_only):
        spans = hit.signal.evidence or ()
        if not spans:
            items.append(EvidenceItem(field=hit.field.pointer, excerpt=_excerpt(hit.field.text, None, None),
                                      detail=category, source=hit.signal.detector, score=hit.signal.score))
        for e in spans:
            items.append(EvidenceItem(field=hit.field.pointer, start=e.start, end=e.end,
                                      excerpt=_excerpt(hit.field.text, e.start, e.end),
                                      detail=f"{category}: {e.detail}", source=hit.signal.detector,
                                      score=hit.signal.score))
    return items


def fact_evidence(fact: Fact, text_of: Mapping[str, str]) -> EvidenceItem:
    text = text_of.get(fact.field or "", "")
    excerpt = _excerpt(text, fact.start, fact.end) if text and fact.start is not None else None
    return EvidenceItem(field=fact.field, start=fact.start, end=fact.end, excerpt=excerpt,
                        detail=f"{fact.path} = {json.dumps(fact.value)}: {fact.detail} "
                        f"(confidence {fact.confidence:.2f})",
                        source=f"analyzer:{fact.analyzer}", score=fact.confidence)


def condition_evidence(
    condition: str,
    ctx: Mapping[str, Any],
    facts: Sequence[Fact],
    screening: Screening,
    text_of: Mapping[str, str],
) -> list[EvidenceItem]:
    items: list[EvidenceItem] = []
    literals = {a or b for a, b in _LITERAL.findall(condition)}
    for source, category in _SIGNAL.findall(condition):
        items += signal_evidence(screening, category, 0.0, names_only=source != "signals")[:3]
    seen: set[str] = set()
    for raw in _PATH.findall(condition):
        resolved = _resolve(ctx, raw)
        if resolved is None or resolved[0] in seen or resolved[0] == "app.name_signals":
            continue
        path, value = resolved
        seen.add(path)
        inferred = [f for f in facts if f.path == path and (f.path not in LIST_PATHS or f.value in literals)]
        items += [fact_evidence(f, text_of) for f in inferred]
        declared = _declared(path, value, literals, [f.value for f in inferred])
        if declared is not None:
            items.append(declared)
    return items


def _declared(path: str, value: Any, literals: set[str], inferred: Iterable[Any]) -> EvidenceItem | None:
    inferred = list(inferred)
    if isinstance(value, Mapping):
        return None
    if isinstance(value, list):
        named = [v for v in value if isinstance(v, str) and v in literals and v not in inferred]
        if not named:
            return None
        value = named
    elif value in ("", None) or any(value == v and type(value) is type(v) for v in inferred):
        return None
    field = path.removeprefix("app.")
    return EvidenceItem(field=field, excerpt=json.dumps(value), detail=f"{path} = {json.dumps(value)}",
                        source="declared")


def cap(items: list[EvidenceItem]) -> list[EvidenceItem]:
    unique: list[EvidenceItem] = []
    for item in items:
        if item not in unique:
            unique.append(item)
    return unique[:MAX_ITEMS]
