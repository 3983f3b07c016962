"""PDQ perceptual hashes (Meta's open format, the one industry hash-sharing programmes exchange).

A PDQ hash is 256 bits, written as 64 hex digits; two images are "the same picture" when the
Hamming distance between their hashes is small (resized, re-encoded or lightly edited copies
sit well under 31 bits apart; unrelated images near 128). `dihedral` gives the hashes of the
8 rotations and flips of an image, so a mirrored or rotated copy matches too. Computed by the
`pdqhash` package (MIT bindings over Meta's reference C++).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image

from warden.errors import InvalidInput

HEX_DIGITS = 64
BITS = 256
DEFAULT_DISTANCE = 31


class BadHash(InvalidInput):
    code = "invalid_hash"


@dataclass(frozen=True, slots=True)
class PdqHash:
    hex: str
    quality: int  # PDQ's own 0-100 quality; below about 50 the image is too flat to hash reliably


def _hex(bits: np.ndarray) -> str:
    packed = np.packbits(bits.astype(np.uint8).reshape(-1))
    return packed.tobytes().hex()


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB") if image.mode != "RGB" else image, dtype=np.uint8)


def hash_image(image: Image.Image) -> PdqHash:
    bits, quality = pdqhash.compute(_pixels(image))
    return PdqHash(_hex(bits), int(quality))


def dihedral(image: Image.Image) -> tuple[list[str], int]:
    """The hex hashes of the 8 rotations and flips (the first is the image as it is) and the quality."""
    hashes, quality = pdqhash.compute_dihedral(_pixels(image))
    return [_hex(h) for h in hashes], int(quality)


def normalise(value: str) -> str:
    """A hash as 64 lower-case hex digits, or `BadHash`."""
    text = value.strip().lower()
    if len(text) != HEX_DIGITS or any(c not in "0123456789abcdef" for c in text):
        raise BadHash(f"{value.strip()[:80]!r} is not a PDQ hash (64 hex digits)")
    return text


def to_words(hexes: list[str]) -> np.ndarray:
    """Hex hashes as an (n, 4) array of big-endian uint64 words (the index's layout)."""
    if not hexes:
        return np.zeros((0, 4), dtype=np.uint64)
    raw = np.frombuffer(bytes.fromhex("".join(hexes)), dtype=">u8").reshape(-1, 4)
    return raw.astype(np.uint64)


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()
