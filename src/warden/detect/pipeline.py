"""Run several detectors over the same batch and merge their signals."""

from __future__ import annotations

from collections.abc import Sequence

from warden.detect.protocol import Content, Detector
from warden.detect.signals import Signal


class Pipeline:
    name = "pipeline"

    def __init__(self, detectors: Sequence[Detector]) -> None:
        if not detectors:
            raise ValueError("a pipeline needs at least one detector")
        self.detectors = list(detectors)
        self.version = "+".join(f"{d.name}@{d.version}" for d in self.detectors)

    def detect(self, contents: Sequence[Content]) -> list[list[Signal]]:
        merged: list[list[Signal]] = [[] for _ in contents]
        for detector in self.detectors:
            for i, signals in enumerate(detector.detect(contents)):
                merged[i].extend(signals)
        return merged

