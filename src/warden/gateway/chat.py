"""The chat-completions wire shape, as the gateway reads and writes it.

What is screened from a request: the text of every `user`, `tool` (and legacy
`function`) message, and the `system` / `developer` prompt; text parts of
multi-part content are joined, and its `image_url` parts go with the text to the
same detectors as `/v1/moderations` (hash lists, the image classifier), so a
listed or flagged image blocks the request like a text would. What
is screened from an answer: each choice's `content`, `refusal` and tool-call
arguments. The end user: `safety_identifier`, else `user`, else the
`x-warden-end-user` header.

A block answers in the chat-completion shape (the operator's refusal message as
the assistant's content, `finish_reason: "content_filter"`, and a `warden` key
with the decision), or, for callers that prefer it, an OpenAI-style error
(400, code `content_policy_violation`). A cut stream ends with a chunk whose
`finish_reason` is `content_filter` and that carries the same `warden` key.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from warden.api.errors import APIError, error_body
from warden.detect.protocol import Content, ContentPart

SCREENED_ROLES = frozenset({"user", "tool", "function"})
PROMPT_ROLES = frozenset({"system", "developer"})
CONTENT_FILTER = "content_filter"
MAX_END_USER = 200


@dataclass(frozen=True)
class Piece:
    """One text the gateway screens: who wrote it, whether it is part of the new turn, its digest."""

    role: str
    text: str
    new: bool  # after the last assistant message (what the end user just sent)
    images: tuple[str, ...] = ()  # image URLs (data: or http(s)) of the message's image_url parts

    @property
    def digest(self) -> str:
        return hashlib.sha256("\0".join((self.role, self.text, *self.images)).encode()).hexdigest()

    @property
    def content(self) -> Content:
        """What the detectors get: the text, or the text and image parts."""
        if not self.images:
            return self.text
        return [ContentPart("text", text=self.text), *(ContentPart("image_url", image_url=u) for u in self.images)]

    @property
    def prompt(self) -> bool:
        """The operator's system prompt: attributed to the organization, not the end user."""
        return self.role in PROMPT_ROLES


def text_of(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content
                         if isinstance(p, Mapping) and isinstance(p.get("text"), str))
    return ""


def images_of(content: Any, param: str) -> tuple[str, ...]:
    """The URLs of a message's image parts (`{"type": "image_url", "image_url": {"url": ...}}`, or the
    Responses API's `{"type": "input_image", "image_url": ...}`); 400 on one that is not an image URL."""
    if not isinstance(content, list):
        return ()
    urls = []
    for j, part in enumerate(content):
        if not isinstance(part, Mapping) or part.get("type") not in ("image_url", "input_image"):
            continue
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "data:image/")):
            raise APIError(400, f"{param}.content[{j}].image_url must be an http(s) URL or a data:image/... URL",
                           param=f"{param}.content[{j}].image_url", code="invalid_value")
        urls.append(url)
    return tuple(urls)


def parse_request(body: Any, *, model: bool = True) -> list[Piece]:
    """The pieces of a chat-completions request to screen; 400 on a body that is not one (`model`: whether
    the body must name one)."""
    if not isinstance(body, dict):
        raise APIError(400, "the request body must be a JSON object", code="invalid_json")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise APIError(400, "messages must be a non-empty array", param="messages", code="invalid_value")
    if model and not isinstance(body.get("model"), str):
        raise APIError(400, "model must be a string", param="model", code="invalid_type")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise APIError(400, "stream must be a boolean", param="stream", code="invalid_type")
    last_assistant = -1
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise APIError(400, f"messages[{i}] must be an object with a role", param=f"messages[{i}]",
                           code="invalid_value")
        if m["role"] == "assistant":
            last_assistant = i
    pieces = []
    for i, m in enumerate(messages):
        role = m["role"]
        if role in SCREENED_ROLES or role in PROMPT_ROLES:
            text = text_of(m.get("content"))
            images = images_of(m.get("content"), f"messages[{i}]")
            if text.strip() or images:
                pieces.append(Piece(role=role, text=text, new=i > last_assistant, images=images))
    return pieces


