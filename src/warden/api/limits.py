"""What one request may cost, enforced before a route sees it (an ASGI middleware).

`RequestLimits` sits outside the routes and, for every HTTP request:

* takes a token from the caller's address bucket (`warden.ratelimit`; 429 with `Retry-After`);
* refuses a declared `Content-Length` above `limits.max_body_bytes` at once (413), without
  reading a byte of the body, and counts the bytes of a streamed (chunked) body as they arrive,
  refusing it as soon as it passes the cap, so memory stays bounded by the cap whatever is sent;
* gives the whole body `limits.body_timeout` seconds to arrive (408 and `Connection: close`), so a
  trickled body cannot hold a connection and a worker indefinitely;
* refuses a query-string number outside 64 bits (`?after_seq=2**64` overflows SQLite's integers);
* checks a JSON body once for what would break the layers below: a lone UTF-16 surrogate
  (`"\\ud800"`: it cannot be encoded, stored or tokenised), an integer outside 64 bits (CEL's
  `int`, SQLite's and PostgreSQL's `BIGINT`), a non-finite number (`NaN`, `Infinity`, `1e999`),
  nesting deeper than the parser allows: each is a 400 in the shared shape, naming the problem.

Per-route semantics (how many items and characters one `/v1/moderations` request may carry) are
checked by the route with the same `LimitSettings` (`warden.api.moderations.parse_input`).
Header read time is the server's business (`warden.api.server`). Every refusal uses the shared
error shape (`warden.api.errors.error_response`).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warden.api.errors import error_response
from warden.errors import InvalidInput, RateLimited
from warden.ratelimit import RateLimiter
from warden.settings import LimitSettings

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_QUERY_NUMBER = re.compile(rb"(?:^|&)[^=&]*=(-|%2[dD])?([0-9]{19,})(?=&|$)")


class BodyRefused(InvalidInput):
    """A JSON body holds a value no layer below can take."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not INT64_MIN <= (value := int(text)) <= INT64_MAX:
        raise BodyRefused(f"an integer in the body ({text[:24]}{'...' if len(text) > 24 else ''}) does not fit "
                          "in 64 bits")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BodyRefused(f"a number in the body ({text[:24]}) is out of range")
    return value


def _no_constant(text: str) -> Any:
    raise BodyRefused(f"{text} is not a JSON number")


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def json_problem(body: bytes) -> str | None:
    """Why this JSON body cannot be accepted, or None (also None when it is not JSON at all: the
    route then reports its own parse error)."""
    if not body:
        return None
    try:
        value = json.loads(body, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant)
    except BodyRefused as exc:
        return str(exc)
    except RecursionError:
        return "the body is nested too deeply"
    except ValueError:
        return None
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(value):
        return "a string in the body holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text"
    return None


def query_problem(query: bytes) -> str | None:
    """Why this query string cannot be accepted: a number in it that does not fit in 64 bits (the store's
    and CEL's integers), or None. A 19-digit-or-longer value is checked; shorter ones always fit."""
    for match in _QUERY_NUMBER.finditer(query):
        value = int(match.group(2)) * (-1 if match.group(1) else 1)
        if not INT64_MIN <= value <= INT64_MAX:
            return f"a number in the query ({match.group(2)[:24].decode()}) does not fit in 64 bits"
    return None


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _is_json(scope: Scope) -> bool:
    kind = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
    return not kind or kind == b"application/json" or kind.endswith(b"+json")


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RequestLimits:
    """The ASGI middleware. `limits` and `limiter` are read per request (the runtime may be built
    by the app's lifespan after the middleware stack)."""

    def __init__(self, app: ASGIApp, limits: Callable[[], LimitSettings],
                 limiter: Callable[[], RateLimiter | None]) -> None:
        self.app = app
        self.limits = limits
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = self.limits()

        async def refuse(status: int, message: str, code: str, *, close: bool = False,
                         retry_after: float | None = None) -> None:
            response = error_response(status, message, code=code, close=close, retry_after=retry_after)
            await response(scope, receive, send)

        limiter = self.limiter()
        if limiter is not None:
            try:
                limiter.check_address(client_address(scope))
            except RateLimited as exc:
                await refuse(429, exc.message, "rate_limit_exceeded", retry_after=exc.retry_after)
                return
        problem = query_problem(scope.get("query_string", b""))
        if problem is not None:
            await refuse(400, problem, "invalid_value")
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await refuse(400, "Content-Length is not a number", "invalid_request", close=True)
                return
            if int(declared) > limits.max_body_bytes:
                await refuse(413, f"the body is {int(declared)} bytes; at most {limits.max_body_bytes} "
                             "(WARDEN_MAX_BODY_BYTES)", "body_too_large", close=True)
                return
        if scope.get("method") not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(limits.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limits.max_body_bytes:
                        chunks.clear()
                        await refuse(413, f"the body is over {limits.max_body_bytes} bytes "
                                     "(WARDEN_MAX_BODY_BYTES)", "body_too_large", close=True)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await refuse(408, f"the body did not arrive within {limits.body_timeout:g} s (WARDEN_BODY_TIMEOUT)",
                         "body_timeout", close=True)
            return
        body = b"".join(chunks)
        chunks.clear()
        if _is_json(scope):
            problem = json_problem(body)
            if problem is not None:
                await refuse(400, problem, "invalid_value")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
