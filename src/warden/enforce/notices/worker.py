"""Deliver the outbox in the background while the service runs.

Notices are written in the same transaction as the action that caused them;
this loop is what actually sends them (and retries on the outbox's backoff),
so a running `warden serve` needs no cron job.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from warden.enforce.notices.outbox import DeliveryRun

log = logging.getLogger(__name__)


class DeliveryWorker(threading.Thread):
    def __init__(self, run_once: Callable[[], DeliveryRun], every: float) -> None:
        super().__init__(name="warden-notices", daemon=True)
        if every <= 0:
            raise ValueError("the delivery interval must be positive")
        self.run_once, self.every = run_once, every
        self.stopped = threading.Event()
        self.runs = 0

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                result = self.run_once()
                if result.delivered or result.retrying or result.failed:
                    log.info("notices: %d delivered, %d to retry, %d failed",
                             result.delivered, result.retrying, result.failed)
            except Exception:  # a database hiccup must not end delivery for the life of the service
                log.exception("notice delivery run failed; trying again in %.0f s", self.every)
            self.runs += 1
            self.stopped.wait(self.every)

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped.set()
        self.join(timeout)
