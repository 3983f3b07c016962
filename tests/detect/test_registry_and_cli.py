"""Detectors are found by name the way plugins are; the CLI's check and eval on small inputs."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warden.cli import app
from warden.detect import registry
from warden.detect.protocol import Detector
from warden.detect.recognisers import RecogniserDetector

PLUGIN = '''
from warden.detect.protocol import TextDetector
from warden.detect.signals import Signal

class Shouty(TextDetector):
    name = "shouty"
    version = "1"

    def __init__(self, threshold: int = 3) -> None:
        self.threshold = threshold

    def detect_texts(self, texts):
        return [[Signal(category="harassment", score=0.9, detector=self.ident)]
                if sum(c.isupper() for c in t) >= self.threshold else [] for t in texts]
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "shouty_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = EntryPoint(name="shouty", value="shouty_plugin:Shouty", group="warden.detectors")
    monkeypatch.setattr(registry, "entry_points", lambda group: [ep] if group == "warden.detectors" else [])


def test_core_detectors_are_listed() -> None:
    assert {"embedded", "recognisers", "openai-compatible", "judge", "prototypes"} <= set(registry.available())
    detector = registry.create("recognisers", only=["cards"])
    assert isinstance(detector, RecogniserDetector)
    assert isinstance(detector, Detector)


def test_plugin_registers_through_entry_points(plugin: None) -> None:
    detector = registry.create("shouty", threshold=2)
    [[signal], []] = detector.detect(["STOP IT", "calm"])
    assert signal.detector == "shouty@1"


def test_unknown_detector() -> None:
    with pytest.raises(registry.UnknownDetector, match="unknown detector 'nope'"):
        registry.create("nope")


runner = CliRunner()


def test_check_text_with_recognisers() -> None:
    result = runner.invoke(app, ["check", "--detectors", "recognisers", "--no-policy", "mail me at a@example.com"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["warden"]["signals"]["pii"] >= 0.9
    assert set(data["categories"]) >= {"hate", "self-harm/intent"}


def test_check_file_writes_jsonl(tmp_path: Path, plugin: None) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "HELLO THERE"}\n"quiet words"\n{"prompt": "ok"}\n')
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["check", "--file", str(src), "--out", str(out), "-d", "shouty", "--no-policy"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(x["line"], x["flagged"]) for x in lines] == [(1, True), (2, False), (3, False)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check"], "give either TEXT or --file"),
        (["check", "--file", "/nonexistent.jsonl"], "no such file"),
        (["check", "-d", "nope", "x"], "unknown detector"),
        (["check", "--surface", "moon", "x"], "unknown surface"),
        (["eval", "/nonexistent.jsonl"], "no such file"),
    ],
)
def test_cli_errors_are_messages_not_tracebacks(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_check_file_bad_line(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "fine"}\n{broken\n')
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["check", "--file", str(src), "-d", "recognisers", "--out", str(out)])
    assert result.exit_code == 2 and "line 2: not JSON" in result.output
    assert list(tmp_path.iterdir()) == [src]  # nothing half-written


def test_eval_prints_table_and_writes_json(tmp_path: Path, plugin: None) -> None:
    data = tmp_path / "d.jsonl"
    rows = [
        {"text": "YOU ARE TERRIBLE", "flagged": 1, "categories": {"harassment": 1}},
        {"text": "you are kind", "flagged": 0},
        {"text": "NASA launched", "flagged": 0},
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows))
    out = tmp_path / "m.json"
    result = runner.invoke(app, ["eval", str(data), "--json", str(out), "-d", "shouty"])
    assert result.exit_code == 0, result.output
    assert "flagged (overall)" in result.output and "harassment" in result.output
    figures = json.loads(out.read_text())
    assert figures["overall"]["recall"] == 1.0 and figures["overall"]["fpr"] == 0.5
    assert figures["categories"]["harassment"]["support"] == 1


def test_detectors_command_lists_plugins(plugin: None) -> None:
    result = runner.invoke(app, ["detectors"])
    assert result.exit_code == 0
    names = {line.split("\t")[0] for line in result.stdout.splitlines()}
    assert {"embedded", "recognisers", "judge", "shouty"} <= names
