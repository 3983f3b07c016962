from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from warden.detect.pipeline import DetectorSet
from warden.detect.testing import KeywordDetector
from warden.enforce.notices import DeliveryRun, Message, Target, deliver_due, enqueue
from warden.enforce.notices.worker import DeliveryWorker
from warden.policy.layering import EffectivePolicy
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.settings import Settings
from warden.store import Database
from warden.store.tables import Delivery


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
    time.sleep(0.05)  # a stopped worker runs no more
    assert settled >= 3 and len(calls) == settled


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[Message, Target]] = []

    def send(self, message: Message, target: Target) -> None:
        self.sent.append((message, target))


def test_the_runtimes_worker_delivers_a_queued_notice(db: Database, mini_policy: EffectivePolicy) -> None:
    recorder = Recorder()
    runtime = Runtime(db=db, policies=PolicyProvider.fixed(mini_policy),
                      detectors=DetectorSet([KeywordDetector({})]), settings=Settings(deliver_every=0.01),
                      channels=lambda name: recorder)
    with db.transaction() as s:
        notice = enqueue(s, org_id=None, event="policy.updated", recipient_type="operator", recipient_id=None,
                         payload={"revision": "mini@2024-01-01"})
    runtime.start()
    try:
        deadline = time.monotonic() + 5
        while not recorder.sent and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        runtime.close()
    [(message, _)] = recorder.sent
    assert (message.notice_id, message.event, message.data) == (notice.id, "policy.updated",
                                                                {"revision": "mini@2024-01-01"})
    with db.transaction() as s:
        [delivery] = s.execute(select(Delivery).where(Delivery.notice_id == notice.id)).scalars()
        assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.delivered_at is not None
    assert deliver_due(db) == DeliveryRun()  # delivered once: nothing is due any more


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        DeliveryWorker(lambda: DeliveryRun(), every=0)
