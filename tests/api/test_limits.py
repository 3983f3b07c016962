"""Limits: body size, body and header time, characters per request, rate limits and failed logins,
over a real socket where the server's side matters (uvicorn with Warden's protocol)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from warden.api.app import create_app
from warden.api.limits import json_problem, query_problem
from warden.api.server import WardenH11Protocol
from warden.detect.pipeline import DetectorSet
from warden.detect.testing import KeywordDetector
from warden.enforce import keys
from warden.enforce.principal import SYSTEM, Role
from warden.policy.layering import EffectivePolicy
from warden.policy.provider import PolicyProvider
from warden.ratelimit import DatabaseBuckets, MemoryBuckets, RateLimiter
from warden.runtime import Runtime
from warden.settings import LimitSettings, Settings
from warden.store import Database

MB = 1 << 20


def _runtime(db: Database, policy: EffectivePolicy, **limits: Any) -> Runtime:
    settings = Settings(database_url=db.url, limits=LimitSettings(**limits))
    return Runtime(db=db, policies=PolicyProvider.fixed(policy), detectors=DetectorSet([KeywordDetector({"hate": (0.9, ["hateful"])})]),
                   settings=settings)


class Served:
    def __init__(self, app: Any, limits: LimitSettings) -> None:
        WardenH11Protocol.configure(limits)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off",
                                http=WardenH11Protocol)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        WardenH11Protocol.limits = None


@pytest.fixture
def served(db: Database, mini_policy: EffectivePolicy) -> Iterator[Served]:
    limits = LimitSettings(body_timeout=0.6, header_timeout=0.6)
    s = Served(create_app(_runtime(db, mini_policy, body_timeout=0.6, header_timeout=0.6)), limits)
    yield s
    s.close()


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _response(sock: socket.socket, timeout: float = 5.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def _body(raw: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    return result


def test_a_400_mb_request_is_refused_at_once_without_reading_it(served: Served) -> None:
    """The bar: a 400 MB request (declared, or streamed chunk by chunk as 2,048 x 200k characters
    would be) is refused in under a second and the server's memory grows by under 50 MB."""
    before, started = _rss(), time.perf_counter()
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"POST /v1/moderations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % (400 * MB) + b'{"input": ["' + b"a" * 65536)
        answer = _response(sock)
    assert time.perf_counter() - started < 1.0
    assert answer.startswith(b"HTTP/1.1 413") and b"connection: close" in answer.lower()
    assert _body(answer)["error"]["code"] == "body_too_large"

    item = b'"' + b"a" * 200_000 + b'",'
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"POST /v1/moderations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        sent = 0
        try:
            for _ in range(2048):
                chunk = (b'{"input": [' if sent == 0 else b"") + item
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed as soon as the cap was passed
        answer = _response(sock)
    elapsed = time.perf_counter() - started
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 400 * MB and elapsed < 1.0
    assert _rss() - before < 50 * MB


def test_a_trickled_body_is_cut_off(served: Served) -> None:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"POST /v1/moderations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{")
        answer = b""
        for _ in range(30):
            try:
                sock.sendall(b" ")
            except (BrokenPipeError, ConnectionResetError):
                break
            sock.settimeout(0.1)
            try:
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            if answer:
                answer += _response(sock, timeout=1.0)
                break
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert _body(answer)["error"]["code"] == "body_timeout"
    assert time.perf_counter() - started < 3


def test_trickled_headers_lose_the_connection(served: Served) -> None:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        closed = False
        for _ in range(40):
            try:
                sock.sendall(b"X-A: b\r\n")
                sock.settimeout(0.1)
                if sock.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
    assert closed and time.perf_counter() - started < 3


def test_a_connection_that_never_speaks_is_closed_after_the_header_timeout(served: Served) -> None:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.settimeout(3)
        assert sock.recv(1024) == b""  # closed by the server, not held until the client gives up
    assert 0.5 < time.perf_counter() - started < 3


def test_the_keepalive_timeout_outlasts_pooled_clients_idle_expiry() -> None:
    # equal timeouts race (benchmarks/keepalive.py): the client must retire an idle connection first
    assert LimitSettings().keepalive_timeout > httpx.Limits().keepalive_expiry
    assert Settings.from_env({"WARDEN_KEEPALIVE_TIMEOUT": "7"}).limits.keepalive_timeout == 7


