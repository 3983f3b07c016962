"""A scripted OpenAI-compatible upstream of Warden's own, for tests, demos and benchmarks (no network).

`create_echo_app(script)` answers `POST /v1/chat/completions` (plain and
`stream: true`, with `stream_options.include_usage`), `POST /v1/responses` (plain
and streamed as Responses API events) and `GET /v1/models`. The answer is the
reply of the first script entry whose trigger occurs in the last user message
(case-insensitively), else an echo: ``You said: <the message>``. Streams send the
answer a word at a time. Every request it receives is kept in
`app.state.received` (its JSON body and headers), so a test can assert that the
upstream got nothing.

Run it with `warden gateway echo --port 9000 [--script script.json]` (the file maps
triggers to replies).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from warden.gateway.chat import text_of

MODEL = "warden-echo"


@dataclass(frozen=True)
class Received:
    body: dict[str, Any]
    headers: dict[str, str]


def _last_user(messages: Any) -> str:
    if isinstance(messages, str):  # a Responses `input` string
        return messages
    last = ""
    for m in messages if isinstance(messages, list) else []:
        if isinstance(m, dict) and m.get("role") == "user":
            content = m.get("content")
            last = "\n".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)) \
                if isinstance(content, list) else text_of(content)
    return last


def reply_for(script: Mapping[str, str], messages: Any) -> str:
    last = _last_user(messages)
    for trigger, reply in script.items():
        if trigger.lower() in last.lower():
            return reply
    return f"You said: {last}"


def _usage(body: Mapping[str, Any], answer: str) -> dict[str, int]:
    prompt = sum(len(text_of(m.get("content")).split()) for m in body.get("messages", []) if isinstance(m, dict))
    completion = len(answer.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _invalid_json() -> JSONResponse:
    return JSONResponse({"error": {"message": "invalid JSON", "type": "invalid_request_error",
                                   "param": None, "code": None}}, status_code=400)  # fmt: skip


def create_echo_app(script: Mapping[str, str] | None = None) -> Starlette:
    script = dict(script or {})

    async def received(request: Request) -> Any:
        """The request's JSON body, recorded with its headers for the tests; None when it is not JSON."""
        try:
            body = json.loads(await request.body())
        except ValueError:
            return None
        app.state.received.append(Received(body=body, headers=dict(request.headers)))
        return body

    async def completions(request: Request) -> Response:
        body = await received(request)
        if body is None:
            return _invalid_json()
        answer = reply_for(script, body.get("messages"))
        ident, created, model = f"chatcmpl-echo-{uuid.uuid4().hex[:12]}", int(time.time()), body.get("model", MODEL)
        if not body.get("stream"):
            return JSONResponse({
                "id": ident, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer, "refusal": None},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": _usage(body, answer)})

        def frame(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            payload = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
                       "choices": choices, **extra}
            return b"data: " + json.dumps(payload).encode() + b"\n\n"

        async def frames() -> AsyncIterator[bytes]:
            yield frame([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            for word in re.findall(r"\S+\s*", answer):
                yield frame([{"index": 0, "delta": {"content": word}, "finish_reason": None}])
            yield frame([{"index": 0, "delta": {}, "finish_reason": "stop"}])
            options = body.get("stream_options")
            if isinstance(options, dict) and options.get("include_usage"):
                yield frame([], usage=_usage(body, answer))
            yield b"data: [DONE]\n\n"

        return StreamingResponse(frames(), media_type="text/event-stream")

    async def responses(request: Request) -> Response:
        body = await received(request)
        if body is None:
            return _invalid_json()
        answer = reply_for(script, body.get("input"))
        ident, item_id = f"resp_echo_{uuid.uuid4().hex[:12]}", f"msg_echo_{uuid.uuid4().hex[:12]}"
        words = len(answer.split())
        base = {"id": ident, "object": "response", "created_at": int(time.time()), "model": body.get("model", MODEL),
                "instructions": body.get("instructions"), "incomplete_details": None, "error": None,
                "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "metadata": {}}
        usage = {"input_tokens": len(_last_user(body.get("input")).split()), "output_tokens": words,
                 "total_tokens": len(_last_user(body.get("input")).split()) + words,
                 "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}}
        part = {"type": "output_text", "text": answer, "annotations": []}
        item = {"type": "message", "id": item_id, "status": "completed", "role": "assistant", "content": [part]}
        done = {**base, "status": "completed", "output": [item], "usage": usage}
        if not body.get("stream"):
            return JSONResponse(done)

        def frames() -> list[bytes]:
            events: list[dict[str, Any]] = [
                {"type": "response.created", "response": {**base, "status": "in_progress", "output": []}},
                {"type": "response.output_item.added", "output_index": 0,
                 "item": {**item, "status": "in_progress", "content": []}},
                {"type": "response.content_part.added", "item_id": item_id, "output_index": 0, "content_index": 0,
                 "part": {**part, "text": ""}}]
            events += [{"type": "response.output_text.delta", "item_id": item_id, "output_index": 0,
                        "content_index": 0, "delta": word, "logprobs": []} for word in re.findall(r"\S+\s*", answer)]
            events += [{"type": "response.output_text.done", "item_id": item_id, "output_index": 0,
                        "content_index": 0, "text": answer, "logprobs": []},
                       {"type": "response.content_part.done", "item_id": item_id, "output_index": 0,
                        "content_index": 0, "part": part},
                       {"type": "response.output_item.done", "output_index": 0, "item": item},
                       {"type": "response.completed", "response": done}]
            return [f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': n})}\n\n".encode()
                    for n, e in enumerate(events)]

        async def stream() -> AsyncIterator[bytes]:
            for frame in frames():
                yield frame

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def models(_: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0,
                                                         "owned_by": "warden"}]})

    app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"]),
                            Route("/v1/responses", responses, methods=["POST"]),
                            Route("/v1/models", models, methods=["GET"])])
    app.state.received = []
    return app
