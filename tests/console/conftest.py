"""The real service for the browser tests: `warden serve` on 127.0.0.1 with a temporary SQLite
database and the default detectors, seeded through the REST API, driven by Debian's chromium
under Playwright (its own browser download does not work here; `.ci/run` installs chromium)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from warden.enforce import directory, keys
from warden.enforce.principal import SYSTEM, Role
from warden.store import Database

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "benchmarks" / "results" / "console"


def chromium_path() -> str:
    found = os.environ.get("WARDEN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("the browser tests need Debian's chromium (apt-get install chromium; .ci/run installs it) "
                    "or WARDEN_CHROMIUM pointing at a Chromium binary")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    keys: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)

    def api(self, method: str, path: str, key: str, **kw: Any) -> httpx.Response:
        return httpx.request(method, self.url + path, headers={"Authorization": f"Bearer {self.keys[key]}"},
                             timeout=30, **kw)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{folder / 'warden.db'}"
    db = Database(url)
    issued: dict[str, str] = {}
    with db.transaction() as s:
        org_a = directory.create_org(s, SYSTEM, directory.OrgIn(name="Acme")).id
        org_b = directory.create_org(s, SYSTEM, directory.OrgIn(name="Beta")).id
        for name, role, subject, org in [("admin", Role.PLATFORM_ADMIN, "ada", None),
                                         ("rita", Role.REVIEWER, "rita", None), ("rob", Role.REVIEWER, "rob", None),
                                         ("bea", Role.REVIEWER, "bea", org_b),
                                         ("svc_a", Role.SERVICE, "svc-a", org_a), ("svc_b", Role.SERVICE, "svc-b", org_b)]:
            issued[name] = keys.issue(s, SYSTEM, keys.KeyIn(role=role, subject=subject, org_id=org)).key
    db.dispose()
    port = _free_port()
    env = {**os.environ, "WARDEN_DATABASE_URL": url, "WARDEN_DELIVER_EVERY": "0",
           "WARDEN_DETECTORS": "embedded,recognisers",  # the text pipeline: the model and the recognisers
           "WARDEN_CONSOLE_SECRET": "browser-test-secret", "XDG_DATA_HOME": str(folder)}
    warden = str(Path(sys.executable).with_name("warden"))
    proc = subprocess.Popen([warden, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"warden serve exited with {proc.returncode}: {out}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("warden serve did not answer /healthz within 60 s")
        time.sleep(0.2)
    served = Served(url=base, keys=issued, ids={"org_a": org_a, "org_b": org_b})
    try:
        yield served
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
    yield b
    b.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
