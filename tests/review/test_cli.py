from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from review.fixtures import ROOT, names
from warden.cli import app

runner = CliRunner()
P25 = ["--policy", "openai-usage@2025-01-29", "--detectors", "recognisers"]


def test_review_app_json_exit_code_and_report() -> None:
    result = runner.invoke(app, ["review", str(ROOT / "apps/gpt-card-checkout.json"), *P25, "--json"])
    assert result.exit_code == 4, result.output
    report = json.loads(result.stdout)
    assert report["allowed"] == "fail" and report["store"] == "ineligible"
    [failure] = [r for r in report["results"] if r["outcome"] == "fail"]
    assert failure["rule_id"] == "gpt.privacy.sensitive-identifiers"
    assert failure["citation"]["section"] == "Building with ChatGPT" and failure["citation"]["item"] == "1.2"
    assert failure["evidence"][0]["field"] == "instructions"


def test_review_plugin_pair() -> None:
    folder = ROOT / "plugins/flight-deals-steering"
    result = runner.invoke(app, ["review", "--plugin", str(folder / "ai-plugin.json"), str(folder / "openapi.yaml"),
                                 "--policy", "openai-usage@2023-03-23", "--detectors", "recognisers"])
    assert result.exit_code == 4
    assert "plugin.no-steering-instructions" in result.output
    compliant = ROOT / "plugins/weather-forecast"
    ok = runner.invoke(app, ["review", "--plugin", str(compliant / "ai-plugin.json"), str(compliant / "openapi.yaml"),
                             "--policy", "openai-usage@2023-03-23", "--detectors", "recognisers"])
    assert ok.exit_code == 0 and "allowed: pass" in ok.output


def test_bad_input_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "app.json"
    bad.write_text(json.dumps({"name": "x", "audience": "kids"}))
    result = runner.invoke(app, ["review", str(bad), *P25])
    assert result.exit_code == 1
    assert "audience" in result.output and "Traceback" not in result.output
    usage = runner.invoke(app, ["review", "--plugin", str(bad), str(bad), str(bad), *P25])
    assert usage.exit_code == 2


def test_review_many_files_and_folders_in_one_process() -> None:
    apps = [str(ROOT / "apps/gpt-recipe-helper.json"), str(ROOT / "apps/gpt-card-checkout.json")]
    result = runner.invoke(app, ["review", *apps, str(ROOT / "plugins/todo-list"), *P25, "--json"])
    assert result.exit_code == 4, result.output  # the worst outcome of the three
    reports = json.loads(result.stdout)
    assert [r["submission_id"] for r in reports] == ["gpt-recipe-helper", "gpt-card-checkout", "plugin:tasklist"]
    assert [r["allowed"] for r in reports] == ["pass", "fail", "pass"]
    folder = runner.invoke(app, ["review", str(ROOT / "plugins"), *P25])
    assert folder.exit_code in (0, 3, 4) and f"{len(list((ROOT / 'plugins').iterdir()))} reviewed" in folder.output


def test_a_bad_file_among_many_is_reported_and_the_rest_reviewed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", "kind": "gpt", "name": "X", "disclosures": {"professional_reveiw": true}}')
    result = runner.invoke(app, ["review", str(bad), str(ROOT / "apps/gpt-recipe-helper.json"), *P25, "--json"])
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert items[0]["submission_id"] == "gpt-recipe-helper"
    assert "did you mean 'professional_review'?" in items[1]["error"] and "accepted: ai," in items[1]["error"]


def test_misspelt_tags_warn_with_the_accepted_values(tmp_path: Path) -> None:
    path = tmp_path / "kids.json"
    path.write_text(json.dumps({"id": "kids", "kind": "gpt", "name": "Kids", "description": "Stories.",
                                "audience": ["children_under_13"], "categories": ["gamblng"]}))
    result = runner.invoke(app, ["review", str(path), *P25])
    assert "audience: 'children_under_13' is not a value any rule of the policy reads; did you mean " \
           "'children-under-13'?" in result.output
    assert "did you mean 'gambling'?" in result.output and "accepted: " in result.output
    report = json.loads(runner.invoke(app, ["review", str(path), *P25, "--json"]).stdout)
    assert len(report["warnings"]) == 2


def test_unloadable_detector_is_an_error_not_a_smaller_review() -> None:
    # Fail closed (issue 9): a configured detector that cannot load stops the command with its name.
    result = runner.invoke(app, ["review", str(ROOT / "apps/gpt-recipe-helper.json"), "--policy",
                                 "openai-usage@2025-01-29", "--detectors", "no-such-detector,recognisers"])
    assert result.exit_code == 1
    assert "no-such-detector" in result.output and "cannot load" in result.output


def test_rescan_shadow_from_files() -> None:
    result = runner.invoke(app, ["rescan", "--from", str(ROOT), "--baseline", "openai-usage@2023-03-23",
                                 "--policy", "openai-usage@2025-01-29", "--shadow", "--detectors", "recognisers",
                                 "--json"])
    assert result.exit_code == 0, result.output
    impact = json.loads(result.stdout)
    assert impact["reviewed"] == len(names()) and impact["shadow"] is True
    assert impact["newly_failing_by_rule"]["gpt.privacy.sensitive-identifiers"] == 2
    both = runner.invoke(app, ["rescan", "--policy", "openai-usage@2025-01-29", "--shadow", "--promote"])
    assert both.exit_code == 2
