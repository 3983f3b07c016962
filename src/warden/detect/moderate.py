"""Moved to `warden.screening` (the screening service). Kept importable for benchmarks/quality.py,
which builds `Moderator(detector, None)`; nothing in `src/warden` imports this module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warden.detect.protocol import Content
from warden.screening import THRESHOLD, Screened, Screener

__all__ = ["THRESHOLD", "Moderator", "Screened"]


class Moderator(Screener):
    def moderate(self, contents: Sequence[Content], surface: str | None = "api",
                 context: Mapping[str, Any] | None = None) -> list[Screened]:
        return self.screen(contents, surface=surface, context=context)
