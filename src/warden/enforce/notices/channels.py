"""The one small interface every notice channel implements, and its registry.

A channel turns a `Message` into a delivery to a `Target` or raises
`DeliveryFailed`. Built-in channels register here exactly as plugins do
(entry-point group ``warden.channels``: a callable returning a `Channel`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ConfigDict

from warden.enforce.notices.signing import SIGNATURE_HEADER, sign
from warden.errors import Unavailable
from warden.outbound import GuardedTransport, OutboundError, OutboundPolicy

log = logging.getLogger("warden.notices")


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str  # delivery id: receivers de-duplicate retries with it
    notice_id: str
    event: str
    org_id: str | None
    recipient_type: str
    recipient_id: str | None
    created_at: str
    data: dict[str, Any]

    def body(self) -> bytes:
        return json.dumps(self.model_dump(), sort_keys=True, separators=(",", ":")).encode()


class Target(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str  # a URL for the webhook, an email address for email, a logger name for the log channel
    secret: str | None = None


class DeliveryFailed(Unavailable):
    """The channel could not deliver; the outbox retries with backoff."""


class Channel(Protocol):
    def send(self, message: Message, target: Target) -> None: ...


_FACTORIES: dict[str, Callable[[], Channel]] = {}
_INSTANCES: dict[str, Channel] = {}


def register(name: str, factory: Callable[[], Channel]) -> None:
    _FACTORIES[name] = factory
    _INSTANCES.pop(name, None)


def use(name: str, instance: Channel) -> None:
    """Install a ready-made channel (tests inject one with a custom transport)."""
    _FACTORIES.setdefault(name, lambda: instance)
    _INSTANCES[name] = instance


def names() -> list[str]:
    _load_plugins()
    return sorted(_FACTORIES)


def channel(name: str) -> Channel:
    _load_plugins()
    if name not in _INSTANCES:
        if name not in _FACTORIES:
            raise KeyError(f"no notice channel {name!r}; known: {', '.join(sorted(_FACTORIES))}")
        _INSTANCES[name] = _FACTORIES[name]()
    return _INSTANCES[name]


_plugins_loaded = False


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group="warden.channels"):
        register(ep.name, ep.load())


_OUTBOUND: list[OutboundPolicy] = []


def configure_outbound(policy: OutboundPolicy) -> None:
    """What webhook targets may reach (`warden.outbound`); the default is the operator's allow-list
    (`Settings.outbound_allow_hosts`, WARDEN_OUTBOUND_ALLOW_HOSTS) and nothing non-public beyond it."""
    _OUTBOUND[:] = [policy]
    _INSTANCES.pop("webhook", None)


def outbound_policy() -> OutboundPolicy:
    if not _OUTBOUND:
        from warden.settings import Settings

        _OUTBOUND.append(OutboundPolicy.from_hosts(Settings.from_env().outbound_allow_hosts))
    return _OUTBOUND[0]


class WebhookChannel:
    """POSTs the message as JSON, signed with the subscription's secret. Targets go through the outbound
    guard, checked when the connection is made (`warden.outbound.GuardedTransport`): a target resolving
    to loopback, private or link-local addresses is refused unless the allow-list names it, however it
    resolved when the subscription was made; redirects are not followed."""

    def __init__(self, transport: httpx.BaseTransport | None = None, timeout: float = 10.0,
                 policy: OutboundPolicy | None = None) -> None:
        self._client = httpx.Client(transport=transport or GuardedTransport(policy or outbound_policy()),
                                    timeout=timeout, trust_env=False, follow_redirects=False)

    def send(self, message: Message, target: Target) -> None:
        body = message.body()
        headers = {"Content-Type": "application/json", "Warden-Event": message.event,
                   "Warden-Delivery": message.id}
        if target.secret:
            headers[SIGNATURE_HEADER] = sign(target.secret, body)
        try:
            response = self._client.post(target.address, content=body, headers=headers)
        except OutboundError as exc:
            raise DeliveryFailed(f"target refused: {exc}") from exc
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryFailed(f"receiver answered {response.status_code}")


class LogChannel:
    """Writes the message to a Python logger (the target's address names it)."""

    def send(self, message: Message, target: Target) -> None:
        logging.getLogger(target.address or "warden.notices").info(
            "notice %s %s -> %s:%s %s", message.notice_id, message.event, message.recipient_type,
            message.recipient_id, json.dumps(message.data, sort_keys=True),
        )


register("webhook", WebhookChannel)
register("log", LogChannel)
# "email" (warden.enforce.notices.email) registers from the package's __init__: that module imports this one
