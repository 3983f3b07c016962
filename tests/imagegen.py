"""Images the tests draw themselves (Pillow): scenes of random shapes, their edits, and data URLs."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def scene(seed: int, size: tuple[int, int] = (480, 360)) -> Image.Image:
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", size, tuple(int(x) for x in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(img)
    w, h = size
    for _ in range(14):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        box = (x0, y0, x0 + int(rng.integers(20, w // 2)), y0 + int(rng.integers(20, h // 2)))
        fill = tuple(int(x) for x in rng.integers(0, 256, 3))
        (draw.rectangle if rng.integers(0, 2) else draw.ellipse)(box, fill=fill)
    return img


def encode(img: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **options)
    return buf.getvalue()


def data_url(img: Image.Image, fmt: str = "PNG", **options: object) -> str:
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(encode(img, fmt, **options)).decode()


def edits(img: Image.Image) -> dict[str, Image.Image]:
    """The edits a listed image must survive."""
    w, h = img.size
    cut = (int(w * 0.01), int(h * 0.01))
    return {
        "resize": img.resize((w // 2, h // 2)),
        "jpeg": Image.open(io.BytesIO(encode(img, "JPEG", quality=40))).convert("RGB"),
        "crop": img.crop((cut[0], cut[1], w - cut[0], h - cut[1])),
        "blur": img.filter(ImageFilter.GaussianBlur(2)),
        "flip": img.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    }


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))
