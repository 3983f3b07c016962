"""The Ray engine: Ray Data reads the stored items in batches, a pool of actors detects and decides.

`ray.data.read_sql` reads `content_items` straight from the store (SQLite file or PostgreSQL) in
blocks; `map_batches` sends each batch to one of `workers` actors, each holding its own detectors,
policy and store connection (`BatchScanner`, built once per actor), which writes the batch's
decisions back idempotently and returns how many it scanned and wrote.

Without `address`, a local Ray is started with `workers` + 1 CPUs (the actors, and the read task).
To use an existing cluster, pass its address (`warden rescan-content --engine ray --address
ray://head:10001`, or `auto` inside a cluster); every node needs Warden installed
(`pip install 'warden[ray]'`) and must reach the database, so use PostgreSQL there (a SQLite file
is only visible to one machine). `ray` is an optional extra.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.engine import make_url

from warden.scan.engine import ScanJob, ScanReport
from warden.scan.store import ITEMS_SQL, StoredItem


def _connection_factory(url: str) -> Any:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        path = parsed.database or ""
        return lambda: sqlite3.connect(path)
    if parsed.get_backend_name() == "postgresql":
        import psycopg

        plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return lambda: psycopg.connect(plain)
    raise ValueError(f"the ray engine reads SQLite or PostgreSQL stores, not {parsed.get_backend_name()}")


class _ScanActor:
    def __init__(self, job: ScanJob) -> None:
        from warden.scan.work import BatchScanner

        self.scanner = BatchScanner(job)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        def text(value: Any) -> str | None:
            return None if value is None or value != value else str(value)  # NULL arrives as None or NaN

        items = [StoredItem(str(i), str(o), str(t), text(a), text(w)) for i, o, t, a, w in zip(
            batch["id"], batch["org_id"], batch["text"], batch["account_id"], batch["workspace_id"], strict=True)]
        written = self.scanner.scan(items)
        return {"scanned": [len(items)], "written": [written], "revision": [self.scanner.policy.revision]}


class RayEngine:
    name = "ray"

    def __init__(self, workers: int = 1, address: str | None = None) -> None:
        self.workers = max(1, workers)
        self.address = address

    def run(self, job: ScanJob) -> ScanReport:
        import ray

        started = time.perf_counter()
        owns = not ray.is_initialized()
        if owns:
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(num_cpus=self.workers + 1, include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
        try:
            # read_sql binds no parameters: ScanJob admits only [A-Za-z0-9_-] ids, so the literal is safe
            sql = ITEMS_SQL + (f" AND c.org_id = '{job.org_id}'" if job.org_id else "")
            # one read task (sharding the query needs a hash function SQLite lacks), then blocks for the pool
            ds = ray.data.read_sql(sql, _connection_factory(job.database_url)).repartition(self.workers * 4)
            out = ds.map_batches(_ScanActor, fn_constructor_kwargs={"job": job}, batch_size=job.batch_size,
                                 concurrency=self.workers, num_cpus=1, batch_format="numpy")
            rows = out.take_all()
        finally:
            if owns:
                ray.shutdown()
        revision = str(rows[0]["revision"]) if rows else ""
        return ScanReport(engine=self.name, workers=self.workers, policy_revision=revision,
                          scanned=sum(int(r["scanned"]) for r in rows), written=sum(int(r["written"]) for r in rows),
                          seconds=time.perf_counter() - started)

