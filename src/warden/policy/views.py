"""Plain views of policy objects (rows, one-line renderings) for the CLI, the API and the console."""

from __future__ import annotations

import json
from typing import Any

from warden.policy.layering import EffectivePolicy
from warden.policy.library import PolicyLibrary
from warden.policy.loader import LoadedPack
from warden.policy.model import Rule


def pack_row(loaded: LoadedPack, library: PolicyLibrary, live: set[str]) -> dict[str, Any]:
    header = loaded.pack.pack
    return {
        "ref": loaded.ref,
        "title": header.title,
        "effective": header.effective.isoformat(),
        "layer": header.layer.value,
        "extends": header.extends,
        "rules": len(library.rules(loaded.ref)),
        "own_rules": len(loaded.pack.rules),
        "in_force": loaded.ref in live,
        "revision": loaded.revision,
        "source": header.source.file,
    }


def rule_dict(rule: Rule) -> dict[str, Any]:
    return rule.model_dump(mode="json", exclude_defaults=True)


def brief(field: str, value: Any) -> str:
    """One-line rendering of a rule field for diffs."""
    if field == "citation" and isinstance(value, dict):
        return f"{value['section']} {value.get('item') or ''} ({value['date']})".replace("  ", " ")
    if field == "triggers" and isinstance(value, dict):
        parts = [f"{s['category']}>={s['min_score']}" for s in value.get("signals", [])]
        if value.get("condition"):
            parts.append(f"if {value['condition']}")
        return ", ".join(parts) or "none"
    if field == "enforcement" and isinstance(value, dict):
        return f"{value['severity']}/{value['verdict']}/{value['action']}"
    if field in ("title", "summary") and isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def effective_rows(policy: EffectivePolicy, surface: str | None) -> list[dict[str, Any]]:
    rows = []
    for r in policy.rules.values():
        if surface is not None and not r.rule.covers(surface):
            continue
        e = r.rule.enforcement
        rows.append({
            "rule_id": r.id,
            "enabled": r.enabled,
            "layer": r.layer.value,
            "origin": r.origin,
            "hard_limit": r.rule.hard_limit,
            "kind": r.rule.kind.value,
            "signals": [s.model_dump() for s in (r.rule.triggers.signals if r.rule.triggers else [])],
            "condition": r.rule.triggers.condition if r.rule.triggers else None,
            "severity": e.severity.value,
            "verdict": e.verdict.value,
            "action": e.action.value,
            "granted_exceptions": sorted(x.value for x in r.granted_exceptions),
            "delegates": [d.value for d in r.rule.delegates],
            "changed_by": list(r.changed_by),
        })
    return rows
