"""How a rule's trigger parts combine, and lineage checks across versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.decide import decide
from warden.policy import LibraryError, PolicyLibrary, load_pack, parse_overlay
from warden.policy.model import Verdict

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

OVERLAY = """\
overlay: {id: op, title: Op, layer: operator}
rules:
  - id: op.gambling
    title: Gambling
    summary: Gambling apps or gambling talk.
    citation: {document: Op terms, date: 2024-01-01, section: A, item: "1"}
    surfaces: [all]
    kind: prohibition
    triggers:
      signals: [{category: gambling, min_score: 0.5}]
      condition: 'has(app.categories) && "gambling" in app.categories'
      match: MATCH
"""


@pytest.mark.parametrize(
    ("match", "scores", "app", "fires"),
    [
        ("all", {"gambling": 0.9}, [], False),
        ("all", {"gambling": 0.9}, ["gambling"], True),
        ("any", {"gambling": 0.9}, [], True),
        ("any", {"gambling": 0.1}, ["gambling"], True),
        ("any", {"gambling": 0.1}, [], False),
    ],
)
def test_match_all_and_any(mini_library: PolicyLibrary, match: str, scores: dict[str, float],
                           app: list[str], fires: bool) -> None:
    policy = mini_library.effective(packs=["mini"], overlays=[parse_overlay(OVERLAY.replace("MATCH", match))])
    decision = decide(policy, scores, {"app": {"categories": app}})
    assert ("op.gambling" in [v.rule_id for v in decision.violations]) is fires
    assert decision.verdict is (Verdict.FLAG if fires else Verdict.ALLOW)


def test_supersedes_must_name_an_earlier_rule(tmp_path: Path) -> None:
    newer = (FIXTURES / "versions" / "mini-2025.yaml").read_text().replace(
        "supersedes: [mini.kids]", "supersedes: [mini.children]")
    path = tmp_path / "mini-2025.yaml"
    path.write_text(newer)
    with pytest.raises(LibraryError, match=r"supersedes mini\.children"):
        PolicyLibrary([load_pack(FIXTURES / "versions" / "mini-2024.yaml"), load_pack(path)])
