"""The HTTP server's side of the limits: header read time and the answer to broken requests.

uvicorn's h11 protocol, with two changes (`warden serve` runs with it; pass
`http=WardenH11Protocol` to `uvicorn.run` to get the same elsewhere):

* **Header timeout**: a connection gets `LimitSettings.header_timeout` seconds to deliver a
  request's headers, from the moment it opens (or its first byte after the previous response), so
  a client that trickles headers one byte at a time (slowloris), or opens a connection and says
  nothing, cannot hold it. uvicorn's own keep-alive timeout (`warden serve` passes
  `LimitSettings.keepalive_timeout`) covers only idle time between requests. The body's time is the
  ASGI layer's (`warden.api.limits`).
* **Errors in the shared shape**: a request the parser refuses (malformed, or headers over
  `h11_max_incomplete_event_size`, 16 KiB by default) is answered with the shared JSON error body,
  431 for oversized headers and 400 otherwise, and `Connection: close`, instead of plain text.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from warden.api.errors import error_body
from warden.settings import LimitSettings, Settings

DEFAULT_MAX_HEADER_BYTES = 16 * 1024  # h11's own default, which uvicorn keeps


class WardenH11Protocol(H11Protocol):
    limits: LimitSettings | None = None  # set by `configure`; else read from the environment once

    @classmethod
    def configure(cls, limits: LimitSettings) -> None:
        cls.limits = limits

    @classmethod
    def _header_timeout(cls) -> float:
        if cls.limits is None:
            cls.limits = Settings.from_env().limits
        return cls.limits.header_timeout

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _awaiting_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self._header_timeout(), self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing() and self._awaiting_headers():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()  # a connection that never sends a byte is not held either

    def _max_header_bytes(self) -> int:
        return self.config.h11_max_incomplete_event_size or DEFAULT_MAX_HEADER_BYTES

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        if self._awaiting_headers():
            self._arm_header_timer()
            # h11 bounds only a header block that arrives in pieces; one sent whole is bounded here
            pending, _ = self.conn.trailing_data
            head = pending + data
            end = head.find(b"\r\n\r\n")
            if (end if end >= 0 else len(head)) > self._max_header_bytes():
                self._refuse(431, f"the request's headers exceed {self._max_header_bytes()} bytes",
                             "headers_too_large")
                return
        super().data_received(data)
        if self.cycle is not before and self.cycle is not None:  # a request's headers arrived
            self._disarm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        pending, _ = self.conn.trailing_data
        if len(pending) >= self._max_header_bytes():
            self._refuse(431, f"the request's headers exceed {self._max_header_bytes()} bytes", "headers_too_large")
        else:
            self._refuse(400, "invalid HTTP request", "invalid_request")

    def _refuse(self, status: int, message: str, code: str) -> None:
        """Answer in the shared shape and close; written raw, since the parser may be in no state to
        frame a response (an unparsable request, or one refused before it was parsed)."""
        self._disarm_header_timer()
        body = json.dumps(error_body(status, message, code=code)).encode()
        reason = "Request Header Fields Too Large" if status == 431 else "Bad Request"
        head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode()
        if not self.transport.is_closing():
            self.transport.write(head + body)
            self.transport.close()
