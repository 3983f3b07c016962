"""The review fixture set: realistic GPT, API-app and plugin submissions with expected outcomes.

`tests/fixtures/review/apps/*.json` are app and GPT submissions;
`tests/fixtures/review/plugins/<name>/` hold an `ai-plugin.json`, its
`openapi.yaml` and, where the developer declared anything, `declarations.yaml`.
`expected.yaml` gives, per fixture and per policy version, the verdicts and the
exact sets of rules that fail or need a human.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from warden.review.loading import load_app, load_plugin
from warden.review.schema import Submission

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "review"
VERSIONS = ("2023-03-23", "2025-01-29")


def names() -> list[str]:
    apps = [f"apps/{p.stem}" for p in sorted((ROOT / "apps").glob("*.json"))]
    plugins = [f"plugins/{p.name}" for p in sorted((ROOT / "plugins").iterdir()) if p.is_dir()]
    return apps + plugins


def load(name: str) -> Submission:
    path = ROOT / name
    if name.startswith("plugins/"):
        declarations = path / "declarations.yaml"
        return load_plugin(path / "ai-plugin.json", path / "openapi.yaml",
                           declarations if declarations.exists() else None)
    return load_app(path.with_suffix(".json"))


def expected() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "expected.yaml").read_text())
    return data
