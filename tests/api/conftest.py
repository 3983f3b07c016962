from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from warden.api.app import create_app
from warden.detect.pipeline import DetectorSet
from warden.detect.testing import KeywordDetector
from warden.enforce import keys
from warden.enforce.cybertip import ReporterInfo
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.notices import channels
from warden.enforce.overlays import StoredOverlays
from warden.enforce.principal import SYSTEM, Role
from warden.outbound import OutboundPolicy
from warden.policy import PolicyLibrary, load_pack
from warden.policy.layering import EffectivePolicy
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.store import Database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


class Clock:
    """A settable clock, so windows and expiry can be tested without sleeping."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


def keywords() -> KeywordDetector:
    """A deterministic stand-in for the service's detectors: 'HATEFUL' scores hate 0.9."""
    return KeywordDetector({"hate": (0.9, ["hateful"])})


@pytest.fixture
def runtime(db: Database, mini_policy: EffectivePolicy, clock: Clock) -> Runtime:
    settings = CyberTipSettings(endpoint=None, reporter=ReporterInfo(first_name="Test", last_name="Reporter",
                                                                     email="ts@example.invalid"))
    # the mini pack under the service's own provider, with the stored overlays (operator, workspace, user)
    library = PolicyLibrary([load_pack(FIXTURES / "mini-pack.yaml")])
    provider = PolicyProvider(library, overlays=StoredOverlays(db))
    assert provider.effective().revision == mini_policy.revision
    return Runtime(db=db, policies=provider, detectors=DetectorSet([keywords()]), cybertip=settings, clock=clock)


@pytest.fixture
def app(runtime: Runtime) -> Any:
    return create_app(runtime)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def admin_key(db: Database) -> str:
    with db.transaction() as s:
        return keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="root")).key


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0  # answer 503 this many times first, to exercise retries

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that records webhook deliveries."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if state.fail_next > 0:
                state.fail_next -= 1
                self.send_response(503)
                self.end_headers()
                return
            state.received.append(Received(headers=dict(self.headers.items()), body=body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/warden"
    channels.configure_outbound(OutboundPolicy.from_hosts(["127.0.0.1"]))  # the operator allow-lists it
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    channels.configure_outbound(OutboundPolicy())
    server.shutdown()
    server.server_close()


@pytest.fixture
def live(app: Any) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1, for tests that go over a real socket."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def http(live: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live, timeout=30) as c:
        yield c
