"""Every numbered item of every seed document maps to at least one rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from warden.policy import PolicyLibrary
from warden.policy.coverage import dangling_citations, pack_coverage, render_markdown

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
LIBRARY = PolicyLibrary.discover()


def test_every_surviving_item_has_a_rule() -> None:
    uncovered = [
        f"{row.pack}: {row.ref}"
        for loaded in LIBRARY.packs()
        for row in pack_coverage(loaded)
        if not row.covered and not row.item.gap
    ]
    assert uncovered == []


def test_every_pack_has_an_outline_and_no_dangling_citation() -> None:
    for loaded in LIBRARY.packs():
        assert loaded.pack.pack.source.outline, f"{loaded.ref} has no outline"
        assert dangling_citations(loaded) == []


def test_checked_in_table_is_current() -> None:
    path = REPO / "docs" / "coverage.md"
    assert path.read_text(encoding="utf-8") == render_markdown(LIBRARY), (
        "docs/coverage.md is stale: run `warden policy coverage --write docs/coverage.md`"
    )


def _seed(name_prefix: str) -> str:
    matches = sorted(SEEDS.glob(f"{name_prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {name_prefix} not available beside the repository")
    return matches[0].read_text(encoding="utf-8")


def _outline(ref: str, section: str) -> list[str | None]:
    return [i.item for i in LIBRARY.get(ref).pack.pack.source.outline if i.section == section]


def test_2023_outline_matches_the_seed_bullets() -> None:
    text = _seed("001")
    disallowed = text.split("We don’t allow the use of our models for the following:")[1].split(
        "We have further requirements")[0]
    groups = re.findall(r"^\* ", disallowed, flags=re.M)
    subs = re.findall(r"^    \* ", disallowed, flags=re.M)
    items = _outline("openai-usage@2023-03-23", "Disallowed usage")
    assert len([i for i in items if i and "." not in i]) == len(groups) == 14
    assert len([i for i in items if i and "." in i]) == len(subs)

    plugin = text.split("Plugin policies")[1].split("Changelog")[0]
    assert len(_outline("openai-usage@2023-03-23", "Plugin policies")) == len(re.findall(r"^\* ", plugin, re.M))
    further = text.split("We have further requirements")[1].split("You can use our")[0]
    assert len(_outline("openai-usage@2023-03-23", "Further requirements")) == len(
        re.findall(r"^\d\. ", further, re.M))
    changelog = re.findall(r"^\* (\d{4}-\d\d-\d\d):", text.split("Changelog")[-1], re.M)
    assert sorted(e.date.isoformat() for e in LIBRARY.get("openai-usage@2023-03-23").pack.pack.changelog) \
        == sorted(changelog)


def test_2025_changelog_matches_the_seed() -> None:
    text = _seed("000")
    dates = re.findall(r"^- (\d{4}-\d\d-\d\d):", text, re.M)
    assert dates, "no changelog entries found in the seed"
    pack_dates = {e.date.isoformat() for e in LIBRARY.get("openai-usage@2025-01-29").pack.pack.changelog}
    assert set(dates) <= pack_dates
