"""Validating packs and overlays: every problem with its file, line and field, plus warnings.

What `warden policy validate` runs, and what an API or console upload of a pack will run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from warden.policy.context import undocumented_fields
from warden.policy.layering import LayeringError
from warden.policy.library import LibraryError, PolicyLibrary
from warden.policy.loader import LoadedOverlay, LoadedPack, load_policy_file
from warden.policy.model import Rule
from warden.policy.source import PolicyFileError, Problem


@dataclass
class Validation:
    problems: list[Problem] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def field_warnings(path: Path, rules: list[Rule]) -> list[str]:
    """Conditions that read undocumented context fields: legal, but a typo there never fires."""
    notes = []
    for rule in rules:
        sources = [rule.triggers.condition] if rule.triggers and rule.triggers.condition else []
        sources += [e.when for e in rule.exceptions if e.when]
        for name in sorted({f for src in sources for f in undocumented_fields(src)}):
            notes.append(f"{path}: {rule.id} reads {name}, which is not a documented context field "
                         "(a missing field makes the condition false)")
    return notes


def validate_paths(paths: list[Path], on: dt.date | None, folders: Iterable[Path] = ()) -> Validation:
    """Validate packs and overlays; overlays are also resolved against the platform policy."""
    problems: list[Problem] = []
    checked: list[str] = []
    warnings: list[str] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(path, None, "", "no such file or folder"))
    packs: list[LoadedPack] = []
    overlays: list[LoadedOverlay] = []
    for file in files:
        try:
            loaded = load_policy_file(file)
            if isinstance(loaded, LoadedOverlay):
                overlays.append(loaded)
                warnings += field_warnings(file, loaded.overlay.rules)
            else:
                packs.append(loaded)
                warnings += field_warnings(file, loaded.pack.rules)
            checked.append(str(file))
        except PolicyFileError as exc:
            problems += exc.problems
    if problems:
        return Validation(problems, checked, warnings)
    try:
        base = PolicyLibrary.discover(folders)
        bundled = {p.path.resolve() for p in base.packs()}
        library = PolicyLibrary(base.packs() + [p for p in packs if p.path.resolve() not in bundled])
        library.effective(on=on, overlays=overlays)
    except PolicyFileError as exc:
        problems += exc.problems
    except (LibraryError, LayeringError) as exc:
        problems.append(Problem(files[0] if files else Path("."), None, "", str(exc)))
    return Validation(problems, checked, warnings)




def validate_library(folders: Iterable[Path] = ()) -> Validation:
    """Every known pack (bundled, `folders`, plugins): loaded together, with their warnings."""
    try:
        library = PolicyLibrary.discover(folders)
    except PolicyFileError as exc:
        return Validation(problems=list(exc.problems))
    except LibraryError as exc:
        return Validation(problems=[Problem(Path("."), None, "", str(exc))])
    return Validation(checked=[str(p.path) for p in library.packs()],
                      warnings=[w for p in library.packs() for w in field_warnings(p.path, p.pack.rules)])
