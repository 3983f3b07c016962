"""The local engine: this process, one batch after another (small stores, tests)."""

from __future__ import annotations

import time

from warden.scan.engine import ScanJob, ScanReport
from warden.scan.store import item_batches
from warden.scan.work import BatchScanner


class LocalEngine:
    name = "local"

    def __init__(self, workers: int = 1, address: str | None = None) -> None:
        self.workers = 1

    def run(self, job: ScanJob) -> ScanReport:
        started = time.perf_counter()
        scanner = BatchScanner(job)
        scanned = written = 0
        for batch in item_batches(scanner.db, job.batch_size, job.org_id):
            scanned += len(batch)
            written += scanner.scan(batch)
        return ScanReport(engine=self.name, workers=1, policy_revision=scanner.policy.revision, scanned=scanned,
                          written=written, seconds=time.perf_counter() - started)

