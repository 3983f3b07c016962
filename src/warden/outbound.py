"""The outbound-URL guard: every request Warden makes to a URL someone else chose goes through here.

Image URLs in `/v1/moderations` and `/v1/submissions`, and webhook targets, are chosen by callers.
Fetched naively, such a URL reaches whatever the server can reach: `http://127.0.0.1:8000/...`,
a metadata service at `169.254.169.254`, a database on the private network (SSRF). This module
refuses those unless the operator names them, and it checks **at connection time**:

* `OutboundPolicy` says what may be reached. A destination address is refused when it is not a
  globally routable unicast address: loopback, private (RFC 1918, fc00::/7), link-local
  (169.254/16, fe80::/10, so cloud metadata endpoints), shared (100.64/10), reserved,
  multicast, unspecified, documentation ranges; IPv4-mapped IPv6 addresses are judged as the
  IPv4 address they carry. `allow_hosts` (the operator's list, `WARDEN_OUTBOUND_ALLOW_HOSTS`:
  host names, IP addresses or CIDR networks, comma-separated) exempts what it names. Only
  `http` and `https` URLs are fetched.
* `GuardedTransport` is an `httpx` transport whose connections resolve the host **once**, check
  every address the name resolved to against the policy and connect to a checked address
  itself, so a name that resolves to a public address when validated and to `127.0.0.1` when
  connected (DNS rebinding) cannot get through, and every redirect hop is checked the same way.
  TLS still verifies the certificate against the URL's host name.
* `fetch_limited(url, policy=..., max_bytes=..., timeout=...)` fetches a body with a size cap
  (the declared `Content-Length` and the bytes actually read), an overall deadline (not only
  per read, so a server that drips bytes cannot hold a worker), a bounded number of redirects
  and an optional content-type check, and returns a `Fetched`.
* `check_address(ip, policy)` and `OutboundPolicy.check_url(url)` are the same checks for callers
  that want an early answer (when a webhook target is registered, say); they are advisory, the
  connection-time check is the one that holds.

Errors are `OutboundError`s (400s: the caller's URL cannot be used): `OutboundRefused` (the
policy forbids the scheme or address), `FetchTooLarge`, `FetchFailed` (timeout, connection
error, HTTP status, content type).

    policy = OutboundPolicy.from_hosts(settings.outbound_allow_hosts)
    got = fetch_limited("https://example.com/cat.png", policy=policy, max_bytes=10 << 20, timeout=5.0,
                        accept=("image/",))
    with guarded_client(policy, timeout=5.0) as client:      # any other request, e.g. a webhook POST
        client.post(target, json=payload)
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore._backends.sync import SyncStream

from warden.errors import InvalidInput

__all__ = [
    "FetchFailed",
    "FetchTooLarge",
    "Fetched",
    "GuardedTransport",
    "OutboundError",
    "OutboundPolicy",
    "OutboundRefused",
    "check_address",
    "fetch_limited",
    "guarded_client",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
SCHEMES = ("http", "https")


class OutboundError(InvalidInput):
    """A URL Warden was asked to reach cannot be used (400)."""

    code = "invalid_url"


class OutboundRefused(OutboundError):
    """The policy forbids the URL's scheme or the address its host resolves to."""

    code = "url_refused"


class FetchTooLarge(OutboundError):
    code = "content_too_large"


class FetchFailed(OutboundError):
    code = "fetch_failed"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the OS resolver, one look-up)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchFailed(f"cannot resolve host {host!r}: {exc.strerror or exc}") from None
    out: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in out:
            out.append(address)
    return out


def _ip(value: str) -> IPAddress:
    ip = ipaddress.ip_address(value.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_public(ip: IPAddress) -> bool:
    """A globally routable unicast address (what an arbitrary URL may reach)."""
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback
                                 or ip.is_link_local or ip.is_private)  # fmt: skip


