"""The gateway's upstream: one pooled `httpx.AsyncClient` per app, with timeouts.

Any OpenAI-compatible server (OpenAI, vLLM, Ollama, LiteLLM, `warden gateway echo`)
at `WARDEN_UPSTREAM_URL` (its `.../v1` base). Which key goes upstream: when the
caller sends its Warden key in `x-warden-api-key`, its `Authorization` header is
passed through unchanged (the caller's own upstream key); otherwise the
configured `WARDEN_UPSTREAM_API_KEY`, or none. An upstream that cannot be reached
or times out is a 502 in OpenAI's error shape; an upstream error status is passed
through as it came.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx

from warden.errors import ConfigurationError, Unavailable
from warden.settings import GatewaySettings

FORWARDED = ("openai-organization", "openai-project", "openai-beta", "accept", "user-agent")


class UpstreamUnavailable(Unavailable):
    status = 502
    code = "upstream_unavailable"


class NoUpstream(ConfigurationError):
    status = 503
    code = "no_upstream"


class Upstream:
    def __init__(self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not settings.upstream_url:
            raise NoUpstream("the gateway has no upstream: set WARDEN_UPSTREAM_URL to an OpenAI-compatible "
                             "base URL (e.g. http://127.0.0.1:9000/v1)")
        self.settings = settings
        timeout = httpx.Timeout(settings.upstream_timeout, connect=min(10.0, settings.upstream_timeout))
        self.client = httpx.AsyncClient(
            base_url=settings.upstream_url.rstrip("/") + "/", timeout=timeout, transport=transport,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100, keepalive_expiry=30),
        )

    def headers(self, incoming: Mapping[str, str], passthrough: bool) -> dict[str, str]:
        out = {name: incoming[name] for name in FORWARDED if name in incoming}
        out["content-type"] = "application/json"
        if passthrough and "authorization" in incoming:
            out["authorization"] = incoming["authorization"]
        elif self.settings.upstream_api_key:
            out["authorization"] = f"Bearer {self.settings.upstream_api_key}"
        return out

    async def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> httpx.Response:
        try:
            return await self.client.post(path, content=body, headers=dict(headers))
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"the upstream did not answer: {type(exc).__name__}: {exc}") from exc

    @asynccontextmanager
    async def stream(self, path: str, body: bytes, headers: Mapping[str, str]) -> AsyncIterator[httpx.Response]:
        request = self.client.build_request("POST", path, content=body, headers=dict(headers))
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"the upstream did not answer: {type(exc).__name__}: {exc}") from exc
        try:
            yield response
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()