def test_oversized_headers_answer_the_shared_shape(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 431") and b"application/json" in answer
    assert _body(answer)["error"]["type"] == "invalid_request_error"


def test_after_a_server_error_the_connection_stays_usable(db: Database, mini_policy: EffectivePolicy) -> None:
    class Broken:
        name, version = "broken", "1"

        def detect(self, contents: Any) -> Any:
            raise RuntimeError("a bug")

    rt = _runtime(db, mini_policy)
    rt.detectors = DetectorSet([Broken()])  # type: ignore[list-item]
    rt.screener = type(rt.screener)(rt.detectors)
    served = Served(create_app(rt), rt.settings.limits)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{served.port}", timeout=10) as client:
            failed = client.post("/v1/moderations", json={"input": "x"})
            assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal_error"
            assert client.get("/healthz").status_code == 200  # the same pooled connection
    finally:
        served.close()


def test_characters_and_items_per_request(db: Database, mini_policy: EffectivePolicy) -> None:
    rt = _runtime(db, mini_policy, max_request_chars=1000, max_request_items=3)
    with TestClient(create_app(rt)) as client:
        many = client.post("/v1/moderations", json={"input": ["a"] * 4})
        assert many.status_code == 400 and many.json()["error"]["code"] == "too_many"
        long = client.post("/v1/moderations", json={"input": ["a" * 600, "b" * 600]})
        assert long.status_code == 400 and long.json()["error"]["code"] == "too_long"
        assert client.post("/v1/moderations", json={"input": ["a" * 400, "b" * 400]}).status_code == 200


def test_json_bodies_that_would_break_the_layers_below() -> None:
    assert json_problem(b'{"input": "\\ud800 x"}') is not None
    assert json_problem(b'{"input": "\\ud83d\\ude00 fine"}') is None  # a pair is one character
    assert json_problem(b'{"input": "\\\\ud800 is literal text"}') is None
    assert "64 bits" in (json_problem(b'{"n": 9223372036854775808}') or "")
    assert json_problem(b'{"n": -9223372036854775808}') is None
    assert json_problem(b'{"n": NaN}') is not None and json_problem(b'{"n": 1e999}') is not None
    assert json_problem(b"[" * 100_000) is not None
    assert json_problem(b"not json") is None  # the route reports its own parse error
    assert query_problem(b"limit=5&after_seq=18446744073709551616") is not None
    assert query_problem(b"after_seq=9223372036854775807&x=-9223372036854775808") is None


def test_rate_limits_per_address_and_key(db: Database, mini_policy: EffectivePolicy) -> None:
    rt = _runtime(db, mini_policy, rate_per_address=1, burst_per_address=3, rate_per_key=1, burst_per_key=2,
                  exempt=())
    rt.limiter = RateLimiter(rt.settings.limits, MemoryBuckets(), clock=lambda: 1000.0)  # time stands still
    with TestClient(create_app(rt)) as client:
        codes = [client.get("/healthz").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/healthz")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"] == {"message": refused.json()["error"]["message"], "type": "rate_limit_error",
                                           "param": None, "code": "rate_limit_exceeded"}
    rt = _runtime(db, mini_policy, rate_per_address=0, rate_per_key=0.01, burst_per_key=2)
    rt.limiter = RateLimiter(rt.settings.limits, MemoryBuckets(), clock=lambda: 1000.0)
    with db.transaction() as s:
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="rl")).key
    with TestClient(create_app(rt)) as client:
        auth = {"Authorization": f"Bearer {key}"}
        codes = [client.get("/v1/organizations", headers=auth).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert client.get("/healthz").status_code == 200  # the key's limit, not the address's


def test_failed_authentication_slows_the_address_down(db: Database, mini_policy: EffectivePolicy) -> None:
    rt = _runtime(db, mini_policy, auth_failures=5, auth_failure_refill=0.5, rate_per_address=0)
    now = [1000.0]
    rt.limiter = RateLimiter(rt.settings.limits, MemoryBuckets(), clock=lambda: now[0])
    with db.transaction() as s:
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.PLATFORM_ADMIN, subject="rl")).key
    with TestClient(create_app(rt)) as client:
        wrong = {"Authorization": "Bearer wdn_000000000000_guess"}
        codes = [client.get("/v1/organizations", headers=wrong).status_code for _ in range(8)]
        assert codes == [401] * 5 + [429] * 3
        # while braked, even the right key is not looked at
        braked = client.get("/v1/organizations", headers={"Authorization": f"Bearer {key}"})
        assert braked.status_code == 429 and braked.json()["error"]["code"] == "too_many_failed_authentications"
        now[0] += 2.0  # one attempt back
        assert client.get("/v1/organizations", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_the_database_store_shares_one_budget_between_workers(db: Database) -> None:
    limits = LimitSettings(rate_per_key=0.001, burst_per_key=3, store="database")
    first, second = RateLimiter(limits, DatabaseBuckets(db)), RateLimiter(limits, DatabaseBuckets(db))
    first.check_key("key_a")
    second.check_key("key_a")
    first.check_key("key_a")
    with pytest.raises(Exception, match="too many requests") as refused:
        second.check_key("key_a")
    assert getattr(refused.value, "retry_after", 0) > 0
    second.check_key("key_b")  # another key has its own bucket
