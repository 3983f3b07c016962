"""Detectors by name.

Core backends are listed in CORE_DETECTORS and plugins add theirs through the
`warden.detectors` entry-point group; both are "module:factory" paths to a
callable that takes keyword options and returns a `Detector`, so core and
third-party detectors are registered and built exactly the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

from warden.detect.protocol import Detector
from warden.errors import InvalidInput

CORE_DETECTORS: dict[str, str] = {
    "embedded": "warden.detect.embedded.detector:EmbeddedDetector",
    "recognisers": "warden.detect.recognisers.detector:RecogniserDetector",
    "openai-compatible": "warden.detect.remote:RemoteModerationDetector",
    "judge": "warden.detect.judge:JudgeDetector",
    "prototypes": "warden.detect.prototypes:PrototypeDetector",
    "hashes": "warden.detect.images.hashes:HashDetector",
    "image-classifier": "warden.detect.images.classifier:ImageClassifierDetector",
    "visual": "warden.detect.images.visual:VisualCueDetector",
}

DEFAULT_PIPELINE: tuple[str, ...] = ("embedded", "recognisers", "hashes", "image-classifier", "visual")


class UnknownDetector(InvalidInput, KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown detector {name!r}; known: {', '.join(sorted(available()))}", param="detectors")
        self.name = name


def available() -> dict[str, str]:
    """Every registered detector name and the factory path it points to."""
    found = dict(CORE_DETECTORS)
    for ep in entry_points(group="warden.detectors"):
        found.setdefault(ep.name, ep.value)
    return found


def factory(name: str) -> Callable[..., Detector]:
    paths = available()
    if name not in paths:
        raise UnknownDetector(name)
    module, _, attr = paths[name].partition(":")
    made: Callable[..., Detector] = getattr(importlib.import_module(module), attr)
    return made


def create(name: str, **options: Any) -> Detector:
    return factory(name)(**options)


def create_many(names: Sequence[str], options: dict[str, dict[str, Any]] | None = None) -> list[Detector]:
    opts = options or {}
    return [create(n, **opts.get(n, {})) for n in names]
