"""PDQ matching with images the tests draw: edits found, unrelated images not, the index exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from imagegen import data_url, edits, scene
from warden.detect.images import pdq
from warden.detect.images.formats import ListFileError, ListFormat, parse
from warden.detect.images.hashes import HashDetector
from warden.detect.images.index import HashIndex
from warden.detect.images.lists import import_list, list_lists, load_index
from warden.detect.protocol import ContentPart
from warden.store.database import Database

LISTED = [scene(seed) for seed in range(6)]


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> HashDetector:
    url = f"sqlite:///{tmp_path_factory.mktemp('hashes') / 'warden.db'}"
    text = "\n".join(f"{pdq.hash_image(img).hex},scene {i}" for i, img in enumerate(LISTED))
    import_list(Database(url), parse(text), name="test-list", category="sexual/minors")
    found = HashDetector(database_url=url)
    found.warm()
    return found


def image(img: object) -> list[ContentPart]:
    return [ContentPart("image_url", image_url=data_url(img))]  # type: ignore[arg-type]


@pytest.mark.parametrize("edit", ["resize", "jpeg", "crop", "blur", "flip"])
def test_a_listed_image_is_found_after_an_edit(detector: HashDetector, edit: str) -> None:
    for i, img in enumerate(LISTED):
        [signals] = detector.detect([image(edits(img)[edit])])
        assert [s.category for s in signals] == ["sexual/minors"], (edit, i)
        [evidence] = signals[0].evidence
        assert evidence.matched_hash == pdq.hash_image(img).hex and "test-list" in evidence.detail
        assert signals[0].score >= 0.5


def test_unrelated_images_are_not_matched(detector: HashDetector) -> None:
    assert detector.detect([image(scene(1000 + i)) for i in range(12)]) == [[] for _ in range(12)]


def test_text_only_content_touches_nothing(detector: HashDetector) -> None:
    assert detector.detect(["just words", [ContentPart("text", text="more words")]]) == [[], []]


def test_index_returns_exactly_what_a_linear_scan_returns() -> None:
    rng = np.random.default_rng(7)
    words = rng.integers(0, 2**63, size=(5000, 4), dtype=np.uint64) * np.uint64(2)
    index = HashIndex(words)
    for d in (0, 10, 31, 40):
        queries = words[[3, 99]].copy()
        for k in range(d):  # plant a neighbour d bits away from entry 3
            queries[0, k % 4] ^= np.uint64(1) << np.uint64(k * 7 % 64)
        queries = np.vstack([queries, rng.integers(0, 2**63, size=(6, 4), dtype=np.uint64)])
        assert index.search(queries, d) == index.linear(queries, d)
        assert {h.entry for h in index.search(queries, d)} >= {99}


def test_lists_are_stored_and_reimport_adds_only_what_is_new(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    a, b = pdq.hash_image(scene(1)).hex, pdq.hash_image(scene(2)).hex
    first = import_list(db, parse(f"hash,label\n{a},one\n{a},dup\n"), name="l", category="violence")
    assert (first.added, first.duplicates, first.list.entries) == (1, 1, 1)
    second = import_list(db, parse(f"{a}\n{b},two\n"), name="l", category="violence")
    assert (second.added, second.list.entries, second.list.revision) == (1, 2, 2)
    assert [(i.name, i.category, i.entries) for i in list_lists(db)] == [("l", "violence", 2)]
    assert len(load_index(db)) == 2


def test_threatexchange_layouts() -> None:
    h = pdq.hash_image(scene(3)).hex
    hma = parse(f"signal_type,signal_value,tags\npdq,{h},bank-a\nvideo_md5,d41d8cd98f00b204e9800998ecf8427e,x\n")
    assert hma.layout is ListFormat.THREATEXCHANGE and [(r.hash, r.label) for r in hma.rows] == [(h, "bank-a")]
    assert hma.skipped == 1
    te = parse(f"indicator_type,indicator,description\nHASH_PDQ,{h.upper()},known\n")
    assert [(r.hash, r.label) for r in te.rows] == [(h, "known")]
    records = parse(f"pdq {h} tag1 tag2\nurl http://x\n")
    assert [(r.hash, r.label) for r in records.rows] == [(h, "tag1 tag2")] and records.skipped == 1


def test_a_bad_hash_names_file_and_line() -> None:
    with pytest.raises(ListFileError, match=r"list.csv:2: 'nothex'"):
        parse(f"{'0' * 64},ok\nnothex,bad\n", "list.csv")
