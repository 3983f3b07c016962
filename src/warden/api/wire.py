"""OpenAI's moderation wire shape for a screened content (the API's business, not the screening service's).

Used by `/v1/moderations` and by `warden check`, which prints the same result."""

from __future__ import annotations

from typing import Any

from warden.categories import OPENAI_CATEGORIES
from warden.screening import Screened


def _extension(screened: Screened) -> dict[str, Any]:
    decision = screened.decision
    return {
        "decision": decision.verdict.value if decision else None,
        "decision_id": decision.id if decision else None,
        "policy_revision": decision.policy_revision if decision else None,
        "violations": [
            v.model_dump(mode="json", include={"rule_id", "title", "citation", "category", "score", "threshold",
                                                "severity", "verdict", "action", "hard_limit"})
            for v in (decision.violations if decision else [])
        ],
        "signals": {k: round(v, 6) for k, v in sorted(screened.scores.items()) if k not in OPENAI_CATEGORIES},
        "evidence": [
            {"category": s.category, "detector": s.detector, "detail": e.detail, "start": e.start, "end": e.end}
            | ({"part": e.part, "matched_hash": e.matched_hash} if e.matched_hash is not None else {})
            for s in screened.signals
            for e in s.evidence
            if e.start is not None or e.matched_hash is not None
        ],
        "detectors": screened.detectors,
    }


def moderation_result(screened: Screened) -> dict[str, Any]:
    """One entry of `results`: OpenAI's fields for all 13 categories, plus Warden's `warden` key.
    `category_applied_input_types` lists, per category, the input types the detectors that ran actually read:
    `image` only for the categories an image detector scores (`sexual` from the classifier, a hash list's)."""
    return {
        "flagged": screened.flagged,
        "categories": screened.categories,
        "category_scores": {name: round(screened.scores.get(name, 0.0), 6) for name in OPENAI_CATEGORIES},
        "category_applied_input_types": {name: screened.applied_to(name) for name in OPENAI_CATEGORIES},
        "warden": _extension(screened),
    }
