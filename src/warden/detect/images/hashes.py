"""The `hashes` detector: known images, by PDQ hash, against the hash lists an operator imported.

Each image part is decoded through the intake, hashed with PDQ in its 8 rotations and flips, and
looked up in one multi-index over every list (`lists.load_index`). A listed hash within
`max_distance` bits (default 31) is a signal of the list's category scored 1.0 (a known image), so
the rules of that category fire;
a `sexual/minors` list drives the CSAM hard limit. The evidence names the list, the distance, the
listed hash and its label, never the image.

Lists live in the store (`warden hashes import`); the detector loads them when warmed and checks,
at most every `refresh_seconds`, whether an import changed them (one small query), reloading then.
An image PDQ rates below `min_quality` (flat, nearly uniform pictures) is not matched: its hash
says too little to call it a known image.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from warden.detect.images import pdq
from warden.detect.images.intake import ImageIntake, ImageLimits, image_parts, limits_from, shared_intake
from warden.detect.images.lists import HashMatch, LoadedLists, fingerprint, load_index
from warden.detect.protocol import Content, Modality
from warden.detect.signals import Evidence, Signal
from warden.store.database import Database

TRANSFORMS = ("as sent", "rotated 90", "rotated 180", "rotated 270", "flipped", "flipped and rotated 90",
              "flipped and rotated 180", "flipped and rotated 270")


def score_for(distance: int, max_distance: int) -> float:
    """A match within the operator's distance is a known image: 1.0 (the packs' CSAM rule reads a hash match
    as scored 1.0). How close it was is in the evidence, and the distance itself is the operator's dial."""
    return 1.0 if distance <= max_distance else 0.0


class HashDetector:
    name = "hashes"
    version = "pdq-1"
    modalities: tuple[Modality, ...] = ("image",)

    def __init__(self, database_url: str | None = None, max_distance: int = pdq.DEFAULT_DISTANCE,
                 refresh_seconds: float = 5.0, min_quality: int = 50, limits: ImageLimits | None = None,
                 image_limits: dict[str, object] | None = None,
                 intake: ImageIntake | None = None, lists: LoadedLists | None = None) -> None:
        if not 0 <= max_distance <= 64:
            raise ValueError(f"max_distance must lie in 0..64, not {max_distance}")
        self.database_url = database_url
        self.max_distance = max_distance
        self.refresh_seconds = refresh_seconds
        self.min_quality = min_quality
        self.intake = intake or shared_intake(limits or limits_from(image_limits or {}))
        self._db: Database | None = None
        self._lists = lists
        self._checked = time.monotonic() if lists is not None else 0.0
        self._lock = threading.Lock()

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted({c for _, c in self._lists.lists})) if self._lists is not None else ()

    @property
    def image_categories(self) -> tuple[str, ...]:
        return self.categories

    def _database(self) -> Database | None:
        if self._db is None and self.database_url is not None:
            self._db = Database(self.database_url)
        return self._db

    def lists(self) -> LoadedLists:
        """The loaded lists, reloaded when an import changed them (checked at most every refresh_seconds)."""
        with self._lock:
            now = time.monotonic()
            if self._lists is not None and (self.database_url is None or now - self._checked < self.refresh_seconds):
                return self._lists
            db = self._database()
            if db is None:
                self._lists = self._lists or LoadedLists.empty()
            elif self._lists is None or fingerprint(db) != self._lists.version:
                self._lists = load_index(db)
            self._checked = now
            return self._lists

    def warm(self) -> None:
        self.lists()

    def matches(self, image_hashes: Sequence[str]) -> list[HashMatch]:
        return self.lists().match(image_hashes, self.max_distance)

    def detect(self, contents: Sequence[Content]) -> list[list[Signal]]:
        out: list[list[Signal]] = []
        loaded = None
        for content in contents:
            signals: list[Signal] = []
            for part, url in image_parts(content):
                loaded = loaded or self.lists()
                image = self.intake.load(url, param=f"input[{part}].image_url.url")
                hashes, quality = pdq.dihedral(image.image)
                if quality < self.min_quality or not len(loaded):
                    continue
                by_category: dict[str, list[HashMatch]] = {}
                for m in loaded.match(hashes, self.max_distance):
                    by_category.setdefault(m.category, []).append(m)
                for category, found in by_category.items():
                    best = min(found, key=lambda m: m.distance)
                    signals.append(Signal(
                        category=category, score=score_for(best.distance, self.max_distance),
                        detector=f"{self.name}@{self.version}",
                        evidence=tuple(Evidence(
                            detail=f"hash list {m.list!r}: distance {m.distance} of {self.max_distance}"
                                   f" ({TRANSFORMS[m.transform]})" + (f", label {m.label!r}" if m.label else ""),
                            part=part, matched_hash=m.hash) for m in found[:5]),
                    ))
            out.append(signals)
        return out
