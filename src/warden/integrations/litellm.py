"""Warden as a LiteLLM guardrail (optional extra: `pip install 'warden[litellm]'`).

LiteLLM's custom-guardrail hooks call Warden's `POST /v1/gateway/screen`, the
gateway's own checks without the proxy: the same end-user accounts, modes,
recording and enforcement lifecycle as `/v1/chat/completions`.

- pre-call (`async_pre_call_hook`): the request's user, tool and system messages;
  a block, or an end user whose account is suspended or terminated, raises
  LiteLLM's `GuardrailRaisedException` (status 400, or 403 for a refused account)
  carrying the operator's refusal message, so nothing reaches the model.
- post-call (`async_post_call_success_hook`): the answer's choices; a block raises.
- streaming (`async_post_call_streaming_iterator_hook`): chunks are held and
  screened every `window` characters and at the end; a block raises before the
  window it fired in is released.
- Warden unreachable, or answering an error: the guardrail fails closed (raises,
  `blocked_content=False`).

The end user: the request's `safety_identifier` or `user`, else LiteLLM's
`end_user_id` / `user_id` of the calling key. LiteLLM proxy `config.yaml`:

    guardrails:
      - guardrail_name: warden
        litellm_params:
          guardrail: warden.integrations.litellm.WardenGuardrail
          mode: [pre_call, post_call]
          default_on: true
          api_base: http://127.0.0.1:8000          # Warden
          api_key: wdn_...                         # a service key (or LiteLLM's env reference)
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

import httpx
from litellm.exceptions import GuardrailRaisedException
from litellm.integrations.custom_guardrail import CustomGuardrail

SCREEN_PATH = "/v1/gateway/screen"
COMPLETION_CALLS = frozenset({"completion", "acompletion", "text_completion", "atext_completion"})


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def answer_messages(response: Any) -> list[dict[str, str]]:
    """The assistant messages of a LiteLLM `ModelResponse` (or its dict form)."""
    out = []
    for choice in _get(response, "choices") or []:
        message = _get(choice, "message")
        content = _get(message, "content") if message is not None else None
        if isinstance(content, str) and content:
            out.append({"role": "assistant", "content": content})
    return out


def end_user(data: Mapping[str, Any], key: Any) -> str | None:
    for value in (data.get("safety_identifier"), data.get("user"), _get(key, "end_user_id"), _get(key, "user_id")):
        if isinstance(value, str) and value:
            return value
    return None


class WardenGuardrail(CustomGuardrail):
    """Pre- and post-call checks through a Warden service (`api_base`, `api_key`: a Warden service key)."""

    def __init__(self, api_base: str = "http://127.0.0.1:8000", api_key: str | None = None,
                 timeout: float = 10.0, window: int = 200, transport: httpx.AsyncBaseTransport | None = None,
                 **kwargs: Any) -> None:
        self.api_base = api_base.rstrip("/")
        self.window = window
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.AsyncClient(base_url=self.api_base, headers=headers, timeout=timeout, transport=transport)
        kwargs.setdefault("guardrail_name", "warden")
        super().__init__(**kwargs)

    async def screen(self, stage: str, messages: list[Any], user: str | None) -> dict[str, Any]:
        """Warden's verdict on `messages`; raises (fail closed) when Warden cannot give one."""
        body: dict[str, Any] = {"stage": stage, "messages": messages}
        if user:
            body["user"] = user
        try:
            resp = await self._http.post(SCREEN_PATH, json=body)
        except httpx.HTTPError as exc:
            raise GuardrailRaisedException(self.guardrail_name, f"Warden is unreachable: {exc}",
                                           status_code=503) from exc
        if resp.status_code != 200:
            raise GuardrailRaisedException(self.guardrail_name, f"Warden answered {resp.status_code}: {resp.text}",
                                           status_code=503)
        verdict: dict[str, Any] = resp.json()
        if verdict.get("blocked"):
            status = 403 if verdict.get("refused") else 400
            raise GuardrailRaisedException(self.guardrail_name, str(verdict.get("refusal")), status_code=status,
                                           should_wrap_with_default_message=False, blocked_content=True)
        return verdict

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: dict[str, Any],
                                  call_type: Any) -> dict[str, Any]:
        messages = data.get("messages")
        if isinstance(messages, list) and messages:
            await self.screen("input", messages, end_user(data, user_api_key_dict))
        return data

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any,
                                           response: Any) -> Any:
        messages = answer_messages(response)
        if messages:
            await self.screen("output", messages, end_user(data, user_api_key_dict))
        return response

    async def async_post_call_streaming_iterator_hook(self, user_api_key_dict: Any, response: Any,
                                                      request_data: dict[str, Any]) -> AsyncGenerator[Any, None]:
        user = end_user(request_data, user_api_key_dict)
        held: list[Any] = []
        pending, tail = "", ""
        async for chunk in response:
            held.append(chunk)
            for choice in _get(chunk, "choices") or []:
                delta = _get(choice, "delta")
                content = _get(delta, "content") if delta is not None else None
                pending += content if isinstance(content, str) else ""
            if len(pending) >= self.window:
                await self.screen("output", [{"role": "assistant", "content": tail + pending}], user)
                tail, pending = (tail + pending)[-64:], ""
                for h in held:
                    yield h
                held.clear()
        if pending.strip():
            await self.screen("output", [{"role": "assistant", "content": tail + pending}], user)
        for h in held:
            yield h

    async def aclose(self) -> None:
        await self._http.aclose()
