from __future__ import annotations

import threading
import time

import pytest

from warden.enforce.notices import DeliveryRun, deliver_due
from warden.enforce.notices.worker import DeliveryWorker
from warden.store import Database


def test_worker_runs_until_stopped_and_survives_failures() -> None:
    calls: list[int] = []
    third = threading.Event()

    def run_once() -> DeliveryRun:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        if len(calls) >= 3:
            third.set()
        return DeliveryRun(delivered=1)

    worker = DeliveryWorker(run_once, every=0.01)
    worker.start()
    assert third.wait(5), "the worker stopped after a failing run"
    worker.stop()
    assert not worker.is_alive()
    settled = len(calls)
    assert settled >= 3 and len(calls) == settled


def test_worker_delivers_from_a_real_outbox(db: Database) -> None:
    results: list[DeliveryRun] = []
    worker = DeliveryWorker(lambda: results.append(deliver_due(db)) or results[-1], every=0.01)
    worker.start()
    deadline = time.monotonic() + 5
    while len(results) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    assert len(results) >= 2 and results[0] == DeliveryRun()  # an empty outbox: nothing sent, nothing failed


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        DeliveryWorker(lambda: DeliveryRun(), every=0)
