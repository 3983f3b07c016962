"""Image intake: an `image_url` (a `data:` URL or an http(s) URL) in, a decoded, bounded image out.

Every image detector reads images through one `ImageIntake`, which

* decodes `data:image/...;base64,` URLs (strict base64, at most `max_bytes` once decoded);
* fetches http(s) URLs through the outbound guard (`warden.outbound`: no loopback, private,
  link-local or reserved addresses unless the operator allows the host; a size cap, an overall
  timeout and an `image/*` content type);
* decodes with Pillow under limits against decompression bombs: only PNG, JPEG, GIF and WebP,
  the header's dimensions checked against `max_pixels` *before* any pixel is decoded (Pillow's
  own `DecompressionBombWarning` is an error here too), the first frame only, JPEGs decoded
  at a reduced scale where Pillow can;
* keeps a small cache (by URL, bounded in bytes, a short lifetime) so the detectors of one
  request decode each image once.

A URL that cannot be used raises `ImageRejected` or an `OutboundError`, both 400s whose
`param` names the content part (`input[i].image_url.url`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

from warden.detect.protocol import Content
from warden.errors import InvalidInput
from warden.outbound import OutboundError, OutboundPolicy, fetch_limited

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
WORKING_SIZE = 512  # detectors read a copy that fits in 512x512 (PDQ and the classifier downsample anyway)


class ImageRejected(InvalidInput):
    """An image that cannot be used: not decodable, too large, a decompression bomb, an unsupported format."""

    code = "invalid_image"


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 20 * 1024 * 1024  # OpenAI's limit for an image input
    max_pixels: int = 40_000_000  # about 8000 x 5000
    fetch_timeout: float = 10.0
    allow_hosts: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """One image as the detectors see it. `data` is the bytes as received (kept only as long as the cache keeps
    the image; stored only where the operator enables it); `image` is an RGB copy that fits in 512x512."""

    data: bytes = field(repr=False)
    image: Image.Image = field(repr=False)
    format: str
    width: int
    height: int
    sha256: str
    md5: str
    source: str  # "data" or the URL's host

    def metadata(self) -> dict[str, object]:
        return {"format": self.format, "width": self.width, "height": self.height, "bytes": len(self.data),
                "sha256": self.sha256, "md5": self.md5, "source": self.source}


def decode(data: bytes, limits: ImageLimits, source: str = "data") -> DecodedImage:
    """Decode `data` under `limits`, or raise `ImageRejected`."""
    if len(data) > limits.max_bytes:
        raise ImageRejected(f"the image is {len(data)} bytes; at most {limits.max_bytes}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = img.size
            if width < 1 or height < 1:
                raise ImageRejected("the image has no pixels")
            if width * height > limits.max_pixels:
                raise ImageRejected(f"the image is {width}x{height} pixels; at most {limits.max_pixels} pixels "
                                    "(a decompression bomb is refused before it is decoded)")
            fmt = str(img.format)
            if fmt == "JPEG":
                img.draft("RGB", (WORKING_SIZE * 2, WORKING_SIZE * 2))
            img.seek(0)
            img.load()
            rgb = img.convert("RGB")
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(f"the image is refused as a decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise ImageRejected(f"the data is not an image in a supported format ({', '.join(FORMATS)})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageRejected(f"the image cannot be decoded: {exc}") from None
    rgb.thumbnail((WORKING_SIZE, WORKING_SIZE), Image.Resampling.BILINEAR)
    return DecodedImage(data=data, image=rgb, format=fmt, width=width, height=height,
                        sha256=hashlib.sha256(data).hexdigest(), md5=hashlib.md5(data).hexdigest(), source=source)


def data_url_bytes(url: str, limits: ImageLimits) -> bytes:
    """The bytes of a `data:image/...;base64,` URL (strict base64, capped before decoding)."""
    head, sep, payload = url.partition(",")
    if not sep or not head.startswith("data:image/") or not head.endswith(";base64"):
        raise ImageRejected("a data URL must look like data:image/<type>;base64,<data>")
    if len(payload) > (limits.max_bytes * 4) // 3 + 4:
        raise ImageRejected(f"the image is larger than {limits.max_bytes} bytes")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRejected("the data URL is not valid base64") from None


class ImageIntake:
    """Loads images under `limits` and `policy`, with a small shared cache (see the module doc)."""

    CACHE_BYTES = 64 * 1024 * 1024
    CACHE_SECONDS = 60.0

    def __init__(self, limits: ImageLimits | None = None, policy: OutboundPolicy | None = None) -> None:
        self.limits = limits or ImageLimits()
        self.policy = policy or OutboundPolicy.from_hosts(self.limits.allow_hosts)
        self._cache: OrderedDict[str, tuple[float, DecodedImage]] = OrderedDict()
        self._cached_bytes = 0
        self._lock = threading.Lock()

    def load(self, url: str, param: str | None = None) -> DecodedImage:
        key = hashlib.sha256(url.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < self.CACHE_SECONDS:
                self._cache.move_to_end(key)
                return hit[1]
        try:
            image = self._load(url)
        except (ImageRejected, OutboundError) as exc:
            exc.param = exc.param or param
            exc.message = f"{param}: {exc.message}" if param else exc.message
            raise
        with self._lock:
            self._remember(key, now, image)
        return image

    def _load(self, url: str) -> DecodedImage:
        if url.startswith("data:"):
            return decode(data_url_bytes(url, self.limits), self.limits)
        if url.startswith(("http://", "https://")):
            got = fetch_limited(url, policy=self.policy, max_bytes=self.limits.max_bytes,
                                timeout=self.limits.fetch_timeout, accept=("image/",))
            host = url.split("//", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
            return decode(got.content, self.limits, source=host)
        raise ImageRejected("an image URL must be an http(s) URL or a data:image/... URL")

    def _remember(self, key: str, now: float, image: DecodedImage) -> None:
        old = self._cache.pop(key, None)
        if old is not None:
            self._cached_bytes -= len(old[1].data)
        self._cache[key] = (now, image)
        self._cached_bytes += len(image.data)
        while self._cached_bytes > self.CACHE_BYTES and len(self._cache) > 1:
            _, (_, dropped) = self._cache.popitem(last=False)
            self._cached_bytes -= len(dropped.data)


_shared: dict[ImageLimits, ImageIntake] = {}
_shared_lock = threading.Lock()


def limits_from(options: dict[str, object]) -> ImageLimits:
    """`ImageLimits` from the plain options `Settings.detector_options` passes (max_bytes, max_pixels,
    fetch_timeout, allow_hosts); what is absent keeps its default."""
    base = ImageLimits()
    return ImageLimits(
        max_bytes=int(options.get("max_bytes") or base.max_bytes),  # type: ignore[call-overload]
        max_pixels=int(options.get("max_pixels") or base.max_pixels),  # type: ignore[call-overload]
        fetch_timeout=float(options.get("fetch_timeout") or base.fetch_timeout),  # type: ignore[arg-type]
        allow_hosts=tuple(str(h) for h in options.get("allow_hosts") or ()),  # type: ignore[attr-defined]
    )


def shared_intake(limits: ImageLimits) -> ImageIntake:
    """The process's intake for `limits`: the image detectors of one service share it, and so its cache."""
    with _shared_lock:
        if limits not in _shared:
            _shared[limits] = ImageIntake(limits)
        return _shared[limits]


def image_parts(content: Content) -> list[tuple[int, str]]:
    """(part index, URL) of each image part of a content (a plain string has none)."""
    if isinstance(content, str):
        return []
    out = []
    for i, part in enumerate(content):
        if getattr(part, "type", None) == "image_url" and getattr(part, "image_url", None):
            out.append((i, str(part.image_url)))
    return out
