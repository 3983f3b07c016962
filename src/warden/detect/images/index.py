"""A Hamming-distance index over 256-bit hashes: multi-index hashing (Norouzi et al., 2012).

Each hash is cut into 16 chunks of 16 bits. If two hashes are at most `d` bits apart, then by
the pigeonhole principle at least one of their 16 chunks differs in at most `d // 16` bits (1
bit at the default distance 31). So a query looks up, in each chunk's sorted table, its own
chunk value and every value within that radius (17 probes per chunk at radius 1), and only the
entries found that way (a few thousand of a million random hashes) have their full distance
computed, vectorised with numpy. Exact, not approximate: it returns every entry within `d`
(the tests check it against a linear scan), without scanning the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

CHUNKS = 16
CHUNK_BITS = 16


def _popcount(x: np.ndarray) -> np.ndarray:
    counted: np.ndarray = np.bitwise_count(x)
    return counted


def _chunks(words: np.ndarray) -> np.ndarray:
    """(n, 4) uint64 -> (n, 16) uint16 chunk values."""
    out = np.empty((words.shape[0], CHUNKS), dtype=np.uint16)
    for j in range(CHUNKS):
        shift = np.uint64(48 - CHUNK_BITS * (j % 4))
        out[:, j] = ((words[:, j // 4] >> shift) & np.uint64(0xFFFF)).astype(np.uint16)
    return out


def _masks(radius: int) -> np.ndarray:
    masks = [0]
    for r in range(1, radius + 1):
        for bits in combinations(range(CHUNK_BITS), r):
            masks.append(sum(1 << b for b in bits))
    return np.array(masks, dtype=np.uint16)


@dataclass(frozen=True, slots=True)
class Hit:
    entry: int  # position in the index (the payload order it was built with)
    query: int  # which query hash matched best (e.g. which rotation or flip)
    distance: int


class HashIndex:
    """Every hash within a distance of the query, found without a linear scan."""

    def __init__(self, words: np.ndarray) -> None:
        if words.ndim != 2 or words.shape[1] != 4:
            raise ValueError("the index takes an (n, 4) array of uint64 words")
        self.words = np.ascontiguousarray(words, dtype=np.uint64)
        n = self.words.shape[0]
        # One bucket table over all chunks: key = chunk number * 2^16 + chunk value; the entries of key k
        # are entries[offsets[k]:offsets[k + 1]] (a counting sort, looked up by direct indexing).
        keys = (_chunks(self.words).astype(np.int32) + (np.arange(CHUNKS, dtype=np.int32) << CHUNK_BITS)).ravel()
        counts = np.bincount(keys, minlength=CHUNKS << CHUNK_BITS)
        self._offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self._entries = (np.argsort(keys, kind="stable") // CHUNKS).astype(np.int32 if n < 2**31 else np.int64)
        self._masks: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return int(self.words.shape[0])

    def _probe_masks(self, radius: int) -> np.ndarray:
        if radius not in self._masks:
            self._masks[radius] = _masks(radius)
        return self._masks[radius]

    def _pairs(self, queries: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
        """(entry, query) pairs sharing a chunk within the radius: a superset of the hits (repeats possible)."""
        empty = np.zeros(0, dtype=np.int64)
        if len(self) == 0 or queries.shape[0] == 0:
            return empty, empty
        masks = self._probe_masks(max(0, max_distance) // CHUNKS).astype(np.int64)
        qchunks = _chunks(np.ascontiguousarray(queries, dtype=np.uint64)).astype(np.int64)
        base = np.arange(CHUNKS, dtype=np.int64) << CHUNK_BITS
        keys = ((qchunks[:, :, None] ^ masks[None, None, :]) + base[None, :, None]).reshape(queries.shape[0], -1)
        qids = np.repeat(np.arange(queries.shape[0], dtype=np.int64), keys.shape[1])
        flat = keys.ravel()
        left, right = self._offsets[flat], self._offsets[flat + 1]
        lengths = right - left
        total = int(lengths.sum())
        if total == 0:
            return empty, empty
        starts = np.repeat(left - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        entries = self._entries[starts + np.arange(total)].astype(np.int64)
        # an entry found through two chunks appears twice: harmless (search keeps the best per entry), and
        # cheaper than sorting the pairs to drop the repeats
        return entries, np.repeat(qids, lengths)

    def candidates(self, queries: np.ndarray, max_distance: int) -> np.ndarray:
        """Positions of the entries sharing a chunk within radius with some query (a superset of the hits)."""
        return np.unique(self._pairs(queries, max_distance)[0])

    def search(self, queries: np.ndarray, max_distance: int) -> list[Hit]:
        """Every entry within `max_distance` of any query, each with its best query and distance, nearest first."""
        entries, qids = self._pairs(queries, max_distance)
        if entries.size == 0:
            return []
        q = np.ascontiguousarray(queries, dtype=np.uint64)
        dist = _popcount(self.words[entries] ^ q[qids]).sum(axis=1, dtype=np.int64)
        keep = dist <= max_distance
        entries, qids, dist = entries[keep], qids[keep], dist[keep]
        best: dict[int, Hit] = {}
        for e, qi, d in zip(entries.tolist(), qids.tolist(), dist.tolist(), strict=True):
            if e not in best or d < best[e].distance:
                best[e] = Hit(e, qi, d)
        return sorted(best.values(), key=lambda h: (h.distance, h.entry))

    def linear(self, queries: np.ndarray, max_distance: int) -> list[Hit]:
        """The same answer by scanning every entry (the oracle the tests and the benchmark compare with)."""
        return self._verify(np.arange(len(self), dtype=np.int64), queries, max_distance)

    def _verify(self, cands: np.ndarray, queries: np.ndarray, max_distance: int) -> list[Hit]:
        if cands.size == 0:
            return []
        q = np.ascontiguousarray(queries, dtype=np.uint64)
        dist = _popcount(self.words[cands][:, None, :] ^ q[None, :, :]).sum(axis=2)  # (k, q)
        best_q = dist.argmin(axis=1)
        best = dist[np.arange(cands.size), best_q]
        keep = np.nonzero(best <= max_distance)[0]
        hits = [Hit(int(cands[i]), int(best_q[i]), int(best[i])) for i in keep]
        return sorted(hits, key=lambda h: (h.distance, h.entry))