def parse_answer(body: Any) -> list[Piece]:
    """An answer to screen: the assistant messages of `messages` (the screening route's output stage)."""
    parse_request(body, model=False)
    return [Piece(role="assistant", text=t, new=True)
            for t in (message_text(m) for m in body["messages"] if m["role"] == "assistant") if t.strip()]


def end_user(body: Mapping[str, Any], header: str | None) -> str | None:
    """Who the end user is: `safety_identifier`, `user`, or the header; None when nobody is named."""
    for name in ("safety_identifier", "user"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise APIError(400, f"{name} must be a string", param=name, code="invalid_type")
        if value:
            if len(value) > MAX_END_USER:
                raise APIError(400, f"{name} is longer than {MAX_END_USER} characters", param=name,
                               code="invalid_value")
            return value
    if header:
        if len(header) > MAX_END_USER:
            raise APIError(400, f"x-warden-end-user is longer than {MAX_END_USER} characters",
                           param="x-warden-end-user", code="invalid_value")
        return header
    return None


def answer_texts(completion: Mapping[str, Any]) -> dict[int, str]:
    """Each choice's screened text (content, refusal, tool-call arguments), by choice index."""
    out: dict[int, str] = {}
    choices = completion.get("choices")
    for pos, choice in enumerate(choices if isinstance(choices, list) else []):
        if not isinstance(choice, Mapping):
            continue
        message = choice.get("message")
        if isinstance(message, Mapping):
            index = choice.get("index", pos)
            out[index if isinstance(index, int) else pos] = message_text(message)
    return out


def message_text(message: Mapping[str, Any]) -> str:
    parts = [text_of(message.get("content"))]
    if isinstance(message.get("refusal"), str):
        parts.append(message["refusal"])
    calls = message.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        fn = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(fn, Mapping) and isinstance(fn.get("arguments"), str):
            parts.append(fn["arguments"])
    return "\n".join(p for p in parts if p)


def delta_text(delta: Mapping[str, Any]) -> str:
    """The screened text a streamed delta adds."""
    parts = [delta.get("content"), delta.get("refusal")]
    calls = delta.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        fn = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(fn, Mapping):
            parts.append(fn.get("arguments"))
    return "".join(p for p in parts if isinstance(p, str))


def refused_choice(index: int, refusal: str) -> dict[str, Any]:
    return {"index": index, "message": {"role": "assistant", "content": refusal, "refusal": None},
            "logprobs": None, "finish_reason": CONTENT_FILTER}


def refusal_completion(model: str, refusal: str, warden: Mapping[str, Any]) -> dict[str, Any]:
    """A blocked request, answered as a completion: the refusal as the assistant's message."""
    return {"id": f"chatcmpl-warden-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [refused_choice(0, refusal)],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}, "warden": dict(warden)}


def refusal_error(refusal: str, param: str | None = "messages") -> dict[str, Any]:
    """The error variant of a block (OpenAI's shape, code `content_policy_violation`)."""
    return error_body(400, refusal, param, "content_policy_violation")


def chunk(meta: Mapping[str, Any], choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": meta.get("id") or f"chatcmpl-warden-{uuid.uuid4().hex}", "object": "chat.completion.chunk",
            "created": meta.get("created") or int(time.time()), "model": meta.get("model") or "",
            "choices": choices, **extra}


def refusal_chunks(model: str, refusal: str, warden: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A blocked request, answered as a stream: the refusal, then a `content_filter` finish."""
    meta = {"model": model, "id": f"chatcmpl-warden-{uuid.uuid4().hex}", "created": int(time.time())}
    return [chunk(meta, [{"index": 0, "delta": {"role": "assistant", "content": refusal}, "finish_reason": None}]),
            chunk(meta, [{"index": 0, "delta": {}, "finish_reason": CONTENT_FILTER}], warden=dict(warden))]


def cut_chunk(meta: Mapping[str, Any], indexes: list[int], warden: Mapping[str, Any]) -> dict[str, Any]:
    """The last chunk of a stream cut by a block rule."""
    return chunk(meta, [{"index": i, "delta": {}, "finish_reason": CONTENT_FILTER} for i in indexes or [0]],
                 warden=dict(warden))
