"""Kill -9 mid-write, three rounds on each store: no acknowledged record is lost and the audit chain verifies.

A real `warden serve` (its own process, the store of the `db` fixture: SQLite, and PostgreSQL when
configured) takes submissions that open enforcement (a decision, a strike, an action, audit events);
the process is killed with SIGKILL while requests are in flight; every submission it acknowledged
(201) must be in the store afterwards, and the whole audit chain must verify.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from warden.enforce import audit, directory, keys
from warden.enforce.principal import SYSTEM, Role
from warden.store import Database
from warden.store.tables import ContentItem

WARDEN = str(Path(sys.executable).parent / "warden")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, data: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {**os.environ, "WARDEN_DATABASE_URL": url, "XDG_DATA_HOME": str(data), "WARDEN_RATE_PER_KEY": "0",
           "WARDEN_RATE_PER_ADDRESS": "0", "WARDEN_WARM": "0"}
    server = subprocess.Popen([WARDEN, "serve", "--port", str(port), "--no-warm", "--deliver-every", "0",
                               "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    return server, f"http://127.0.0.1:{port}"


def _ready(base: str) -> None:
    for _ in range(1200):
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def _round(server: subprocess.Popen[bytes], base: str, key: str, org: str) -> list[str]:
    acked: list[str] = []
    try:
        _ready(base)
        stop = threading.Event()

        def write() -> None:
            with httpx.Client(base_url=base, timeout=10, headers={"Authorization": f"Bearer {key}"}) as http:
                i = 0
                while not stop.is_set():
                    i += 1
                    try:
                        r = http.post("/v1/submissions", json={"org_id": org, "content": f"crash {i}",
                                                               "signals": {"hate": 0.99}})
                    except httpx.HTTPError:
                        return  # the server died mid-request: not acknowledged
                    if r.status_code == 201:
                        acked.append(r.json()["content_id"])

        writers = [threading.Thread(target=write) for _ in range(4)]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 10
        while len(acked) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)  # mid-write: the writers have requests in flight
        server.wait(timeout=10)
        stop.set()
        for w in writers:
            w.join(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
    return acked


def test_kill_9_mid_write_loses_no_acknowledged_record(db: Database, tmp_path: Path) -> None:
    with db.transaction() as s:
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="crash")).key
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="crash")).id
    url = db.engine.url.render_as_string(hide_password=False)
    # three servers over the one store, started together (start-up dominates); each is killed in its round
    servers = [_start(url, tmp_path) for _ in range(3)]
    all_acked: list[str] = []
    try:
        for server, base in servers:
            acked = _round(server, base, key, org)
            assert acked, "no submission was acknowledged before the kill"
            all_acked += acked
            with db.read() as s:
                stored = set(s.scalars(select(ContentItem.id).where(ContentItem.id.in_(all_acked))))
                assert stored == set(all_acked)
                report = audit.verify(s)
            assert report.ok, report.problems
    finally:
        for server, _base in servers:
            if server.poll() is None:
                server.kill()
                server.wait(timeout=10)
