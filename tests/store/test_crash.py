"""Kill -9 mid-write, three rounds on each store: no acknowledged record is lost and the audit chain verifies.

A real `warden serve` (its own process, the store of the `db` fixture: SQLite, and PostgreSQL when
configured) takes submissions that open enforcement (a decision, a strike, an action, audit events);
the process is killed with SIGKILL while requests are in flight; every submission it acknowledged
(201) must be in the store afterwards, and the whole audit chain must verify.

Each round's server is `warden serve` run by `warden.cli.main()` in a process forked from one
that has already imported Warden (`ZYGOTE`): the imports were most of each server's start-up and
of this test's time, and a fork changes nothing about what SIGKILL does to the server.
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

# Imports Warden once, then forks one `warden serve --port PORT` per line it reads and prints the child's pid.
ZYGOTE = r"""
import importlib, os, signal, sys
import uvicorn, warden.cli, warden.api.app, warden.runtime
for path in warden.api.app.ROUTERS:
    importlib.import_module(path.partition(":")[0])
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps each killed server
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        sys.argv = ["warden", "serve", "--port", line.strip(), "--no-warm", "--deliver-every", "0",
                    "--log-level", "warning"]
        try:
            warden.cli.main()
        finally:
            os._exit(0)
    print(pid, flush=True)
"""


class Server:
    """One `warden serve` forked from the zygote; `kill()` is SIGKILL, and waits until the process is gone."""

    def __init__(self, zygote: subprocess.Popen[str]) -> None:
        assert zygote.stdin is not None and zygote.stdout is not None
        port = _port()
        zygote.stdin.write(f"{port}\n")
        zygote.stdin.flush()
        self.pid = int(zygote.stdout.readline())
        self.base = f"http://127.0.0.1:{port}"

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.alive():
            assert time.monotonic() < deadline, "the killed server did not go away"
            time.sleep(0.02)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _zygote(url: str, data: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "WARDEN_DATABASE_URL": url, "XDG_DATA_HOME": str(data), "WARDEN_RATE_PER_KEY": "0",
           "WARDEN_RATE_PER_ADDRESS": "0", "WARDEN_WARM": "0"}
    return subprocess.Popen([sys.executable, "-c", ZYGOTE], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


def _ready(base: str) -> None:
    for _ in range(1200):
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def _round(server: Server, key: str, org: str) -> list[str]:
    acked: list[str] = []
    base = server.base
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
        server.kill()  # SIGKILL mid-write: the writers have requests in flight
        stop.set()
        for w in writers:
            w.join(timeout=15)
    finally:
        server.kill()
    return acked


def test_kill_9_mid_write_loses_no_acknowledged_record(db: Database, tmp_path: Path) -> None:
    with db.transaction() as s:
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="crash")).key
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="crash")).id
    url = db.engine.url.render_as_string(hide_password=False)
    zygote = _zygote(url, tmp_path)
    # three servers over the one store, started together (start-up dominates); each is killed in its round
    servers = [Server(zygote) for _ in range(3)]
    all_acked: list[str] = []
    try:
        for server in servers:
            acked = _round(server, key, org)
            assert acked, "no submission was acknowledged before the kill"
            all_acked += acked
            with db.read() as s:
                stored = set(s.scalars(select(ContentItem.id).where(ContentItem.id.in_(all_acked))))
                assert stored == set(all_acked)
                report = audit.verify(s)
            assert report.ok, report.problems
    finally:
        for server in servers:
            server.kill()
        zygote.kill()
        zygote.wait(timeout=10)
