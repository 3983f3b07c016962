from __future__ import annotations

import json
from pathlib import Path

import pytest

from warden.review.loading import SubmissionError, load_app, load_plugin, parse_openapi, submission_from_dict
from warden.review.schema import AppKind, PluginSubmission


def test_openapi_operations_keep_their_pointers() -> None:
    doc = parse_openapi({
        "info": {"title": "T", "description": "D"},
        "paths": {"/a": {"get": {"operationId": "getA", "summary": "S", "responses": {"200": {"description": "ok"}}}}},
    })
    [op] = doc.operations
    assert (op.operation_id, op.pointer) == ("getA", "openapi.paths./a.get")
    assert doc.response_texts == [("openapi.paths./a.get.responses.200", "ok")]


def test_plugin_body_dispatches_on_manifest() -> None:
    manifest = {
        "schema_version": "v1", "name_for_human": "T", "name_for_model": "t", "description_for_human": "x",
        "description_for_model": "x", "auth": {"type": "none"}, "api": {"type": "openapi", "url": "https://t/o.yaml"},
    }
    sub = submission_from_dict({"manifest": manifest, "openapi": {"paths": {}}, "categories": ["News"]})
    assert isinstance(sub, PluginSubmission)
    assert sub.kind is AppKind.PLUGIN and sub.categories == ["news"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"description": "no name"}, "name: Field required"),
        ({"name": "x", "categories": "medical"}, "categories: Input should be a valid list"),
        ({"name": "x", "kind": "plugin"}, "kind:"),
        ({"manifest": {"schema_version": "v1"}}, "manifest.name_for_human: Field required"),
        ({"manifest": {"schema_version": "v1", "name_for_human": "a", "name_for_model": "bad name!",
                       "auth": {"type": "none"}, "api": {"url": "u"}}}, "manifest.name_for_model"),
        ({"manifest": {"schema_version": "v1", "name_for_human": "a", "name_for_model": "a",
                       "auth": {"type": "none"}, "api": {"url": "u"}}, "openapi": ["x"]}, "openapi: expected"),
    ],
)
def test_bad_submissions_name_the_field(body: object, message: str) -> None:
    with pytest.raises(SubmissionError) as info:
        submission_from_dict(body)
    assert message in str(info.value)


def test_files_that_do_not_parse_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "app.json"
    broken.write_text("{not json")
    with pytest.raises(SubmissionError, match=r"app\.json: not valid JSON"):
        load_app(broken)
    manifest = tmp_path / "ai-plugin.json"
    manifest.write_text(json.dumps({"schema_version": "v1"}))
    with pytest.raises(SubmissionError, match=r"ai-plugin\.json: manifest\.name_for_human"):
        load_plugin(manifest)
    with pytest.raises(SubmissionError, match="cannot read"):
        load_app(tmp_path / "missing.json")
