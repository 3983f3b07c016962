"""Screening a streamed answer in windows, and cutting it when a block rule fires.

The upstream's server-sent events are read one `data:` line at a time. The text a
chunk adds (content, refusal, tool-call arguments) is collected per choice; when a
choice has collected `window` characters, when it finishes, and at the end, the
new text (with the last `OVERLAP` characters already screened before it, so a
phrase split across two windows is still seen) is screened.

- enforce mode with `hold` (the default): chunks are held until the window they
  belong to has passed, so nothing unscreened reaches the client; the answer
  is released window by window, never held back whole (first token after one
  window or the end of a shorter answer).
- enforce mode without `hold`: chunks are forwarded at once and screened behind;
  a block can only cut at the end of the window in which it fired (up to one
  window reaches the client first). Finishing and usage chunks are still held
  until the last window has been screened.
- A block in enforce mode ends the stream with one chunk whose `finish_reason` is
  `"content_filter"` and which carries the decision under `warden`, then
  `data: [DONE]`; the upstream connection is closed. A detector that cannot
  answer cuts the same way (fail closed), with `warden.decision: "error"`.
- advisory mode forwards everything and, when something was found, adds one
  chunk with no choices and the `warden` summary before `[DONE]`; shadow mode
  forwards everything unchanged. Both record what was found.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from warden.errors import WardenError
from warden.gateway import chat
from warden.gateway.chat import Piece
from warden.gateway.guard import Outcome
from warden.gateway.modes import Mode

OVERLAP = 64
DONE = b"data: [DONE]\n\n"
Check = Callable[[list[Piece]], Awaitable[Outcome]]


def event(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


class StreamScreen:
    def __init__(self, check: Check, mode: Mode, window: int, hold: bool) -> None:
        self.check = check
        self.mode = mode
        self.window = window
        self.hold = hold and mode.blocks
        self.pending: dict[int, str] = {}
        self.tail: dict[int, str] = {}
        self.meta: dict[str, Any] = {}
        self.found: Outcome | None = None

    async def run(self, lines: AsyncIterator[str]) -> AsyncIterator[bytes]:
        held: list[bytes] = []
        done = False
        async for line in lines:
            if not line.startswith("data:"):
                continue  # blank separators, comments and `event:` lines: we write our own framing
            data = line[5:].strip()
            if data == "[DONE]":
                done = True
                break
            try:
                parsed = json.loads(data)
            except ValueError:
                parsed = None
            raw = b"data: " + data.encode() + b"\n\n"
            if not isinstance(parsed, dict):
                if self.hold:
                    held.append(raw)
                else:
                    yield raw
                continue
            finishing = self._collect(parsed)
            if self.hold or (self.mode.blocks and (finishing or not parsed.get("choices"))):
                held.append(raw)
            else:
                yield raw
            due = [i for i, text in self.pending.items() if len(text) >= self.window or i in finishing]
            if due:
                cut = await self._screen(due)
                if cut is not None:
                    yield cut
                    yield DONE
                    return
                for h in held:
                    yield h
                held.clear()
        cut = await self._screen([i for i, text in self.pending.items() if text])
        if cut is not None:
            yield cut
            yield DONE
            return
        for h in held:
            yield h
        if self.mode is Mode.ADVISORY and self.found is not None and self.found.findings:
            yield event(chat.chunk(self.meta, [], warden=self.found.summary()))
        if done:
            yield DONE

    def _collect(self, parsed: dict[str, Any]) -> set[int]:
        for name in ("id", "model", "created"):
            if name in parsed and name not in self.meta:
                self.meta[name] = parsed[name]
        finishing = set()
        choices = parsed.get("choices")
        for pos, choice in enumerate(choices if isinstance(choices, list) else []):
            if not isinstance(choice, dict):
                continue
            index = choice.get("index", pos)
            index = index if isinstance(index, int) else pos
            delta = choice.get("delta")
            self.pending[index] = self.pending.get(index, "") + (chat.delta_text(delta) if isinstance(delta, dict)
                                                                 else "")
            if choice.get("finish_reason"):
                finishing.add(index)
        return finishing

    async def _screen(self, indexes: list[int]) -> bytes | None:
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
            return event(chat.cut_chunk(self.meta, sorted(self.tail), {
                "stage": "output", "decision": "error", "error": exc.message}))
        if self.found is None:
            self.found = outcome
        else:
            self.found.findings.extend(outcome.findings)
        if outcome.blocked and self.mode.blocks:
            return event(chat.cut_chunk(self.meta, sorted(self.tail), outcome.summary()))
        return None
