"""Hash lists in the store: import, list, and load into one in-memory index for matching.

An operator imports each list under a name and a signal category (`sexual/minors` for a CSAM
list such as NCMEC's or IWF's, `ncii`-style lists under `sexual`, terrorist content under
`violence` or `illicit/violent`, or any category of the taxonomy). A list's entries are PDQ hashes
with an optional label; re-importing adds what is new (or, with `replace`, swaps the entries).
`load_index` reads every list into one `HashIndex` (multi-index hashing), and `LoadedLists.match`
returns the entries within the distance of any of an image's 8 rotation/flip hashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, insert, select

from warden.categories import CATEGORIES, is_category
from warden.detect.images.formats import Parsed
from warden.detect.images.index import HashIndex
from warden.detect.images.pdq import to_words
from warden.errors import InvalidInput, NotFound
from warden.store.database import Database
from warden.store.tables import HashEntry, HashList, new_id

BATCH = 20_000


@dataclass(frozen=True, slots=True)
class ListInfo:
    name: str
    category: str
    entries: int
    revision: int
    source: str | None


@dataclass(frozen=True, slots=True)
class ImportResult:
    list: ListInfo
    added: int
    duplicates: int
    skipped: int  # rows of another signal type in the file


@dataclass(frozen=True, slots=True)
class HashMatch:
    list: str
    category: str
    hash: str  # the listed hash that matched
    label: str | None
    distance: int
    transform: int  # which of the 8 rotations/flips matched (0: the image as sent)


def _check_category(category: str) -> None:
    if not is_category(category):
        known = ", ".join(sorted(CATEGORIES))
        raise InvalidInput(f"unknown category {category!r}; one of {known}", param="category")


def import_list(db: Database, parsed: Parsed, *, name: str, category: str, source: str | None = None,
                replace: bool = False, now: dt.datetime | None = None) -> ImportResult:
    """Store `parsed` under list `name` (created if new) in one transaction."""
    _check_category(category)
    if not name.strip() or len(name) > 100:
        raise InvalidInput("a list name is 1 to 100 characters", param="list")
    now = now or dt.datetime.now(dt.UTC)
    with db.transaction() as s:
        row = s.scalars(select(HashList).where(HashList.name == name)).one_or_none()
        if row is None:
            row = HashList(id=new_id("hl"), name=name, category=category, hash_type="pdq", source=source,
                           revision=0, created_at=now, updated_at=now)
            s.add(row)
            s.flush()
        elif row.category != category:
            raise InvalidInput(f"list {name!r} holds {row.category} hashes; import {category} hashes under "
                               "another name", param="category")
        if replace:
            s.execute(delete(HashEntry).where(HashEntry.list_id == row.id))
            existing: set[str] = set()
        else:
            existing = set(s.scalars(select(HashEntry.hash).where(HashEntry.list_id == row.id)))
        fresh: dict[str, str | None] = {}
        for r in parsed.rows:
            if r.hash not in existing and r.hash not in fresh:
                fresh[r.hash] = r.label
        values = [{"list_id": row.id, "hash": h, "label": label, "created_at": now} for h, label in fresh.items()]
        for start in range(0, len(values), BATCH):
            s.execute(insert(HashEntry), values[start:start + BATCH])
        row.revision += 1
        row.updated_at = now
        if source:
            row.source = source
        count = s.scalar(select(func.count()).select_from(HashEntry).where(HashEntry.list_id == row.id)) or 0
        info = ListInfo(row.name, row.category, int(count), row.revision, row.source)
    return ImportResult(info, len(fresh), len(parsed.rows) - len(fresh), parsed.skipped)


def remove_list(db: Database, name: str) -> None:
    with db.transaction() as s:
        row = s.scalars(select(HashList).where(HashList.name == name)).one_or_none()
        if row is None:
            raise NotFound(f"no hash list named {name!r}", param="list")
        s.execute(delete(HashEntry).where(HashEntry.list_id == row.id))
        s.delete(row)


def list_lists(db: Database) -> list[ListInfo]:
    with db.transaction() as s:
        counts = dict(s.execute(select(HashEntry.list_id, func.count()).group_by(HashEntry.list_id)).all())
        return [ListInfo(r.name, r.category, int(counts.get(r.id, 0)), r.revision, r.source)
                for r in s.scalars(select(HashList).order_by(HashList.name))]


def fingerprint(db: Database) -> tuple[int, int]:
    """Changes whenever a list is imported, replaced or removed: (number of lists, sum of revisions)."""
    with db.transaction() as s:
        n, total = s.execute(select(func.count(HashList.id), func.coalesce(func.sum(HashList.revision), 0))).one()
    return int(n), int(total)


@dataclass
class LoadedLists:
    index: HashIndex
    hashes: list[str]
    labels: list[str | None]
    list_of: np.ndarray  # entry -> position in `lists`
    lists: list[tuple[str, str]]  # (name, category)
    version: tuple[int, int]

    @classmethod
    def empty(cls, version: tuple[int, int] = (0, 0)) -> LoadedLists:
        return cls(HashIndex(np.zeros((0, 4), dtype=np.uint64)), [], [], np.zeros(0, dtype=np.int32), [], version)

    @classmethod
    def build(cls, entries: Sequence[tuple[str, str, str | None]], categories: dict[str, str],
              version: tuple[int, int] = (0, 0)) -> LoadedLists:
        """From (list name, hash, label) triples and each list's category."""
        names = sorted(categories)
        position = {n: i for i, n in enumerate(names)}
        hashes = [h for _, h, _ in entries]
        return cls(HashIndex(to_words(hashes)), hashes, [label for _, _, label in entries],
                   np.array([position[n] for n, _, _ in entries], dtype=np.int32),
                   [(n, categories[n]) for n in names], version)

    def __len__(self) -> int:
        return len(self.hashes)

    def match(self, hexes: Sequence[str], max_distance: int) -> list[HashMatch]:
        """Listed entries within `max_distance` of any of `hexes` (an image's rotations/flips), nearest first."""
        if not self.hashes or not hexes:
            return []
        out = []
        for hit in self.index.search(to_words(list(hexes)), max_distance):
            name, category = self.lists[int(self.list_of[hit.entry])]
            out.append(HashMatch(name, category, self.hashes[hit.entry], self.labels[hit.entry], hit.distance,
                                 hit.query))
        return out


def load_index(db: Database) -> LoadedLists:
    version = fingerprint(db)
    with db.transaction() as s:
        categories = {r.name: r.category for r in s.scalars(select(HashList))}
        ids = {r.id: r.name for r in s.scalars(select(HashList))}
        rows = s.execute(select(HashEntry.list_id, HashEntry.hash, HashEntry.label)).all()
    if not rows:
        return LoadedLists.empty(version)
    return LoadedLists.build([(ids[lid], h, label) for lid, h, label in rows], categories, version)
