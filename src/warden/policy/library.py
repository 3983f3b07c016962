"""The set of known packs: discovery, inheritance, and which version is in force.

Packs come from the bundled `packs/` folder, from the folders the caller names
(the settings' `policy_path`, from `WARDEN_POLICY_PATH`) and from installed plugins
that expose a folder under the `warden.packs` entry-point group, all the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from importlib import resources
from importlib.metadata import entry_points
from pathlib import Path

from warden.errors import InvalidInput
from warden.policy.layering import EffectivePolicy, resolve
from warden.policy.loader import LoadedOverlay, LoadedPack, load_pack
from warden.policy.model import Rule
from warden.policy.source import PolicyFileError

BUNDLED = Path(str(resources.files("warden.policy") / "packs"))


class LibraryError(InvalidInput, ValueError):
    """The packs are valid one by one but do not fit together."""


def pack_folders(extra: Iterable[Path | str] = ()) -> list[Path]:
    folders = [BUNDLED]
    for ep in entry_points(group="warden.packs"):
        folders.append(Path(str(ep.load())))
    folders += [Path(p) for p in extra]
    return folders


class PolicyLibrary:
    def __init__(self, packs: Sequence[LoadedPack]) -> None:
        self._by_ref: dict[str, LoadedPack] = {}
        for loaded in packs:
            if loaded.ref in self._by_ref:
                other = self._by_ref[loaded.ref].path
                raise LibraryError(f"{loaded.path}: pack {loaded.ref} is also defined in {other}")
            self._by_ref[loaded.ref] = loaded
        self._resolved: dict[str, dict[str, Rule]] = {}
        for ref in self._by_ref:
            self.rules(ref)  # resolves `extends` now, so broken chains fail at load time
        self._check_lineage()
        self._check_carried_forward()

    @classmethod
    def discover(cls, extra: Iterable[Path | str] = ()) -> PolicyLibrary:
        packs: list[LoadedPack] = []
        problems: list[PolicyFileError] = []
        for folder in pack_folders(extra):
            paths = [folder] if folder.is_file() else sorted(folder.glob("*.yaml"))
            for path in paths:
                try:
                    packs.append(load_pack(path))
                except PolicyFileError as exc:
                    problems.append(exc)
        if problems:
            raise PolicyFileError([p for exc in problems for p in exc.problems])
        return cls(packs)

    def _check_lineage(self) -> None:
        """`supersedes` must name rules of an earlier version of the same family."""
        for loaded in self._by_ref.values():
            header = loaded.pack.pack
            earlier = [p for p in self.versions(header.id) if p.pack.pack.effective < header.effective]
            known = {rid for p in earlier for rid in self.rules(p.ref)}
            for rule in loaded.pack.rules:
                unknown = [rid for rid in rule.supersedes if rid not in known]
                if unknown:
                    raise LibraryError(
                        f"{loaded.path}: rule {rule.id} supersedes {', '.join(unknown)}, "
                        f"which no earlier version of {header.id} defines"
                    )

    def _check_carried_forward(self) -> None:
        """A carried-forward rule names an earlier pack of its family, a rule there, and that rule's citation."""
        for loaded in self._by_ref.values():
            header = loaded.pack.pack
            for rule in loaded.pack.rules:
                cf = rule.carried_forward
                if cf is None:
                    continue
                source = self._by_ref.get(cf.pack)
                if source is None or source.pack.pack.id != header.id or source.pack.pack.effective >= header.effective:
                    raise LibraryError(f"{loaded.path}: rule {rule.id} is carried forward from {cf.pack}, "
                                       f"which is not an earlier version of {header.id}")
                earlier = self.rules(cf.pack).get(cf.rule)
                if earlier is None:
                    raise LibraryError(f"{loaded.path}: rule {rule.id} is carried forward from {cf.pack} "
                                       f"rule {cf.rule}, which that pack does not define")
                if earlier.citation != cf.citation:
                    raise LibraryError(f"{loaded.path}: rule {rule.id} cites {cf.rule} of {cf.pack} as "
                                       f"{cf.citation.section} {cf.citation.item}, but that rule cites "
                                       f"{earlier.citation.section} {earlier.citation.item}")

    # --- lookup -------------------------------------------------------------

    def packs(self) -> list[LoadedPack]:
        return sorted(self._by_ref.values(), key=lambda p: (p.pack.pack.id, p.pack.pack.effective))

    def families(self) -> list[str]:
        return sorted({p.pack.pack.id for p in self._by_ref.values()})

    def versions(self, family: str) -> list[LoadedPack]:
        return [p for p in self.packs() if p.pack.pack.id == family]

    def get(self, ref: str) -> LoadedPack:
        """`family@version`, or a bare family for its newest version."""
        if ref in self._by_ref:
            return self._by_ref[ref]
        versions = self.versions(ref)
        if versions:
            return versions[-1]
        known = ", ".join(sorted(self._by_ref))
        raise LibraryError(f"no pack {ref!r}; known packs: {known}")

    def rules(self, ref: str) -> dict[str, Rule]:
        """The pack's rules after inheritance: parent rules, then the pack's own on top."""
        loaded = self.get(ref)
        key = loaded.ref
        if key in self._resolved:
            return self._resolved[key]
        chain = [loaded]
        while chain[-1].pack.pack.extends:
            parent_ref = chain[-1].pack.pack.extends
            assert parent_ref is not None
            if parent_ref not in self._by_ref:
                raise LibraryError(f"{chain[-1].path}: extends unknown pack {parent_ref!r}")
            parent = self._by_ref[parent_ref]
            if parent in chain:
                raise LibraryError(f"{loaded.path}: `extends` forms a cycle through {parent_ref}")
            chain.append(parent)
        rules: dict[str, Rule] = {}
        for member in reversed(chain):
            rules.update({r.id: r for r in member.pack.rules})
        self._resolved[key] = rules
        return rules

    def find_rule(self, rule_id: str, ref: str | None = None) -> tuple[LoadedPack, Rule]:
        candidates = [self.get(ref)] if ref else list(reversed(self.packs()))
        for loaded in candidates:
            rule = self.rules(loaded.ref).get(rule_id)
            if rule is not None:
                return loaded, rule
        raise LibraryError(f"no rule {rule_id!r}" + (f" in {ref}" if ref else " in any pack"))

    # --- time ---------------------------------------------------------------

    def in_force(self, on: dt.date, families: Iterable[str] | None = None) -> list[LoadedPack]:
        """For each family, the newest version whose effective date is on or before `on`."""
        chosen = []
        for family in families or self.families():
            live = [p for p in self.versions(family) if p.pack.pack.effective <= on]
            if live:
                chosen.append(live[-1])
        return chosen

    def effective(
        self,
        on: dt.date | None = None,
        overlays: Sequence[LoadedOverlay] = (),
        packs: Sequence[str] | None = None,
    ) -> EffectivePolicy:
        """The policy a decision runs under: named packs (default: all families in
        force on `on`, default today) resolved with the overlays on top."""
        chosen = [self.get(ref) for ref in packs] if packs else self.in_force(on or dt.date.today())
        if not chosen:
            raise LibraryError(f"no pack is in force on {on}")
        return resolve([(p, self.rules(p.ref)) for p in chosen], overlays)
