"""Console sessions: an API key is exchanged once for a signed, HttpOnly, SameSite=Strict cookie.

The cookie holds the key's id (never the key), a CSRF token and an expiry, signed with HMAC-SHA256
under `Settings.console_secret` (WARDEN_CONSOLE_SECRET; a random secret per process when unset,
so sessions end when the service restarts). Every request re-reads the key, so revoking it ends
its sessions at once. Every form carries the CSRF token and every POST is refused without it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from pydantic import BaseModel, ValidationError

COOKIE = "warden_console"
TTL_SECONDS = 8 * 3600


class ConsoleSession(BaseModel):
    key_id: str
    csrf: str
    expires: int


class Signer:
    def __init__(self, secret: str | None) -> None:
        self.secret = (secret or secrets.token_urlsafe(32)).encode()

    def _mac(self, body: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self.secret, body, hashlib.sha256).digest()).decode().rstrip("=")

    def issue(self, key_id: str, ttl: int = TTL_SECONDS) -> tuple[str, ConsoleSession]:
        session = ConsoleSession(key_id=key_id, csrf=secrets.token_urlsafe(24), expires=int(time.time()) + ttl)
        body = base64.urlsafe_b64encode(session.model_dump_json().encode()).decode().rstrip("=")
        return f"{body}.{self._mac(body.encode())}", session

    def read(self, value: str | None) -> ConsoleSession | None:
        if not value or "." not in value:
            return None
        body, _, mac = value.rpartition(".")
        if not hmac.compare_digest(mac, self._mac(body.encode())):
            return None
        try:
            session = ConsoleSession.model_validate(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))
        except (ValueError, ValidationError):
            return None
        return session if session.expires > time.time() else None


def csrf_ok(session: ConsoleSession, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(session.csrf, presented)
