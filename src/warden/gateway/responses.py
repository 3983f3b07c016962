"""The Responses API wire shape (`POST /v1/responses`), as the gateway reads and writes it.

What is screened from a request: `instructions` (the operator's prompt, like a
system message) and the `input`: a string (the end user's message), or a list of
items: messages (`{"role", "content"}`, content a string or `input_text` /
`input_image` parts; `system` / `developer` messages count as the prompt) and
`function_call_output` items (tool results). Items after the last assistant
message or function call are the new turn. A `previous_response_id` names state
the upstream keeps: only what this request sends is screened.

What is screened from an answer: each output item's text: a message's
`output_text` and `refusal` parts, a function call's arguments. A stream's text
comes from `response.output_text.delta`, `response.refusal.delta` and
`response.function_call_arguments.delta` events, per `output_index`.

A block answers as a response whose `status` is `"incomplete"` with
`incomplete_details.reason: "content_filter"` and the operator's refusal as the
assistant's message (`output_text` in the SDK), plus a `warden` key with the
decision; or, for callers that prefer it, the same OpenAI-style error as chat
(400, `content_policy_violation`). A cut stream ends with a `response.incomplete`
event of that shape.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from warden.api.errors import APIError
from warden.gateway.chat import PROMPT_ROLES, SCREENED_ROLES, Piece, images_of, text_of

CONTENT_FILTER = "content_filter"
TEXT_PARTS = frozenset({"input_text", "output_text", "text", "refusal"})
DELTAS = ("response.output_text.delta", "response.refusal.delta", "response.function_call_arguments.delta")
FINISHED = ("response.completed", "response.incomplete", "response.failed")


def _part_text(part: Mapping[str, Any]) -> str:
    value = part.get("refusal") if part.get("type") == "refusal" else part.get("text")
    return value if isinstance(value, str) else ""


def _text(content: Any) -> str:
    """A message's text: a string, or its text, output_text and refusal parts joined."""
    if isinstance(content, list):
        return "\n".join(_part_text(p) for p in content if isinstance(p, Mapping) and p.get("type") in TEXT_PARTS)
    return text_of(content)


def parse_request(body: Any) -> list[Piece]:
    """The pieces of a Responses request to screen; 400 on a body that is not one."""
    if not isinstance(body, dict):
        raise APIError(400, "the request body must be a JSON object", code="invalid_json")
    if not isinstance(body.get("model"), str):
        raise APIError(400, "model must be a string", param="model", code="invalid_type")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise APIError(400, "stream must be a boolean", param="stream", code="invalid_type")
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise APIError(400, "instructions must be a string", param="instructions", code="invalid_type")
    raw = body.get("input")
    pieces = [Piece(role="system", text=instructions, new=True)] if instructions and instructions.strip() else []
    if isinstance(raw, str):
        if raw.strip():
            pieces.append(Piece(role="user", text=raw, new=True))
        return pieces
    if not isinstance(raw, list) or not raw:
        raise APIError(400, "input must be a string or a non-empty array of items", param="input",
                       code="invalid_value")
    last_assistant = -1
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise APIError(400, f"input[{i}] must be an object", param=f"input[{i}]", code="invalid_value")
        if item.get("role") == "assistant" or item.get("type") == "function_call":
            last_assistant = i
    for i, item in enumerate(raw):
        new = i > last_assistant
        role = item.get("role")
        if item.get("type") == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else _text(output)
            if text.strip():
                pieces.append(Piece(role="tool", text=text, new=new))
        elif isinstance(role, str) and (role in SCREENED_ROLES or role in PROMPT_ROLES):
            text = _text(item.get("content"))
            images = images_of(item.get("content"), f"input[{i}]")
            if text.strip() or images:
                pieces.append(Piece(role=role, text=text, new=new, images=images))
    return pieces


def item_text(item: Mapping[str, Any]) -> str:
    """An output item's screened text: a message's text and refusal parts, a function call's arguments."""
    if item.get("type") == "function_call":
        arguments = item.get("arguments")
        return arguments if isinstance(arguments, str) else ""
    return _text(item.get("content")) if item.get("type", "message") == "message" else ""


def answer_texts(response: Mapping[str, Any]) -> dict[int, str]:
    """Each output item's screened text, by output index."""
    output = response.get("output")
    return {i: item_text(item) for i, item in enumerate(output if isinstance(output, list) else [])
            if isinstance(item, Mapping)}


def refusal_item(refusal: str) -> dict[str, Any]:
    return {"type": "message", "id": f"msg_warden_{uuid.uuid4().hex}", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": refusal, "annotations": []}]}


def incomplete(meta: Mapping[str, Any], output: list[Any], warden: Mapping[str, Any]) -> dict[str, Any]:
    """A response cut or refused by a block rule (`status: incomplete`, reason `content_filter`)."""
    return {**{k: v for k, v in meta.items() if k not in ("output", "status", "incomplete_details")},
            "id": meta.get("id") or f"resp_warden_{uuid.uuid4().hex}", "object": "response",
            "created_at": meta.get("created_at") or int(time.time()), "model": meta.get("model") or "",
            "status": "incomplete", "incomplete_details": {"reason": CONTENT_FILTER}, "output": output,
            "warden": dict(warden)}


def refusal_response(model: str, refusal: str, warden: Mapping[str, Any]) -> dict[str, Any]:
    """A blocked request, answered as a response: the refusal as the assistant's message."""
    return incomplete({"model": model}, [refusal_item(refusal)], warden)


def refusal_events(model: str, refusal: str, warden: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A blocked request, answered as a stream: the refusal as text, then `response.incomplete`."""
    final = refusal_response(model, refusal, warden)
    item = final["output"][0]
    return [{"type": "response.created", "sequence_number": 0,
             "response": {**final, "status": "in_progress", "incomplete_details": None, "output": []}},
            {"type": "response.output_text.delta", "sequence_number": 1, "item_id": item["id"], "output_index": 0,
             "content_index": 0, "delta": refusal, "logprobs": []},
            {"type": "response.incomplete", "sequence_number": 2, "response": final}]
