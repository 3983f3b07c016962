"""Detection batched across concurrent callers: one detector batch, each caller its own answer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from warden.batching import DetectionBatcher
from warden.detect.pipeline import DetectorSet
from warden.detect.protocol import DetectorError
from warden.detect.signals import Signal
from warden.detect.testing import KeywordDetector
from warden.screening import Screener


class Recording(KeywordDetector):
    def __init__(self) -> None:
        super().__init__({"violence": (0.9, ["kill"])})
        self.sizes: list[int] = []
        self.fail = False

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        self.sizes.append(len(texts))
        if self.fail:
            raise DetectorError("the remote detector is down")
        return super().detect_texts(texts)


def test_concurrent_callers_share_batches_and_each_gets_its_own_signals() -> None:
    detector = Recording()
    batcher = DetectionBatcher(DetectorSet.of(detector), window_s=0.05, max_batch=64)
    texts = [f"kill {i}" if i % 3 == 0 else f"hello {i}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(lambda t: batcher.run([t]), texts))
    for text, found in zip(texts, answers, strict=True):
        assert len(found) == 1
        assert bool(found[0].signals) == text.startswith("kill")
    assert sum(detector.sizes) == 40 and len(detector.sizes) < 20  # batched, not one call per caller


def test_a_lone_caller_of_an_idle_service_does_not_wait_for_the_window() -> None:
    batcher = DetectionBatcher(DetectorSet.of(Recording()), window_s=0.5)
    for _ in range(3):  # one caller at a time: each runs at once, never held for the half-second window
        started = time.perf_counter()
        assert batcher.run(["kill"])[0].signals
        assert time.perf_counter() - started < 0.25


def test_a_detector_failure_reaches_every_caller_of_the_batch_and_the_worker_survives() -> None:
    detector = Recording()
    batcher = DetectionBatcher(DetectorSet.of(detector), window_s=0.01)
    detector.fail = True
    with pytest.raises(DetectorError, match="down"):
        batcher.run(["kill"])
    detector.fail = False
    assert batcher.run(["kill"])[0].signals


def test_the_screener_batches_when_given_a_window() -> None:
    screener = Screener(Recording(), batch_window_s=0.01)
    assert screener.batcher is not None
    assert screener.screen(["kill them", "hi"], policy=None)[0].scores["violence"] == 0.9
    assert Screener(Recording()).batcher is None
