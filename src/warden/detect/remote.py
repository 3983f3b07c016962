"""A client for any remote OpenAI-compatible `/v1/moderations` endpoint, as a detector.

Lets a platform keep Warden's policy engine and use OpenAI's (or another
vendor's) classifier: category scores come back as signals, under the same
names. Strings are sent in batches; a multimodal content goes as its parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from warden.categories import is_category
from warden.detect.protocol import Content, DetectorError, Modality
from warden.detect.signals import Evidence, Signal


def _parts(content: Sequence[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in content:
        if p.type == "text":
            out.append({"type": "text", "text": p.text or ""})
        else:
            out.append({"type": "image_url", "image_url": {"url": p.image_url}})
    return out


class RemoteModerationDetector:
    name = "openai-compatible"
    modalities: tuple[Modality, ...] = ("text", "image")  # content parts go to the vendor as they are

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str | None = "omni-moderation-latest",
        timeout: float = 10.0,
        batch_size: int = 32,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url = base_url
        if not url:
            raise ValueError("openai-compatible detector needs base_url (or WARDEN_MODERATION_BASE_URL)")
        self.base_url = url.rstrip("/")
        self.model = model
        self.batch_size = batch_size
        key = api_key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(timeout=timeout, headers=headers, transport=transport)
        self.version = model or "default"

    def _call(self, payload: Any) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"input": payload}
        if self.model:
            body["model"] = self.model
        try:
            response = self.client.post(f"{self.base_url}/moderations", json=body)
        except httpx.HTTPError as exc:
            raise DetectorError(f"moderation endpoint {self.base_url} unreachable: {exc}") from exc
        if response.status_code != 200:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            raise DetectorError(f"moderation endpoint answered {response.status_code}: {message}")
        try:
            results = response.json()["results"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DetectorError("moderation endpoint answered without `results`") from exc
        if not isinstance(results, list):
            raise DetectorError("moderation endpoint answered with malformed `results`")
        return results

    def _signals(self, result: dict[str, Any]) -> list[Signal]:
        scores = result.get("category_scores") or {}
        flags = result.get("categories") or {}
        ident = f"{self.name}@{self.version}"
        signals = []
        for name, score in scores.items():
            if not is_category(name) or not isinstance(score, int | float):
                continue
            detail = f"{self.base_url} {'flagged' if flags.get(name) else 'scored'} {name}"
            signals.append(
                Signal(category=name, score=min(max(float(score), 0.0), 1.0), detector=ident,
                       evidence=(Evidence(detail=detail),))
            )  # fmt: skip
        return signals

    def detect(self, contents: Sequence[Content]) -> list[list[Signal]]:
        out: list[list[Signal] | None] = [None] * len(contents)
        strings = [i for i, c in enumerate(contents) if isinstance(c, str)]
        for start in range(0, len(strings), self.batch_size):
            idx = strings[start : start + self.batch_size]
            results = self._call([contents[i] for i in idx])
            if len(results) != len(idx):
                raise DetectorError(f"moderation endpoint returned {len(results)} results for {len(idx)} inputs")
            for i, result in zip(idx, results, strict=True):
                out[i] = self._signals(result)
        for i, content in enumerate(contents):
            if not isinstance(content, str):
                results = self._call(_parts(content))
                out[i] = self._signals(results[0]) if results else []
        return [signals or [] for signals in out]
