"""Detection batched across concurrent callers: collect for a few milliseconds, run one batch, answer each.

The embedded detector costs far less per text in a batch than one text at a
time, but a service's callers arrive one request (often one text) each. A
`DetectionBatcher` sits under the `Screener` (so every shell benefits): each
caller thread hands its contents to one worker thread and waits; the worker takes
the first waiting request, gathers whatever else arrives within `window_s` (up
to `max_batch` contents), runs the detector set once over all of them, and gives
each caller its own slice. A lone caller of an idle service (nothing queued, and
the last batch held one caller) is run at once, without the window. A detector failure fails every caller of that batch
with the same error (a `DetectorError` is a 503 at the edge, nothing changed).

Two ways in: `run` blocks the calling thread (the CLI, sync routes); `submit` returns a
future at once and takes a follow-up (`then`) that the worker applies to the caller's slice, so
an async route awaits the future without holding a thread and the CPU work after detection (the
decisions, `Screener.screen_async`) stays off its event loop as well. The worker touches no store.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from warden.detect.pipeline import Detection, DetectorSet
from warden.detect.protocol import Content

T = TypeVar("T")


def _same(found: list[Detection]) -> list[Detection]:
    return found


@dataclass
class _Request:
    contents: Sequence[Content]
    then: Callable[[list[Detection]], Any] = _same
    answer: Future[Any] = field(default_factory=Future)


class DetectionBatcher:
    def __init__(self, detectors: DetectorSet, window_s: float = 0.003, max_batch: int = 64) -> None:
        self.detectors = detectors
        self.window_s = window_s
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # how many detector batches ran (for tests and benchmarks)
        self._last_requests = 1  # callers in the worker's last batch (1: no sign of concurrent callers)

    def run(self, contents: Sequence[Content]) -> list[Detection]:
        """The detections of `contents`, computed in a batch with other callers' contents."""
        if not contents:
            return []
        if len(contents) >= self.max_batch:
            return self.detectors.run(contents)  # a full batch already: no reason to wait for company
        return self.submit(contents, _same).result()

    def submit(self, contents: Sequence[Content], then: Callable[[list[Detection]], T]) -> Future[T]:
        """Queue `contents` and return at once; the future holds `then(detections)`, computed on the
        worker thread (an error in `then` reaches this caller only). A cancelled future is skipped."""
        self._ensure_worker()
        request = _Request(contents, then)
        self._queue.put(request)
        return request.answer

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._serve, name="warden-detection-batcher", daemon=True)
                self._worker.start()

    def _serve(self) -> None:
        while True:
            first = self._queue.get()
            batch, size = [first], len(first.contents)
            deadline = time.perf_counter() + self.window_s
            # An idle service answers at once: with nobody queued and no company in the last batch, a
            # window would only add its length to a lone caller (a gateway request screens twice, in and
            # out). Once callers overlap (a batch of several, or a queue at pick-up) the window applies.
            lone = self._queue.empty() and self._last_requests == 1
            while size < self.max_batch and not lone:
                left = deadline - time.perf_counter()
                if left <= 0:
                    break
                try:
                    more = self._queue.get(timeout=left)
                except queue.Empty:
                    break
                batch.append(more)
                size += len(more.contents)
            self._last_requests = len(batch)
            self._answer(batch)

    def _answer(self, batch: list[_Request]) -> None:
        # a caller that went away (its request cancelled) is not detected; the rest can no longer be cancelled
        batch = [r for r in batch if r.answer.set_running_or_notify_cancel()]
        if not batch:
            return
        contents = [c for r in batch for c in r.contents]
        try:
            found = self.detectors.run(contents)
        except BaseException as exc:  # every caller of the batch gets the error; the worker lives on
            for r in batch:
                r.answer.set_exception(exc)
            return
        self.batches += 1
        start = 0
        for r in batch:
            part = found[start:start + len(r.contents)]
            start += len(r.contents)
            try:
                r.answer.set_result(r.then(part))
            except Exception as exc:  # this caller's follow-up failed (its policy, say): its error alone
                r.answer.set_exception(exc)
