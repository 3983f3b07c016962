"""Reading submissions from files and JSON bodies, with clear errors.

Bad input is a `SubmissionError` naming the file and field, never a traceback:
the CLI prints it and exits non-zero, the API answers 400 with it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from warden.errors import InvalidInput
from warden.review.schema import (
    AppSubmission,
    Disclosures,
    OpenAPIDocument,
    Operation,
    PluginManifest,
    PluginSubmission,
    Submission,
)

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class SubmissionError(InvalidInput, ValueError):
    """A submission, manifest or OpenAPI document that cannot be reviewed as given."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message, param=param)


def _accepted_keys(loc: tuple[Any, ...], top: list[str] | None) -> list[str] | None:
    """For an unknown key: the keys accepted there (disclosures, or the submission's own fields)."""
    if len(loc) == 2 and loc[0] == "disclosures":
        return sorted(Disclosures.model_fields)
    return top if len(loc) == 1 else None


def _first_error(exc: ValidationError, prefix: str = "", top: list[str] | None = None) -> SubmissionError:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    param = f"{prefix}{loc}" if loc else prefix.rstrip(".") or None
    message = str(first["msg"])
    keys = _accepted_keys(tuple(first["loc"]), top) if first["type"] == "extra_forbidden" and not prefix else None
    if keys is not None:
        given = str(first["loc"][-1])
        guess = difflib.get_close_matches(given.replace("-", "_"), keys, n=1, cutoff=0.75)
        message = (f"unknown key {given!r}; " + (f"did you mean {guess[0]!r}? " if guess else "")
                   + f"accepted: {', '.join(keys)}")
    return SubmissionError(f"{param}: {message}" if param else message, param)


def read_structured(path: Path) -> Any:
    """JSON or YAML by extension (YAML is a superset, so unknown extensions are read as YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SubmissionError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SubmissionError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None


def parse_openapi(data: Any) -> OpenAPIDocument:
    """The parts of an OpenAPI 3 document a reviewer reads: info, operations, response descriptions."""
    if data is None:
        return OpenAPIDocument()
    if not isinstance(data, Mapping):
        raise SubmissionError("openapi: expected an OpenAPI document (a mapping)", "openapi")
    info = data.get("info") or {}
    paths = data.get("paths") or {}
    if not isinstance(info, Mapping) or not isinstance(paths, Mapping):
        raise SubmissionError("openapi: `info` and `paths` must be mappings", "openapi")
    operations: list[Operation] = []
    responses: list[tuple[str, str]] = []
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            raise SubmissionError(f"openapi.paths.{path}: expected a mapping", f"openapi.paths.{path}")
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, Mapping):
                continue
            pointer = f"openapi.paths.{path}.{method}"
            operations.append(
                Operation(
                    method=method,
                    path=str(path),
                    operation_id=str(op["operationId"]) if op.get("operationId") else None,
                    summary=str(op.get("summary") or ""),
                    description=str(op.get("description") or ""),
                    pointer=pointer,
                )
            )
            for status, response in (op.get("responses") or {}).items():
                if isinstance(response, Mapping) and response.get("description"):
                    responses.append((f"{pointer}.responses.{status}", str(response["description"])))
    return OpenAPIDocument(
        title=str(info.get("title") or ""),
        description=str(info.get("description") or ""),
        operations=operations,
        response_texts=responses,
    )


def app_from_dict(data: Any) -> AppSubmission:
    if not isinstance(data, Mapping):
        raise SubmissionError("submission: expected a JSON object")
    try:
        return AppSubmission.model_validate(dict(data))
    except ValidationError as exc:
        raise _first_error(exc, top=sorted(AppSubmission.model_fields)) from None


def plugin_from_dicts(
    manifest: Any, openapi: Any = None, declarations: Mapping[str, Any] | None = None
) -> PluginSubmission:
    if not isinstance(manifest, Mapping):
        raise SubmissionError("manifest: expected an ai-plugin.json object", "manifest")
    try:
        parsed = PluginManifest.model_validate(dict(manifest))
    except ValidationError as exc:
        raise _first_error(exc, "manifest.") from None
    document = parse_openapi(openapi)
    try:
        return PluginSubmission.model_validate(
            {"manifest": parsed, "openapi": document, **dict(declarations or {})}
        )
    except ValidationError as exc:
        raise _first_error(exc) from None


def submission_from_dict(data: Any) -> Submission:
    """An app/GPT submission, or `{"manifest": ..., "openapi": ...}` for a plugin."""
    if isinstance(data, Mapping) and "manifest" in data:
        rest = {k: v for k, v in data.items() if k not in ("manifest", "openapi")}
        return plugin_from_dicts(data["manifest"], data.get("openapi"), rest)
    return app_from_dict(data)


def load_app(path: Path) -> AppSubmission:
    try:
        return app_from_dict(read_structured(path))
    except SubmissionError as exc:
        raise SubmissionError(f"{path}: {exc}" if not str(exc).startswith(str(path)) else str(exc), exc.param) from None


def load_plugin(manifest: Path, openapi: Path | None = None, declarations: Path | None = None) -> PluginSubmission:
    extra = read_structured(declarations) if declarations is not None else None
    if extra is not None and not isinstance(extra, Mapping):
        raise SubmissionError(f"{declarations}: expected a mapping of declarations")
    try:
        return plugin_from_dicts(
            read_structured(manifest), read_structured(openapi) if openapi is not None else None, extra
        )
    except SubmissionError as exc:
        where = manifest if (exc.param or "").startswith("manifest") else (openapi or manifest)
        text = str(exc)
        raise SubmissionError(text if text.startswith(str(where)) else f"{where}: {text}", exc.param) from None
