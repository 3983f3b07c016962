"""Screening a streamed answer in windows, and cutting it when a block rule fires.

The upstream's server-sent events are read one `data:` line at a time; a `Shape`
says what an event adds and how the stream is cut: `ChatShape` for chat-completion
chunks (text per choice: content, refusal, tool-call arguments; ends with
`data: [DONE]`), `ResponsesShape` for Responses API events (text per output item:
`response.output_text.delta` and the other deltas; `event:` lines kept; ends with
`response.completed`). When an index has collected `window` characters, when it
finishes, and at the end, the new text (with the last `OVERLAP` characters already
screened before it, so a phrase split across two windows is still seen) is screened.

- enforce mode with `hold` (the default): chunks are held until the window they
  belong to has passed, so nothing unscreened reaches the client; the answer
  is released window by window, never held back whole (first token after one
  window or the end of a shorter answer).
- enforce mode without `hold`: chunks are forwarded at once and screened behind;
  a block can only cut at the end of the window in which it fired (up to one
  window reaches the client first). Finishing and usage chunks are still held
  until the last window has been screened.
- A block in enforce mode ends a chat stream with one chunk whose `finish_reason`
  is `"content_filter"` and which carries the decision under `warden`, then
  `data: [DONE]`, and a Responses stream with a `response.incomplete` event
  (`incomplete_details.reason: "content_filter"`, the decision under
  `response.warden`); the upstream connection is closed. A detector that cannot
  answer cuts the same way (fail closed), with `warden.decision: "error"`.
- advisory mode forwards everything and, when something was found, adds the
  `warden` summary at the end (a chat chunk with no choices before `[DONE]`; on
  the final `response.completed` event's response, with the input's summary
  too, as a non-streamed response carries it); shadow mode forwards
  everything unchanged. Both record what was found.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from warden.errors import WardenError
from warden.gateway import chat, responses
from warden.gateway.chat import Piece
from warden.gateway.guard import Outcome
from warden.gateway.modes import Mode

OVERLAP = 64
DONE = b"data: [DONE]\n\n"
Check = Callable[[list[Piece]], Awaitable[Outcome]]


def event(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def named_event(payload: dict[str, Any]) -> bytes:
    """A Responses API event: `event: <type>` and its data."""
    return f"event: {payload.get('type', 'message')}\n".encode() + event(payload)


@dataclass
class Seen:
    """What one upstream event adds: text per index, the indexes it finishes, and whether it must wait
    for the screening of what came before it in enforce mode (a finish, usage, a full-text `.done` event)."""

    texts: dict[int, str]
    finishing: set[int]
    control: bool
    final: bool = False  # the stream's last answer event (annotated in advisory mode)


class ChatShape:
    terminator: bytes | None = DONE

    def __init__(self) -> None:
        self.meta: dict[str, Any] = {}

    def frame(self, data: str, parsed: Any) -> bytes:
        return b"data: " + data.encode() + b"\n\n"

    def seen(self, parsed: dict[str, Any]) -> Seen:
        for name in ("id", "model", "created"):
            if name in parsed and name not in self.meta:
                self.meta[name] = parsed[name]
        texts: dict[int, str] = {}
        finishing = set()
        choices = parsed.get("choices")
        for pos, choice in enumerate(choices if isinstance(choices, list) else []):
            if not isinstance(choice, dict):
                continue
            index = choice.get("index", pos)
            index = index if isinstance(index, int) else pos
            delta = choice.get("delta")
            texts[index] = texts.get(index, "") + (chat.delta_text(delta) if isinstance(delta, dict) else "")
            if choice.get("finish_reason"):
                finishing.add(index)
        return Seen(texts, finishing, control=bool(finishing) or not choices)

    def cut(self, indexes: list[int], warden: dict[str, Any]) -> list[bytes]:
        return [event(chat.cut_chunk(self.meta, indexes, warden)), DONE]

    def annotate(self, final: dict[str, Any] | None, warden: dict[str, Any]) -> list[bytes]:
        return [event(chat.chunk(self.meta, [], warden=warden))]


class ResponsesShape:
    terminator: bytes | None = None  # a Responses stream ends after its last event; no [DONE]

    def __init__(self) -> None:
        self.meta: dict[str, Any] = {}
        self.sequence = 0

    def frame(self, data: str, parsed: Any) -> bytes:
        if isinstance(parsed, dict) and isinstance(parsed.get("type"), str):
            return f"event: {parsed['type']}\n".encode() + b"data: " + data.encode() + b"\n\n"
        return b"data: " + data.encode() + b"\n\n"

    def seen(self, parsed: dict[str, Any]) -> Seen:
        kind = parsed.get("type")
        if isinstance(parsed.get("sequence_number"), int):
            self.sequence = max(self.sequence, parsed["sequence_number"])
        response = parsed.get("response")
        if isinstance(response, dict):
            self.meta.update({k: v for k, v in response.items() if k in ("id", "model", "created_at")})
        found = parsed.get("output_index")
        index = found if isinstance(found, int) else 0
        if kind in responses.DELTAS and isinstance(parsed.get("delta"), str):
            return Seen({index: parsed["delta"]}, set(), control=False)
        if kind in responses.FINISHED:
            return Seen({}, {-1}, control=True, final=True)  # -1: every index
        if isinstance(kind, str) and kind.endswith(".done"):  # carries the full text: after its screening
            return Seen({}, {index} if kind == "response.output_item.done" else set(), control=True)
        return Seen({}, set(), control=False)

    def cut(self, indexes: list[int], warden: dict[str, Any]) -> list[bytes]:
        self.sequence += 1
        return [named_event({"type": "response.incomplete", "sequence_number": self.sequence,
                             "response": responses.incomplete(self.meta, [], warden)})]

    def annotate(self, final: dict[str, Any] | None, warden: dict[str, Any]) -> list[bytes]:
        if final is None or not isinstance(final.get("response"), dict):
            return []
        final["response"]["warden"] = warden
        return [named_event(final)]


Shape = ChatShape | ResponsesShape


class StreamScreen:
    def __init__(self, check: Check, mode: Mode, window: int, hold: bool, shape: Shape | None = None,
                 inbound: Outcome | None = None, standing: str = "active") -> None:
        self.check = check
        # with `inbound`, an advisory annotation names both stages, as a non-streamed answer's does
        self.inbound = inbound
        self.standing = standing
        self.mode = mode
        self.window = window
        self.hold = hold and mode.blocks
        self.shape: Shape = shape or ChatShape()
        self.pending: dict[int, str] = {}
        self.tail: dict[int, str] = {}
        self.found: Outcome | None = None

    @property
    def meta(self) -> dict[str, Any]:
        return self.shape.meta

    async def run(self, lines: AsyncIterator[str]) -> AsyncIterator[bytes]:
        held: list[bytes] = []
        final: dict[str, Any] | None = None  # the last answer event, held to carry an advisory annotation
        done = False
        async for line in lines:
            if not line.startswith("data:"):
                continue  # blank separators, comments and `event:` lines: the shape writes its own framing
            data = line[5:].strip()
            if data == "[DONE]":
                done = True
                break
            try:
                parsed = json.loads(data)
            except ValueError:
                parsed = None
            raw = self.shape.frame(data, parsed)
            if not isinstance(parsed, dict):
                if self.hold:
                    held.append(raw)
                else:
                    yield raw
                continue
            seen = self.shape.seen(parsed)
            for i, text in seen.texts.items():
                self.pending[i] = self.pending.get(i, "") + text
            if seen.final and self.mode is Mode.ADVISORY:
                final = parsed
            elif self.hold or (self.mode.blocks and seen.control):
                held.append(raw)
            else:
                yield raw
            finishing = set(self.pending) if -1 in seen.finishing else seen.finishing
            due = [i for i, text in self.pending.items() if len(text) >= self.window or i in finishing]
            if due:
                cut = await self._screen(due)
                if cut is not None:
                    for frame in cut:
                        yield frame
                    return
                for h in held:
                    yield h
                held.clear()
        cut = await self._screen([i for i, text in self.pending.items() if text])
        if cut is not None:
            for frame in cut:
                yield frame
            return
        for h in held:
            yield h
        annotation = self._annotation()
        if self.mode is Mode.ADVISORY and annotation is not None:
            for frame in self.shape.annotate(final, annotation):
                yield frame
        elif final is not None:
            yield self.shape.frame(json.dumps(final, separators=(",", ":")), final)
        if done:
            yield DONE

    def _annotation(self) -> dict[str, Any] | None:
        """The advisory `warden` summary, or None when nothing was found."""
        found = bool(self.found is not None and self.found.findings)
        if self.inbound is None:
            return self.found.summary() if found and self.found is not None else None
        if not (found or self.inbound.findings or self.standing != "active"):
            return None
        output = self.found or Outcome(stage="output", policy_revision=self.inbound.policy_revision)
        return {"input": self.inbound.summary(), "output": output.summary(), "standing": self.standing}

    async def _screen(self, indexes: list[int]) -> list[bytes] | None:
        """Screen the due windows; the cut chunk when a block fires in enforce mode, else None."""
        pieces = []
        for i in indexes:
            text = self.tail.get(i, "") + self.pending.get(i, "")
            self.tail[i], self.pending[i] = text[-OVERLAP:], ""
            if text.strip():
                pieces.append(Piece(role="assistant", text=text, new=True))
        if not pieces:
            return None
        try:
            outcome = await self.check(pieces)
        except WardenError as exc:
            if not self.mode.blocks:
                return None
            return self.shape.cut(sorted(self.tail), {"stage": "output", "decision": "error", "error": exc.message})
        if self.found is None:
            self.found = outcome
        else:
            self.found.findings.extend(outcome.findings)
        if outcome.blocked and self.mode.blocks:
            return self.shape.cut(sorted(self.tail), outcome.summary())
        return None
