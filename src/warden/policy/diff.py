"""What changed between two versions of a policy: rules and the changelog between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warden.policy.library import PolicyLibrary
from warden.policy.model import ChangelogEntry, Rule


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class RuleChange:
    rule_id: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class Replacement:
    """A new rule that declares it supersedes rules of the older version."""

    rule_id: str
    replaces: list[str]


@dataclass(frozen=True)
class PackDiff:
    old: str
    new: str
    added: list[Rule] = field(default_factory=list)  # new ids that replace nothing
    removed: list[Rule] = field(default_factory=list)  # old ids no new rule replaces
    changed: list[RuleChange] = field(default_factory=list)  # same id, different content
    replaced: list[Replacement] = field(default_factory=list)
    changelog: list[ChangelogEntry] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.replaced)

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "added": [r.id for r in self.added],
            "removed": [r.id for r in self.removed],
            "replaced": [{"rule_id": r.rule_id, "replaces": r.replaces} for r in self.replaced],
            "changed": [
                {
                    "rule_id": c.rule_id,
                    "changes": [{"field": f.field, "before": f.before, "after": f.after} for f in c.changes],
                }
                for c in self.changed
            ],
            "changelog": [{"date": e.date.isoformat(), "summary": e.summary} for e in self.changelog],
        }


# Fields that say what a rule does; the citation and prose move with every rewrite.
_COMPARED = ("title", "summary", "citation", "surfaces", "kind", "hard_limit", "exceptions", "triggers",
             "enforcement", "delegates")


def _rule_changes(before: Rule, after: Rule) -> list[FieldChange]:
    a = before.model_dump(mode="json")
    b = after.model_dump(mode="json")
    return [FieldChange(name, a[name], b[name]) for name in _COMPARED if a[name] != b[name]]


def diff_packs(library: PolicyLibrary, old_ref: str, new_ref: str) -> PackDiff:
    old_pack, new_pack = library.get(old_ref), library.get(new_ref)
    old_rules, new_rules = library.rules(old_pack.ref), library.rules(new_pack.ref)

    replaced: list[Replacement] = []
    superseded: set[str] = set()
    for rule in new_rules.values():
        claimed = [rid for rid in rule.supersedes if rid in old_rules and rid != rule.id]
        if claimed:
            replaced.append(Replacement(rule.id, claimed))
            superseded.update(claimed)

    replacing = {r.rule_id for r in replaced}
    added = [r for rid, r in new_rules.items() if rid not in old_rules and rid not in replacing]
    removed = [r for rid, r in old_rules.items() if rid not in new_rules and rid not in superseded]
    changed = []
    for rid in sorted(old_rules.keys() & new_rules.keys()):
        changes = _rule_changes(old_rules[rid], new_rules[rid])
        if changes:
            changed.append(RuleChange(rid, changes))

    lo, hi = sorted([old_pack.pack.pack.effective, new_pack.pack.pack.effective])
    seen: set[tuple[str, str]] = set()
    changelog = []
    for loaded in library.versions(new_pack.pack.pack.id) or [new_pack]:
        for entry in loaded.pack.pack.changelog:
            key = (entry.date.isoformat(), entry.summary)
            if lo < entry.date <= hi and key not in seen:
                seen.add(key)
                changelog.append(entry)
    changelog.sort(key=lambda e: e.date)
    return PackDiff(
        old=old_pack.ref,
        new=new_pack.ref,
        added=added,
        removed=removed,
        changed=changed,
        replaced=replaced,
        changelog=changelog,
    )
