"""What is kept of an image: hashes and metadata (`content_images` in the store); the bytes ride along, for the
store to seal only where the operator enables it (`warden.enforce.imagebytes`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from warden.detect.images import pdq
from warden.detect.images.intake import ImageIntake, image_parts
from warden.detect.protocol import Content


@dataclass(frozen=True, slots=True)
class ImageFacts:
    part: int
    sha256: str
    md5: str
    pdq: str
    pdq_quality: int
    format: str
    width: int
    height: int
    size: int
    source: str
    data: bytes | None = field(default=None, repr=False, compare=False)  # as received; not part of the metadata

    def as_dict(self) -> dict[str, Any]:
        """The metadata columns (everything but the bytes)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "data"}


def describe(content: Content, intake: ImageIntake, param: str = "images") -> list[ImageFacts]:
    """The facts of every image part (decoded through `intake`, so its limits and the outbound guard apply);
    an image that cannot be used is a 400 naming `param[n]`, n counting the images only."""
    out = []
    for n, (part, url) in enumerate(image_parts(content)):
        image = intake.load(url, param=f"{param}[{n}]")
        hashed = pdq.hash_image(image.image)
        out.append(ImageFacts(part, image.sha256, image.md5, hashed.hex, hashed.quality, image.format, image.width,
                              image.height, len(image.data), image.source, image.data))
    return out
