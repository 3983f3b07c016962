"""Detection batched across concurrent callers: one detector batch, each caller its own answer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from warden.batching import DetectionBatcher
from warden.detect.pipeline import Detection, DetectorSet
from warden.detect.protocol import DetectorError
from warden.detect.signals import Signal
from warden.detect.testing import KeywordDetector
from warden.policy.layering import EffectivePolicy
from warden.screening import Screened, Screener


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


def test_submit_applies_each_callers_follow_up_on_the_worker_and_keeps_its_error_to_that_caller() -> None:
    import threading

    detector = Recording()
    batcher = DetectionBatcher(DetectorSet.of(detector), window_s=0.05)
    threads: list[str] = []

    def names(found: list[Detection]) -> list[str]:
        threads.append(threading.current_thread().name)
        return [s.category for d in found for s in d.signals]

    def broken(found: list[Detection]) -> list[str]:
        raise ValueError("this caller's policy cannot resolve")

    futures = [batcher.submit(["kill it"], names), batcher.submit(["hello"], broken), batcher.submit(["kill"], names)]
    assert futures[0].result(timeout=5) == ["violence"] and futures[2].result(timeout=5) == ["violence"]
    with pytest.raises(ValueError, match="cannot resolve"):
        futures[1].result(timeout=5)
    assert set(threads) == {"warden-detection-batcher"}  # the follow-up ran on the worker, not the caller


def test_a_cancelled_request_is_skipped_and_the_others_are_answered() -> None:
    detector = Recording()
    batcher = DetectionBatcher(DetectorSet.of(detector), window_s=0.2)
    batcher._last_requests = 2  # as under load: the worker waits the window for company
    kept = batcher.submit(["kill"], lambda found: found)
    gone = batcher.submit(["gone"], lambda found: found)
    assert gone.cancel()
    assert kept.result(timeout=5)[0].signals
    assert detector.sizes == [1]  # the cancelled caller's content was never detected


def test_screen_async_awaits_the_batch_and_decides_off_the_event_loop(mini_policy: EffectivePolicy) -> None:
    import asyncio

    screener = Screener(Recording(), policy=mini_policy, batch_window_s=0.01)

    async def go() -> list[list[Screened]]:
        return await asyncio.gather(*[screener.screen_async([t]) for t in ("kill them", "hi", "kill")])

    # on a thread of its own: another test's library (litellm) may leave a loop running in this one
    with ThreadPoolExecutor(max_workers=1) as pool:
        answers = pool.submit(asyncio.run, go()).result(timeout=30)
        assert pool.submit(asyncio.run, screener.screen_async([])).result(timeout=30) == []
    sync = [screener.screen([t])[0] for t in ("kill them", "hi", "kill")]
    for got, want in zip(answers, sync, strict=True):
        assert len(got) == 1
        assert got[0].scores == want.scores
        assert got[0].decision is not None and want.decision is not None
        assert got[0].decision.verdict == want.decision.verdict
