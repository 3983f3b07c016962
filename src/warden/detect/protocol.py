"""The detector protocol: content in, signals out.

Content is either a plain string or a list of OpenAI-style content parts
(`{"type": "text"}` / `{"type": "image_url"}`). Every backend, core or plugin,
implements `Detector` and is found by name through the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from warden.detect.signals import Signal
from warden.errors import Unavailable


@dataclass(frozen=True, slots=True)
class ContentPart:
    type: Literal["text", "image_url"]
    text: str | None = None
    image_url: str | None = None


Content = str | Sequence[ContentPart]


def text_of(content: Content) -> str:
    """The text a text-only detector sees: the text parts joined by newlines."""
    if isinstance(content, str):
        return content
    return "\n".join(p.text for p in content if p.type == "text" and p.text)


def input_types(content: Content) -> tuple[str, ...]:
    """Which modalities the content holds: ("text",), ("image",) or both."""
    if isinstance(content, str):
        return ("text",)
    kinds = []
    if any(p.type == "text" for p in content):
        kinds.append("text")
    if any(p.type == "image_url" for p in content):
        kinds.append("image")
    return tuple(kinds)


Modality = Literal["text", "image"]


class DetectorError(Unavailable, RuntimeError):
    """A detector could not produce signals (bad configuration, remote failure): 503, nothing changed."""

    code = "detector_unavailable"

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.message = f"detector unavailable: {message}"


@runtime_checkable
class Detector(Protocol):
    """Turns a batch of contents into one list of signals per content, in order.

    `modalities` declares what the detector reads ("text", "image"): the input types a
    result says were scored come from the detectors that ran, not from what was sent."""

    name: str
    version: str
    modalities: tuple[Modality, ...]

    def detect(self, contents: Sequence[Content]) -> list[list[Signal]]: ...


class TextDetector:
    """Base for detectors that only read text: implement `detect_texts`."""

    name = "text"
    version = "0"
    modalities: tuple[Modality, ...] = ("text",)

    @property
    def ident(self) -> str:
        return f"{self.name}@{self.version}"

    def detect(self, contents: Sequence[Content]) -> list[list[Signal]]:
        return self.detect_texts([text_of(c) for c in contents])

    def detect_texts(self, texts: Sequence[str]) -> list[list[Signal]]:
        raise NotImplementedError
