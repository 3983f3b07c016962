"""The service's detectors as one set: run them all over a batch and merge their signals.

A `DetectorSet` is itself a `Detector` (so anything that takes one takes the set),
and `run` also says, per content, which input types the detectors that ran read
(from the modalities each declares). `DetectorSet.load` builds the configured set
by name through the registry and fails loudly: a detector that cannot be built or
warmed is an error at start-up, never a silently smaller set.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warden.categories import CATEGORIES
from warden.detect import registry
from warden.detect.protocol import Content, Detector, Modality, input_types
from warden.detect.signals import Signal
from warden.errors import ConfigurationError
from warden.trends import metrics


class DetectorLoadError(ConfigurationError, RuntimeError):
    """A configured detector could not be built or loaded."""


@dataclass(frozen=True, slots=True)
class Detection:
    """One content's signals, and the input types the detectors that ran read from it."""

    signals: list[Signal]
    applied_input_types: tuple[Modality, ...]
    image_categories: frozenset[str] = frozenset()  # categories a detector scored from this content's images


def modalities_of(detector: Detector) -> tuple[Modality, ...]:
    """What a detector declares it reads (a plugin written before modalities were declared reads text)."""
    declared: tuple[Modality, ...] = getattr(detector, "modalities", ("text",))
    return declared


def image_categories_of(content: Content, detectors: Sequence[Detector]) -> frozenset[str]:
    """The categories the image-reading detectors score from pixels (their `image_categories`), if the content
    holds an image: where no detector scores a category from an image, `image` is not applied to it. An image
    detector that declares no `image_categories` (a plugin written before they existed) counts for every one."""
    if "image" not in input_types(content):
        return frozenset()
    found: set[str] = set()
    for d in detectors:
        if "image" in modalities_of(d):
            declared = getattr(d, "image_categories", None)  # a plugin that declares none: every category
            found |= set(CATEGORIES if declared is None else declared)
    return frozenset(found)


def _applied(content: Content, detectors: Sequence[Detector]) -> tuple[Modality, ...]:
    present = set(input_types(content))
    read = {m for d in detectors for m in modalities_of(d)}
    order: tuple[Modality, ...] = ("text", "image")
    return tuple(m for m in order if m in present and m in read)


class DetectorSet:
    name = "detectors"

    def __init__(self, detectors: Sequence[Detector]) -> None:
        if not detectors:
            raise ValueError("a detector set needs at least one detector")
        self.detectors = list(detectors)
        self.version = "+".join(f"{d.name}@{d.version}" for d in self.detectors)
        seen: list[Modality] = []
        for d in self.detectors:
            seen += [m for m in modalities_of(d) if m not in seen]
        self.modalities: tuple[Modality, ...] = tuple(seen)

    @classmethod
    def of(cls, detector: Detector | Sequence[Detector]) -> DetectorSet:
        if isinstance(detector, DetectorSet):
            return detector
        if isinstance(detector, Sequence):
            return cls(detector)
        return cls([detector])

    @classmethod
    def load(cls, names: Sequence[str], options: Mapping[str, Mapping[str, Any]] | None = None,
             warm: bool = True) -> DetectorSet:
        """Build the named detectors; with `warm`, load each now (models, trained heads)."""
        opts = options or {}
        built: list[Detector] = []
        for name in names:
            try:
                detector = registry.create(name, **dict(opts.get(name, {})))
                prepare = getattr(detector, "warm", None)
                if warm and callable(prepare):
                    prepare()
            except Exception as exc:  # any failure to build is fatal: say which detector and why
                raise DetectorLoadError(f"detector {name!r} cannot load: {str(exc).strip(chr(34))}") from exc
            built.append(detector)
        if not built:
            raise DetectorLoadError("no detectors configured")
        return cls(built)

    def __iter__(self) -> Iterator[Detector]:
        return iter(self.detectors)

    def __len__(self) -> int:
        return len(self.detectors)

    @property
    def idents(self) -> list[str]:
        return [f"{d.name}@{d.version}" for d in self.detectors]

    def run(self, contents: Sequence[Content]) -> list[Detection]:
        merged: list[list[Signal]] = [[] for _ in contents]
        for detector in self.detectors:
            started = time.perf_counter()
            for i, signals in enumerate(detector.detect(contents)):
                merged[i].extend(signals)
            metrics.observe_detector(detector.name, time.perf_counter() - started)
        return [Detection(signals, _applied(c, self.detectors), image_categories_of(c, self.detectors))
                for c, signals in zip(contents, merged, strict=True)]

    def detect(self, contents: Sequence[Content]) -> list[list[Signal]]:
        return [d.signals for d in self.run(contents)]

    def warm(self) -> None:
        for d in self.detectors:
            prepare = getattr(d, "warm", None)
            if callable(prepare):
                prepare()
