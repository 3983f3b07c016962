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
    usage = runner.invoke(app, ["review", str(bad), str(bad), *P25])
    assert usage.exit_code == 2


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
