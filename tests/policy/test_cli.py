from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from warden.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_validate_broken_pack_prints_file_line_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = (FIXTURES / "mini-pack.yaml").read_text().replace("severity: critical", "severity: apocalyptic")
    broken.write_text(text)
    line = text.splitlines().index("    enforcement: {severity: apocalyptic, verdict: block, action: termination}") + 1
    result = run("policy", "validate", str(broken))
    assert result.exit_code == 1
    assert f"{broken}:{line}: rules[1].enforcement.severity:" in result.output

    result = run("policy", "validate", str(broken), "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and payload["problems"][0]["line"] == line


def test_validate_good_files_and_overlay(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("overlay: {id: acme, title: Acme, layer: operator}\nadjust:\n  - {rule: mini.csam, enabled: false}\n")
    pack = str(FIXTURES / "mini-pack.yaml")
    assert run("policy", "validate", pack).exit_code == 0
    # The overlay is checked against the platform policy in force (the mini pack is in force from 2024).
    result = run("policy", "validate", pack, str(overlay), "--on", "2024-06-01")
    assert result.exit_code == 1 and "hard limit" in result.output


def test_list_show_effective_json() -> None:
    extra = ["--packs", str(FIXTURES / "versions")]
    listed = json.loads(run("policy", "list", "--on", "2024-06-01", "--json", *extra).stdout)
    live = {p["ref"]: p["in_force"] for p in listed["packs"]}
    assert live["mini@2024-01-01"] is True and live["mini@2025-06-01"] is False

    shown = json.loads(run("policy", "show", "mini.spam", "--json", *extra).stdout)
    assert shown["pack"] == "mini@2025-06-01" and shown["rule"]["triggers"]["signals"][0]["category"] == "spam"

    eff = json.loads(run("policy", "effective", "--pack", "mini@2024-01-01", "--surface", "gpt-store",
                         "--json", *extra).stdout)
    assert {r["rule_id"] for r in eff["rules"]} == {"mini.hate", "mini.csam", "mini.adult", "mini.kids"}
    assert eff["revision"].startswith("mini@2024-01-01#")


def test_diff_text_and_unknown_names() -> None:
    extra = ["--packs", str(FIXTURES / "versions")]
    result = run("policy", "diff", "mini@2024-01-01", "mini@2025-06-01", *extra)
    assert result.exit_code == 0
    assert "+ mini.spam" in result.stdout and "- mini.adult" in result.stdout
    assert "hate>=0.5 → hate>=0.4" in result.stdout and "2024-09-01" in result.stdout

    result = run("policy", "diff", "mini@2024-01-01", "nope@1", *extra)
    assert result.exit_code == 1 and "no pack 'nope@1'" in result.output
    assert run("policy", "show", "no.such-rule", *extra).exit_code == 1
    assert run("policy", "list", "--on", "yesterday").exit_code == 1


def test_validate_warns_about_undocumented_context_fields(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("""\
overlay: {id: acme, title: Acme, layer: operator}
rules:
  - id: acme.kids
    title: Kids
    summary: No apps for kids.
    citation: {document: Acme terms, date: 2024-01-01, section: A, item: "1"}
    surfaces: [all]
    kind: prohibition
    triggers: {condition: 'has(app.audiences) && "kids" in app.audiences'}
""")
    result = run("policy", "validate", str(FIXTURES / "mini-pack.yaml"), str(overlay), "--on", "2024-06-01")
    assert result.exit_code == 0, result.output
    assert "acme.kids reads app.audiences, which is not a documented context field" in result.output
    payload = json.loads(run("policy", "validate", str(overlay), "--json").stdout)
    assert payload["ok"] is True and len(payload["warnings"]) == 1
