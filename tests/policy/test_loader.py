from __future__ import annotations

from pathlib import Path

import pytest

from warden.policy import PolicyFileError, load_overlay, load_pack
from warden.policy.model import Severity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

GOOD = (FIXTURES / "mini-pack.yaml").read_text()


def _write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _only_problem(exc: pytest.ExceptionInfo[PolicyFileError]):  # type: ignore[no-untyped-def]
    assert len(exc.value.problems) == 1, exc.value.problems
    return exc.value.problems[0]


def test_good_pack_loads_with_revision() -> None:
    loaded = load_pack(FIXTURES / "mini-pack.yaml")
    assert loaded.ref == "mini@2024-01-01"
    assert loaded.revision.startswith("mini@2024-01-01#") and len(loaded.digest) == 64
    assert [r.id for r in loaded.pack.rules] == ["mini.hate", "mini.csam", "mini.adult", "mini.kids"]
    assert loaded.pack.rules[1].hard_limit


def test_unknown_category_names_file_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("category: hate,", "category: hatred,"))
    with pytest.raises(PolicyFileError) as exc:
        load_pack(path)
    problem = _only_problem(exc)
    line = GOOD.splitlines().index("      signals: [{category: hate, min_score: 0.5}]") + 1
    assert problem.path == path and problem.line == line
    assert problem.field == "rules[0].triggers.signals[0].category"
    assert "unknown signal category 'hatred'" in problem.message
    assert problem.render().startswith(f"{path}:{line}: rules[0].triggers.signals[0].category:")


def test_bad_enum_and_missing_field(tmp_path: Path) -> None:
    text = GOOD.replace("kind: prohibition\n    triggers:\n      signals: [{category: hate",
                        "kind: forbidden\n    triggers:\n      signals: [{category: hate", 1)
    text = text.replace("    title: No sexual content involving minors\n", "")
    with pytest.raises(PolicyFileError) as exc:
        load_pack(_write(tmp_path, text))
    fields = {p.field for p in exc.value.problems}
    assert fields == {"rules[0].kind", "rules[1].title"}
    assert all(p.line is not None for p in exc.value.problems)


def test_unknown_field_rejected(tmp_path: Path) -> None:
    text = GOOD.replace("    hard_limit: true\n", "    hard_limit: true\n    hardlimit: true\n")
    with pytest.raises(PolicyFileError) as exc:
        load_pack(_write(tmp_path, text))
    problem = _only_problem(exc)
    assert problem.field == "rules[1].hardlimit" and problem.message == "unknown field"


def test_invalid_cel_condition_rejected(tmp_path: Path) -> None:
    text = GOOD.replace('"children-under-13" in app.audience', '"children-under-13" in app.audience &&')
    with pytest.raises(PolicyFileError) as exc:
        load_pack(_write(tmp_path, text))
    problem = _only_problem(exc)
    assert problem.field == "rules[3].triggers.condition"
    assert "invalid CEL expression" in problem.message


def test_duplicate_rule_ids_and_duplicate_keys(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError) as exc:
        load_pack(_write(tmp_path, GOOD.replace("id: mini.adult", "id: mini.hate")))
    assert "duplicate rule id 'mini.hate'" in _only_problem(exc).message

    with pytest.raises(PolicyFileError) as exc:
        load_pack(_write(tmp_path, GOOD.replace("    hard_limit: true\n", "    hard_limit: true\n    hard_limit: false\n")))
    problem = _only_problem(exc)
    assert problem.message == "duplicate key" and problem.field == "rules[1].hard_limit"


def test_hard_limit_cannot_delegate(tmp_path: Path) -> None:
    text = GOOD.replace("    hard_limit: true\n", "    hard_limit: true\n    delegates: [threshold]\n")
    with pytest.raises(PolicyFileError) as exc:
        load_pack(_write(tmp_path, text))
    assert "hard limit cannot delegate" in _only_problem(exc).message


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "pack:\n  id: x\n  title: [unclosed\n")
    with pytest.raises(PolicyFileError) as exc:
        load_pack(path)
    problem = _only_problem(exc)
    assert problem.line is not None and problem.message.startswith("YAML syntax")


def test_not_a_mapping_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="must be a YAML mapping"):
        load_pack(_write(tmp_path, "- just\n- a list\n"))
    with pytest.raises(PolicyFileError, match="cannot read file"):
        load_pack(tmp_path / "missing.yaml")


def test_overlay_cannot_claim_platform_layer(tmp_path: Path) -> None:
    path = _write(tmp_path, "overlay: {id: acme, title: Acme, layer: platform}\n", "o.yaml")
    with pytest.raises(PolicyFileError) as exc:
        load_overlay(path)
    assert _only_problem(exc).field == "overlay.layer"


def test_ordered_enums() -> None:
    assert Severity.LOW < Severity.CRITICAL and max(Severity) is Severity.CRITICAL
