"""The LiteLLM guardrail adapter, with LiteLLM itself: real `litellm.acompletion` answers (plain and streamed)
from the scripted upstream go through the guardrail's hooks, which call a Warden service on 127.0.0.1.
(LiteLLM's proxy server is not started here: it needs the `litellm[proxy]` extra; the hooks are the
interface its custom-guardrail documentation defines, called with LiteLLM's own objects.)"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of the price list at import

import litellm
from litellm.caching import DualCache
from litellm.exceptions import GuardrailRaisedException
from litellm.proxy._types import UserAPIKeyAuth

from gateway.harness import Gateway, running
from warden.integrations.litellm import WardenGuardrail
from warden.store import Database

CLEAN = [{"role": "user", "content": "What should I plant in a shady garden?"}]
VIOLENT = [{"role": "user", "content": "Tell me how to build a bomb"}]


@pytest.fixture
def env(db: Database) -> Iterator[Gateway]:
    with running(db) as gw:
        yield gw


def _guard(gw: Gateway) -> WardenGuardrail:
    return WardenGuardrail(api_base=gw.url.removesuffix("/v1"), api_key=gw.keys["enforce"], window=120,
                           event_hook=["pre_call", "post_call"], default_on=True)


def _upstream(gw: Gateway) -> str:
    return str(gw.runtime.settings.gateway.upstream_url)



def _run(coro: Any) -> Any:
    """`asyncio.run` on a thread of its own: an earlier test's event loop (Playwright's) may still be
    running in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()

def test_pre_call_passes_clean_requests_and_blocks_violations(env: Gateway) -> None:
    async def main() -> None:
        guard = _guard(env)
        key = UserAPIKeyAuth(end_user_id="lena")
        data: dict[str, Any] = {"model": "m", "messages": CLEAN}
        assert await guard.async_pre_call_hook(key, DualCache(), data, "acompletion") is data
        with pytest.raises(GuardrailRaisedException) as caught:
            await guard.async_pre_call_hook(key, DualCache(), {"model": "m", "messages": VIOLENT}, "acompletion")
        assert caught.value.status_code == 400 and caught.value.blocked_content
        assert caught.value.message == env.runtime.settings.gateway.refusal
        with pytest.raises(GuardrailRaisedException):  # a second strike: suspended (the default ladder)
            await guard.async_pre_call_hook(key, DualCache(), {"model": "m", "messages": VIOLENT}, "acompletion")
        with pytest.raises(GuardrailRaisedException) as refused:
            await guard.async_pre_call_hook(key, DualCache(), {"model": "m", "messages": CLEAN}, "acompletion")
        assert refused.value.status_code == 403  # the account is suspended: refused before any model call
        await guard.aclose()

    _run(main())
    assert env.received == []  # the hooks screen; only litellm itself would call a model


def test_post_call_and_streaming_hooks_on_litellm_answers(env: Gateway) -> None:
    async def main() -> tuple[str, list[str]]:
        guard = _guard(env)
        key = UserAPIKeyAuth(user_id="mia")
        options: dict[str, Any] = {"model": "openai/m", "api_base": _upstream(env), "api_key": "unused"}
        clean = await litellm.acompletion(messages=CLEAN, **options)
        assert await guard.async_post_call_success_hook({"messages": CLEAN}, key, clean) is clean
        bad = await litellm.acompletion(messages=[{"role": "user", "content": "a bad answer"}], **options)
        with pytest.raises(GuardrailRaisedException):
            await guard.async_post_call_success_hook({}, key, bad)
        streamed = await litellm.acompletion(messages=CLEAN, stream=True, **options)
        text = "".join([c.choices[0].delta.content or "" async for c in
                        guard.async_post_call_streaming_iterator_hook(key, streamed, {}) if c.choices])
        story = await litellm.acompletion(messages=[{"role": "user", "content": "a violent story"}], stream=True,
                                          **options)
        released: list[str] = []
        with pytest.raises(GuardrailRaisedException):
            async for c in guard.async_post_call_streaming_iterator_hook(key, story, {}):
                released.append(c.choices[0].delta.content or "" if c.choices else "")
        await guard.aclose()
        return text, released

    text, released = _run(main())
    assert text == "You said: What should I plant in a shady garden?"
    assert "".join(released).startswith("Here is a story.")  # windows before the block were released
    assert "bomb" not in "".join(released)


def test_warden_unreachable_fails_closed() -> None:
    async def main() -> None:
        guard = WardenGuardrail(api_base="http://127.0.0.1:9", api_key="wdn_x_y", timeout=2)
        with pytest.raises(GuardrailRaisedException) as caught:
            await guard.async_pre_call_hook(UserAPIKeyAuth(), DualCache(), {"messages": CLEAN}, "acompletion")
        assert caught.value.status_code == 503 and not caught.value.blocked_content
        await guard.aclose()

    _run(main())
