"""The screening service: content -> signals -> decision, the one path every shell runs.

`/v1/moderations`, `/v1/submissions`, `warden check`, `warden eval`, app reviews
and rescans all screen through a `Screener` built by the composition root
(`warden.runtime`) over the service's `DetectorSet`. Detection is pure CPU or a
remote call and touches no store, so callers run it before and outside any write
transaction and hand the signals to the enforcement services.

`flagged` follows OpenAI's meaning and adds Warden's: a result is flagged when
any of the 13 OpenAI categories scores 0.5 or more, when the overall `unsafe`
head does, or when the effective policy's decision is not `allow`. The OpenAI wire
shape of a result lives with the API (`warden.api.wire`), not here.

Layers: this module sits above `detect`, `policy` and `decide` and below
`enforce`, `review`, the runtime and the shells; nothing below imports it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from warden.batching import DetectionBatcher
from warden.categories import OPENAI_CATEGORIES
from warden.decide import Decision, decide
from warden.detect.pipeline import Detection, DetectorSet
from warden.detect.protocol import Content, Detector, Modality, input_types
from warden.detect.signals import THRESHOLD, Signal, max_scores
from warden.policy.layering import EffectivePolicy
from warden.trends import metrics

__all__ = ["THRESHOLD", "Screened", "Screener"]


@dataclass(frozen=True)
class Screened:
    """One content screened: its signals, the highest score per category, the decision (None when no policy
    was applied), what the content held and which of those input types the detectors that ran read."""

    signals: list[Signal]
    scores: dict[str, float]
    decision: Decision | None
    input_types: tuple[str, ...]
    applied_input_types: tuple[Modality, ...]
    image_categories: frozenset[str] = frozenset()  # categories scored from the content's images

    def applied_to(self, category: str) -> list[str]:
        """The input types a category was scored on: `text` where a text detector ran, `image` only where an
        image detector scores that category (OpenAI's `category_applied_input_types`)."""
        return [m for m in self.applied_input_types if m == "text" or category in self.image_categories]

    @property
    def categories(self) -> dict[str, bool]:
        return {name: self.scores.get(name, 0.0) >= THRESHOLD for name in OPENAI_CATEGORIES}

    @property
    def flagged(self) -> bool:
        if any(self.categories.values()) or self.scores.get("unsafe", 0.0) >= THRESHOLD:
            return True
        return self.decision is not None and self.decision.flagged

    @property
    def detectors(self) -> list[str]:
        """The detectors that produced a signal for this content."""
        return sorted({s.detector for s in self.signals})


class Screener:
    """Detect with a detector set, then decide under a policy (per call, or the one given here)."""

    def __init__(self, detectors: Detector | Sequence[Detector], policy: EffectivePolicy | None = None,
                 batch_window_s: float = 0.0) -> None:
        self.detectors = DetectorSet.of(detectors)
        self.policy = policy
        # with a window, concurrent callers' contents run in one detector batch (`warden.batching`)
        self.batcher = DetectionBatcher(self.detectors, batch_window_s) if batch_window_s > 0 else None

    def detect(self, contents: Sequence[Content]) -> list[Detection]:
        """Signals only: no policy, no store. Raises `DetectorError` when a detector cannot answer."""
        if self.batcher is not None:
            return self.batcher.run(contents)
        return self.detectors.run(contents)

    def screen(self, contents: Sequence[Content], surface: str | None = "api",
               context: Mapping[str, Any] | None = None, policy: EffectivePolicy | None = None) -> list[Screened]:
        return self._screened(contents, self.detect(contents), surface, context, policy)

    async def screen_async(self, contents: Sequence[Content], surface: str | None = "api",
                           context: Mapping[str, Any] | None = None,
                           policy: EffectivePolicy | None = None) -> list[Screened]:
        """`screen` for an event loop, which only awaits: detection (batched with other callers) and the
        decisions run on the batcher's worker thread; without a batcher, or for a request that fills a
        batch by itself, `screen` runs on a thread of the loop's executor."""
        if not contents:
            return []
        if self.batcher is None or len(contents) >= self.batcher.max_batch:
            call = partial(self.screen, contents, surface, context, policy)
            return await asyncio.get_running_loop().run_in_executor(None, call)
        then = partial(self._screened, contents, surface=surface, context=context, policy=policy)
        return await asyncio.wrap_future(self.batcher.submit(contents, then))

    def _screened(self, contents: Sequence[Content], detections: Sequence[Detection], surface: str | None,
                  context: Mapping[str, Any] | None, policy: EffectivePolicy | None) -> list[Screened]:
        policy = policy if policy is not None else self.policy
        out = []
        for content, found in zip(contents, detections, strict=True):
            decision = decide(policy, found.signals, context, surface) if policy is not None else None
            if decision is not None:
                metrics.observe_decision(decision)
            out.append(Screened(found.signals, max_scores(found.signals), decision, input_types(content),
                                found.applied_input_types, found.image_categories))
        return out

    def warm(self) -> None:
        self.detectors.warm()
