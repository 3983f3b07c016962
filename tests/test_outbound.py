"""The outbound-URL guard: internal addresses refused at connection time, caps on size and time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from warden.outbound import (
    FetchFailed,
    FetchTooLarge,
    OutboundPolicy,
    OutboundRefused,
    check_address,
    fetch_limited,
    guarded_client,
)
from warden.settings import Settings

BODY = b"\x89PNG fake image bytes"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/big":
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.end_headers()  # no content-length: the cap must hold on the bytes read
            for _ in range(64):
                self.wfile.write(b"x" * 1024)
            return
        if self.path == "/slow":
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.end_headers()
            for _ in range(30):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
            return
        if self.path == "/redirect-internal":
            self.send_response(302)
            self.send_header("location", "http://10.0.0.1/secret")
            self.end_headers()
            return
        if self.path == "/html":
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"hi")
            return
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.send_header("content-length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def local() -> OutboundPolicy:
    return OutboundPolicy.from_hosts(["127.0.0.1"])


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "192.0.2.10", "240.0.0.1",
])
def test_internal_addresses_are_refused(address: str) -> None:
    with pytest.raises(OutboundRefused):
        check_address(address, OutboundPolicy())


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    check_address(address, OutboundPolicy())


def test_allow_list_by_network_and_name() -> None:
    policy = OutboundPolicy.from_hosts(["10.0.0.0/8", "Images.Internal.", " "], resolver=lambda h, p: ["10.9.9.9"])
    check_address("10.2.3.4", policy)
    with pytest.raises(OutboundRefused):
        check_address("192.168.0.1", policy)
    assert policy.check_url("http://images.internal/x.png") == ["10.9.9.9"]
    assert OutboundPolicy.from_hosts(["10.0.0.0/8"]) == policy.__class__.from_hosts(["10.0.0.0/8"])


def test_settings_read_the_allow_list() -> None:
    settings = Settings.from_env({"WARDEN_OUTBOUND_ALLOW_HOSTS": "cdn.internal, 10.0.0.0/8,"})
    assert settings.outbound_allow_hosts == ("cdn.internal", "10.0.0.0/8")
    assert Settings.from_env({}).outbound_allow_hosts == ()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x", "http:///nohost"])
def test_other_schemes_and_hostless_urls_are_refused(url: str) -> None:
    with pytest.raises(OutboundRefused):
        fetch_limited(url, policy=OutboundPolicy(), max_bytes=100, timeout=1)


def test_loopback_url_refused_by_default(server: str) -> None:
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):
        fetch_limited(f"http://{server}/img.png", policy=OutboundPolicy(), max_bytes=1000, timeout=2)


def test_name_resolving_to_loopback_refused(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    with pytest.raises(OutboundRefused, match="localhost"):
        fetch_limited(f"http://localhost:{port}/img.png", policy=OutboundPolicy(), max_bytes=1000, timeout=2)


def test_dns_rebinding_is_caught_at_connection_time(server: str) -> None:
    """The name is public when the URL is checked and loopback when the socket is opened: refused."""
    port = int(server.rsplit(":", 1)[1])
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])
    policy = OutboundPolicy(resolver=lambda host, p: next(answers))
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):
        fetch_limited(f"http://rebind.example:{port}/img.png", policy=policy, max_bytes=1000, timeout=2)


def test_connection_goes_to_the_checked_address(server: str) -> None:
    """An allowed name is connected to at the address it resolved to (here the local test server)."""
    port = int(server.rsplit(":", 1)[1])
    policy = OutboundPolicy.from_hosts(["images.internal"], resolver=lambda host, p: ["127.0.0.1"])
    got = fetch_limited(f"http://images.internal:{port}/img.png", policy=policy, max_bytes=1000, timeout=2,
                        accept=("image/",))
    assert got.content == BODY and got.content_type == "image/png"


def test_allowed_host_fetches(server: str) -> None:
    got = fetch_limited(f"http://{server}/img.png", policy=local(), max_bytes=1000, timeout=2)
    assert got.content == BODY


def test_redirect_to_internal_address_refused(server: str) -> None:
    with pytest.raises(OutboundRefused, match=r"10\.0\.0\.1"):
        fetch_limited(f"http://{server}/redirect-internal", policy=local(), max_bytes=1000, timeout=2)


def test_size_cap_without_content_length(server: str) -> None:
    with pytest.raises(FetchTooLarge):
        fetch_limited(f"http://{server}/big", policy=local(), max_bytes=10_000, timeout=2)


def test_size_cap_from_content_length(server: str) -> None:
    with pytest.raises(FetchTooLarge):
        fetch_limited(f"http://{server}/img.png", policy=local(), max_bytes=5, timeout=2)


def test_overall_deadline_holds_against_a_dripping_server(server: str) -> None:
    start = time.monotonic()
    with pytest.raises(FetchFailed, match="longer than"):
        fetch_limited(f"http://{server}/slow", policy=local(), max_bytes=10_000, timeout=0.5)
    assert time.monotonic() - start < 2.5


def test_content_type_checked(server: str) -> None:
    with pytest.raises(FetchFailed, match="text/html"):
        fetch_limited(f"http://{server}/html", policy=local(), max_bytes=100, timeout=2, accept=("image/",))


def test_guarded_client_for_other_requests(server: str) -> None:
    with guarded_client(OutboundPolicy(), timeout=2) as client, pytest.raises(OutboundRefused):
        client.get(f"http://{server}/img.png")
    with guarded_client(local(), timeout=2) as client:
        assert client.get(f"http://{server}/img.png").content == BODY


def test_guard_errors_are_400s() -> None:
    assert OutboundRefused("x").status == 400 and FetchFailed("x").status == 400
    assert not isinstance(OutboundRefused("x"), httpx.HTTPError)


@pytest.mark.parametrize("url", ["http://[::1]:9/x.png", "http://2130706433:9/x.png", "http://0x7f.1:9/x.png",
                                 "http://127.1:9/x.png", "http://[::ffff:7f00:1]:9/x.png", "http://0.0.0.0:9/x.png"])
def test_loopback_in_disguise_is_refused(url: str) -> None:
    with pytest.raises(OutboundRefused):
        fetch_limited(url, policy=OutboundPolicy(), max_bytes=100, timeout=1)