@dataclass(frozen=True)
class OutboundPolicy:
    """What outbound requests may reach: public addresses, plus the hosts and networks the operator allows."""

    allow_names: frozenset[str] = frozenset()
    allow_networks: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def from_hosts(cls, hosts: Iterable[str] = (), resolver: Resolver | None = None) -> OutboundPolicy:
        """From the operator's list: host names (exact, case-insensitive), IP addresses or CIDR networks."""
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in hosts:
            entry = raw.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry.rstrip("."))
        return cls(frozenset(names), tuple(networks), resolver or system_resolver)

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".").strip("[]") in self.allow_names

    def address_allowed(self, ip: IPAddress) -> bool:
        return is_public(ip) or any(ip in net for net in self.allow_networks if net.version == ip.version)

    def check_url(self, url: str) -> list[str]:
        """Scheme, host and every address it resolves to now; returns the addresses (advisory, see module doc)."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in SCHEMES:
            raise OutboundRefused(f"only http and https URLs are fetched, not {parts.scheme or 'no scheme'!r}")
        if not parts.hostname:
            raise OutboundRefused("the URL has no host")
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            raise OutboundRefused("the URL's port is not a number between 0 and 65535") from None
        return self.addresses(parts.hostname, port)

    def addresses(self, host: str, port: int) -> list[str]:
        """Resolve `host` once and return its addresses if every one may be reached; else `OutboundRefused`."""
        found = self.resolver(host, port)
        if not found:
            raise FetchFailed(f"host {host!r} resolved to no address")
        if self.host_allowed(host):
            return found
        for address in found:
            check_address(address, self, host=host)
        return found


def check_address(address: str, policy: OutboundPolicy, host: str | None = None) -> None:
    """Raise `OutboundRefused` unless `policy` lets a connection go to `address`."""
    try:
        ip = _ip(address)
    except ValueError:
        raise OutboundRefused(f"{address!r} is not an IP address") from None
    if not policy.address_allowed(ip):
        named = f"host {host!r} resolves to" if host and host != address else "address"
        raise OutboundRefused(
            f"{named} {ip}, a loopback, private, link-local or reserved address; requests there are refused "
            "unless the operator allows the host (WARDEN_OUTBOUND_ALLOW_HOSTS)"
        )


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with the policy applied where the socket is opened."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = self.policy.addresses(host, port)  # one resolution, every address checked
        source = None if local_address is None else (local_address, 0)
        last: OSError | None = None
        for address in addresses:
            try:
                sock = socket.create_connection((address, port), timeout, source_address=source)
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout(str(exc)) from exc
            except OSError as exc:
                last = exc
                continue
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return SyncStream(sock)
        raise httpcore.ConnectError(f"cannot connect to {host}:{port}: {last}")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise OutboundRefused("unix sockets are not reachable through the outbound guard")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose every connection (redirects included) passes `policy`; no proxies."""

    def __init__(self, policy: OutboundPolicy, verify: bool | str = True) -> None:
        super().__init__(verify=verify, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            network_backend=GuardedBackend(policy),
        )
        self.policy = policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in SCHEMES:
            raise OutboundRefused(f"only http and https URLs are fetched, not {request.url.scheme!r}")
        return super().handle_request(request)


def guarded_client(policy: OutboundPolicy, timeout: float = 10.0, max_redirects: int = 3,
                   **kwargs: Any) -> httpx.Client:
    """An `httpx.Client` over `GuardedTransport` (environment proxies ignored: they would bypass the check)."""
    return httpx.Client(transport=GuardedTransport(policy), timeout=timeout, follow_redirects=True,
                        max_redirects=max_redirects, trust_env=False, **kwargs)


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # the final URL, after redirects
    content: bytes
    content_type: str  # the media type, lower case, without parameters ("" when absent)


def fetch_limited(url: str, *, policy: OutboundPolicy, max_bytes: int, timeout: float,
                  accept: Sequence[str] = (), max_redirects: int = 3) -> Fetched:
    """GET `url` under `policy`: at most `max_bytes`, within `timeout` seconds in all, a 2xx answer whose
    media type starts with one of `accept` (when given). Raises an `OutboundError`, never returns partial data."""
    policy.check_url(url)  # an early, clear answer for a URL that could never pass
    deadline = time.monotonic() + timeout
    headers = {"accept": ", ".join(f"{a}*" for a in accept) or "*/*", "accept-encoding": "identity"}
    try:
        with guarded_client(policy, timeout=timeout, max_redirects=max_redirects) as client, \
                client.stream("GET", url, headers=headers) as resp:
            return _read(resp, max_bytes, deadline, timeout, accept)
    except httpx.TooManyRedirects:
        raise FetchFailed(f"the URL redirected more than {max_redirects} times") from None
    except httpx.TimeoutException:
        raise FetchFailed(f"fetching the URL took longer than {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"cannot fetch the URL: {exc}") from None


def _read(resp: httpx.Response, max_bytes: int, deadline: float, timeout: float, accept: Sequence[str]) -> Fetched:
    if not resp.is_success:
        raise FetchFailed(f"fetching the URL answered HTTP {resp.status_code}")
    media = resp.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if accept and not media.startswith(tuple(accept)):
        raise FetchFailed(f"the URL served {media or 'no content type'!r}, not {' or '.join(accept)}")
    encoding = resp.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise FetchFailed(f"the URL answered with content-encoding {encoding!r}; only identity is accepted")
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchTooLarge(f"the URL serves {int(declared)} bytes; at most {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_raw():
        size += len(chunk)
        if size > max_bytes:
            raise FetchTooLarge(f"the URL serves more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchFailed(f"fetching the URL took longer than {timeout:g} s")
        chunks.append(chunk)
    return Fetched(str(resp.url), b"".join(chunks), media)
