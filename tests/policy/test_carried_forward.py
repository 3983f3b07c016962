"""Rules carried forward from an earlier version, and safe-messaging rules, are validated as data."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from warden.policy import LibraryError, PolicyLibrary, load_pack
from warden.policy.model import Rule

BASE = Path(__file__).resolve().parents[1] / "fixtures" / "versions" / "mini-2024.yaml"
LIBRARY = PolicyLibrary.discover()


def _child(tmp_path: Path, carried: str, gap: str = "    source_gap: the head of item 2 is lost\n") -> Path:
    path = tmp_path / "child.yaml"
    path.write_text(f"""\
pack:
  id: mini
  version: "2026-01-01"
  title: Child
  effective: 2026-01-01
  extends: "mini@2024-01-01"
  source: {{document: Test Policy, date: 2026-01-01, file: none.txt}}
rules:
  - id: mini.hate-again
    title: Hate, carried forward
    summary: Kept in force from the earlier version.
    citation: {{document: Test Policy, date: 2026-01-01, section: Rules, item: "2"}}
    surfaces: [all]
    kind: prohibition
    triggers: {{signals: [{{category: hate, min_score: 0.5}}]}}
{carried}{gap}""")
    return path


def _carried(rule: str, item: str, date: str = "2024-01-01", pack: str = "mini@2024-01-01") -> str:
    base_rule = next(r for r in load_pack(BASE).pack.rules if r.id == "mini.hate")
    section = base_rule.citation.section
    return (f"    carried_forward:\n      pack: {pack}\n      rule: {rule}\n"
            f"      citation: {{document: Test Policy, date: {date}, section: {section}, item: \"{item}\"}}\n"
            f"      note: the platform's reading of the lost item\n")


def _base_item() -> str:
    rule = next(r for r in load_pack(BASE).pack.rules if r.id == "mini.hate")
    return rule.citation.item or ""


def test_a_carried_forward_rule_must_cite_the_earlier_rule_exactly(tmp_path: Path) -> None:
    good = _child(tmp_path, _carried("mini.hate", _base_item()))
    PolicyLibrary([load_pack(BASE), load_pack(good)])
    wrong_item = _child(tmp_path, _carried("mini.hate", "99"))
    with pytest.raises(LibraryError, match="but that rule cites"):
        PolicyLibrary([load_pack(BASE), load_pack(wrong_item)])
    unknown = _child(tmp_path, _carried("mini.nothing", _base_item()))
    with pytest.raises(LibraryError, match="does not define"):
        PolicyLibrary([load_pack(BASE), load_pack(unknown)])


def test_a_carried_forward_rule_names_its_gap_and_an_earlier_version(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="source_gap"):
        load_pack(_child(tmp_path, _carried("mini.hate", _base_item()), gap=""))
    with pytest.raises(Exception, match="earlier version"):
        load_pack(_child(tmp_path, _carried("mini.hate", _base_item(), date="2026-02-01", pack="mini@2026-02-01")))


def test_the_2025_packs_carry_self_harm_and_weapons_forward_from_2023() -> None:
    for version in ("2025-01-29", "2025-10-29"):
        rules = LIBRARY.rules(f"openai-usage@{version}")
        for rule_id, earlier in [("universal.harm.self-harm", "disallowed.physical-harm.self-harm"),
                                 ("universal.harm.weapons", "disallowed.physical-harm.weapons"),
                                 ("universal.harm.self-harm-support", "disallowed.physical-harm.self-harm-support")]:
            rule = rules[rule_id]
            assert rule.carried_forward is not None and rule.carried_forward.rule == earlier
            assert rule.carried_forward.pack == "openai-usage@2023-03-23"
            assert rule.citation.date.isoformat() == "2025-01-29" and rule.citation.item == "2"
            assert rule.source_gap and "platform's reading" in rule.carried_forward.note
            assert earlier in rule.supersedes
    # Where the documents do not point, nothing is carried: military and warfare stays a 2023 rule.
    assert "disallowed.physical-harm.military" not in {
        r.carried_forward.rule for r in LIBRARY.rules("openai-usage@2025-01-29").values() if r.carried_forward}


def _rule(**extra: object) -> dict[str, object]:
    return {
        "id": "x.support", "title": "Support", "summary": "Support.", "surfaces": ["all"], "kind": "requirement",
        "citation": {"document": "D", "date": "2024-01-01", "section": "S", "item": "1"},
        "triggers": {"signals": [{"category": "self-harm/intent", "min_score": 0.5}]},
        "safe_messaging": {"resources": [{"name": "Helpline", "url": "https://example.org"}], "yields": ["self-harm"]},
    } | extra


def test_a_safe_messaging_rule_can_never_penalise() -> None:
    Rule.model_validate(_rule(enforcement={"verdict": "flag", "action": "none"}))
    with pytest.raises(ValidationError, match="not a penalty"):
        Rule.model_validate(_rule(enforcement={"verdict": "block", "action": "suspension"}))
    with pytest.raises(ValidationError, match="not a penalty"):
        Rule.model_validate(_rule(enforcement={"verdict": "flag", "action": "none"}, hard_limit=True))
    with pytest.raises(ValidationError, match="unknown signal categories"):
        Rule.model_validate(_rule(enforcement={"verdict": "flag", "action": "none"},
                                  safe_messaging={"resources": [{"name": "H"}], "yields": ["self-harmm"]}))
