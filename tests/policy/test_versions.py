from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from warden.policy import LibraryError, PolicyLibrary, load_pack
from warden.policy.diff import diff_packs


def test_in_force_picks_newest_effective_version(versioned_library: PolicyLibrary) -> None:
    assert [p.ref for p in versioned_library.in_force(dt.date(2024, 6, 1))] == ["mini@2024-01-01"]
    assert [p.ref for p in versioned_library.in_force(dt.date(2025, 6, 1))] == ["mini@2025-06-01"]
    assert versioned_library.in_force(dt.date(2023, 12, 31)) == []
    with pytest.raises(LibraryError, match="no pack is in force"):
        versioned_library.effective(on=dt.date(2020, 1, 1))


def test_get_by_family_returns_newest(versioned_library: PolicyLibrary) -> None:
    assert versioned_library.get("mini").ref == "mini@2025-06-01"
    with pytest.raises(LibraryError, match="no pack 'nope'"):
        versioned_library.get("nope")


def test_diff_reports_rules_and_changelog(versioned_library: PolicyLibrary) -> None:
    d = diff_packs(versioned_library, "mini@2024-01-01", "mini@2025-06-01")
    assert [r.id for r in d.added] == ["mini.spam"]
    assert [r.id for r in d.removed] == ["mini.adult"]
    assert [(r.rule_id, r.replaces) for r in d.replaced] == [("mini.kids-v2", ["mini.kids"])]
    hate = next(c for c in d.changed if c.rule_id == "mini.hate")
    fields = {f.field: (f.before, f.after) for f in hate.changes}
    assert fields["triggers"][0]["signals"][0]["min_score"] == 0.5
    assert fields["triggers"][1]["signals"][0]["min_score"] == 0.4
    assert fields["enforcement"][1]["verdict"] == "block"
    # Only the entries after the older version's date, up to the newer one.
    assert [e.date.isoformat() for e in d.changelog] == ["2024-09-01", "2025-06-01"]
    assert d.as_dict()["replaced"] == [{"rule_id": "mini.kids-v2", "replaces": ["mini.kids"]}]


def test_extends_inherits_and_overrides(tmp_path: Path) -> None:
    base = Path(__file__).resolve().parents[1] / "fixtures" / "versions" / "mini-2024.yaml"
    child = tmp_path / "child.yaml"
    child.write_text("""\
pack:
  id: mini
  version: "2026-01-01"
  title: Principles only
  effective: 2026-01-01
  extends: "mini@2024-01-01"
  source: {document: Test Policy, date: 2026-01-01, file: none.txt}
rules:
  - id: mini.appeals
    title: Appeals
    summary: Users can appeal.
    citation: {document: Test Policy, date: 2026-01-01, section: Principles, item: "1"}
    surfaces: [all]
    kind: obligation
""")
    library = PolicyLibrary([load_pack(base), load_pack(child)])
    rules = library.rules("mini@2026-01-01")
    assert "mini.hate" in rules and "mini.appeals" in rules
    assert [p.ref for p in library.in_force(dt.date(2026, 2, 1))] == ["mini@2026-01-01"]

    orphan = tmp_path / "orphan.yaml"
    orphan.write_text(child.read_text().replace("mini@2024-01-01", "mini@1999-01-01"))
    with pytest.raises(LibraryError, match="extends unknown pack 'mini@1999-01-01'"):
        PolicyLibrary([load_pack(orphan)])
