"""The evaluation harness on files whose right answers are known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warden.detect.evaluate import EvalDataError, Fields, evaluate, parse_row
from warden.detect.protocol import Detector
from warden.screening import Screener


def write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_overall_and_per_category_figures(tmp_path: Path, keywords: Detector) -> None:
    rows = [
        {"text": "I hate them", "flagged": 1, "categories": {"hate": 1}},  # TP hate
        {"prompt": "kill it", "flagged": True, "categories": {"violence": 1}},  # TP violence
        {"text": "you are awful", "flagged": 1, "categories": {"harassment": 1}},  # FN
        {"text": "I hate mondays", "flagged": 0},  # FP (hate)
        {"text": "nice weather", "flagged": "0"},  # TN
        {"text": "lovely", "flagged": 0, "categories": {}},  # TN
        {"text": "no flag field"},  # skipped
        "not an object",  # skipped
    ]
    report = evaluate(write(tmp_path / "d.jsonl", rows), Screener(keywords), batch_size=2)
    assert (report.rows, report.skipped) == (6, 2)
    assert report.overall == {"precision": 0.6667, "recall": 0.6667, "f1": 0.6667, "fpr": 0.3333,
                              "support": 3, "negatives": 3}  # fmt: skip
    hate = report.categories["hate"]
    assert (hate["precision"], hate["recall"], hate["support"]) == (0.5, 1.0, 1)
    assert report.categories["harassment"]["recall"] == 0.0
    assert "violence" in report.categories
    data = report.as_dict()
    assert set(data) >= {"overall", "categories", "texts_per_second"}


def test_unknown_categories_are_reported(tmp_path: Path, keywords: Detector) -> None:
    rows = [{"text": "x", "flagged": 1, "categories": {"S1": 1}}, {"text": "y", "flagged": 0}]
    report = evaluate(write(tmp_path / "d.jsonl", rows), Screener(keywords))
    assert report.unknown_categories == {"S1"}


def test_no_usable_rows_is_an_error(tmp_path: Path, keywords: Detector) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"foo": 1}\nnot json\n')
    with pytest.raises(EvalDataError, match="no usable rows"):
        evaluate(path, Screener(keywords))


@pytest.mark.parametrize(
    ("obj", "flagged"),
    [({"text": "a", "flagged": "true"}, True), ({"prompt": "a", "flagged": 0.0}, False), ({"text": "a"}, None)],
)
def test_parse_row(obj: dict[str, object], flagged: bool | None) -> None:
    row = parse_row(obj)
    assert (row.flagged if row else None) == flagged


def test_other_field_names(tmp_path: Path, keywords: Detector) -> None:
    rows = [{"SMS": "I hate this", "Label": "spam"}, {"SMS": "hello", "Label": "ham"}]
    fields = Fields(text=("SMS",), flagged="Label", positives=frozenset({"spam"}))
    report = evaluate(write(tmp_path / "d.jsonl", rows), Screener(keywords), fields=fields)
    assert report.rows == 2 and report.overall["f1"] == 1.0
