"""A submission as the CEL context the packs' conditions read (see `warden.policy.context`).

Declared fields come first; analyzer facts fill in what was not declared and
add inferred tags. With `uncertain=False` only established facts are applied
(the strict pass); with `uncertain=True` every fact is (the lenient pass,
which can only send a rule to a human).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from warden.review.facts import LIST_PATHS, Fact
from warden.review.schema import AppSubmission, Disclosures, PluginSubmission, Submission


def _disclosures(d: Disclosures) -> dict[str, bool]:
    return {k: v for k, v in d.model_dump().items() if v is not None}


def _app(sub: AppSubmission) -> dict[str, Any]:
    capabilities = list(sub.capabilities)
    if sub.actions and "actions" not in capabilities:
        capabilities.append("actions")
    app: dict[str, Any] = {
        "kind": sub.kind.value,
        "name": sub.name,
        "description": sub.description,
        "instructions": sub.instructions,
        "purpose": sub.purpose,
        "categories": list(sub.categories),
        "audience": list(sub.audience),
        "capabilities": capabilities,
        "conversation_starters": list(sub.conversation_starters),
        "knowledge": [k.name for k in sub.knowledge],
        "disclosures": _disclosures(sub.disclosures),
        "store_listed": sub.store_listed,
        "monetized": sub.monetized,
        "builder": {"name": sub.builder.name, "verified": sub.builder.verified},
    }
    if sub.safeguards is not None:
        app["safeguards"] = list(sub.safeguards)
    if sub.simulates_person:
        app["simulates_person"] = sub.simulates_person
    return app


def _plugin(sub: PluginSubmission) -> dict[str, Any]:
    return {
        "kind": sub.kind.value,
        "name": sub.manifest.name_for_human,
        "description": sub.manifest.description_for_human,
        "instructions": sub.manifest.description_for_model,
        "purpose": "",
        "categories": list(sub.categories),
        "audience": list(sub.audience),
        "capabilities": list(sub.capabilities),
        "disclosures": _disclosures(sub.disclosures),
        "store_listed": False,
        "monetized": False,
        "builder": {"name": sub.builder.name, "verified": sub.builder.verified},
    }


def _set(ctx: dict[str, Any], path: str, value: Any) -> bool:
    """Set a dotted path unless something is already there (declared wins). True if set."""
    *parents, last = path.split(".")
    node = ctx
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return False
        node = child
    if last in node:
        return False
    node[last] = value
    return True


def apply_facts(ctx: dict[str, Any], facts: Iterable[Fact], uncertain: bool) -> list[Fact]:
    """Apply facts in place; returns those that changed the context."""
    applied = []
    for fact in facts:
        if not (fact.certain or uncertain):
            continue
        if fact.path in LIST_PATHS:
            section, key = fact.path.split(".")
            tags = ctx.setdefault(section, {}).setdefault(key, [])
            if fact.value not in tags:
                tags.append(fact.value)
                applied.append(fact)
        elif _set(ctx, fact.path, fact.value):
            applied.append(fact)
    return applied


def build_context(
    sub: Submission,
    facts: Iterable[Fact],
    scores: Mapping[str, float],
    name_scores: Mapping[str, float],
    *,
    uncertain: bool = False,
) -> tuple[dict[str, Any], list[Fact]]:
    app = _app(sub) if isinstance(sub, AppSubmission) else _plugin(sub)
    app["name_signals"] = dict(name_scores)
    ctx: dict[str, Any] = {
        "surface": sub.surface.value,
        "content": {"type": "manifest" if isinstance(sub, PluginSubmission) else "app"},
        "signals": dict(scores),
        "app": app,
    }
    if isinstance(sub, PluginSubmission):
        ctx["manifest"] = sub.manifest.model_dump(mode="json", exclude_none=True)
    applied = apply_facts(ctx, facts, uncertain)
    return ctx, applied
