"""Images: throughput through /v1/moderations, hash look-ups at 10k and 1M list entries, false matches.

1. images/s a caller of `/v1/moderations` gets with the image detectors (PDQ hashes against a 10k-entry
   list in the store, the open_nsfw classifier, the visual-request cues) and the bundled policy, one
   image (a 480x360 PNG data URL) per request, in-process through the ASGI app (TestClient).
2. look-ups/s of the multi-index over 10k and 1M random PDQ hashes: one look-up is one image, i.e. its
   8 rotation/flip hashes at distance 31; the linear scan over 1M is timed for comparison.
3. the false-match rate: 1,000+ drawn images, unrelated to the 100 listed ones, matched at distance 31.

Prints a table and writes benchmarks/results/images.json.
Usage: nice -n 19 .venv/bin/python benchmarks/images.py [--requests 60] [--unrelated 1000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
RESULTS = ROOT / "benchmarks" / "results"

from fastapi.testclient import TestClient  # noqa: E402

from imagegen import data_url, edits, scene  # noqa: E402
from warden.api.app import create_app  # noqa: E402
from warden.detect.images import pdq  # noqa: E402
from warden.detect.images.classifier import ImageClassifierDetector  # noqa: E402
from warden.detect.images.formats import parse  # noqa: E402
from warden.detect.images.hashes import HashDetector  # noqa: E402
from warden.detect.images.index import HashIndex  # noqa: E402
from warden.detect.images.lists import LoadedLists, import_list  # noqa: E402
from warden.detect.images.visual import VisualCueDetector  # noqa: E402
from warden.detect.pipeline import DetectorSet  # noqa: E402
from warden.policy.provider import PolicyProvider  # noqa: E402
from warden.runtime import Runtime  # noqa: E402
from warden.store import Database  # noqa: E402


def random_hashes(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [bytes(row).hex() for row in rng.integers(0, 256, size=(n, 32), dtype=np.uint8)]


def endpoint(requests: int, listed: int = 10_000) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/warden.db")
        text = "\n".join(f"{h},bench" for h in random_hashes(listed - 1)) + f"\n{pdq.hash_image(scene(0)).hex},s0"
        import_list(db, parse(text), name="bench", category="sexual/minors")
        detectors = DetectorSet([HashDetector(database_url=db.url), ImageClassifierDetector(), VisualCueDetector()])
        runtime = Runtime(db=db, policies=PolicyProvider.load(()), detectors=detectors)
        bodies = [{"input": [{"type": "text", "text": "what is in this picture?"},
                             {"type": "image_url", "image_url": {"url": data_url(scene(100 + i))}}]}
                  for i in range(requests)]
        with TestClient(create_app(runtime)) as client:
            assert client.post("/v1/moderations", json=bodies[0]).status_code == 200  # warm
            start = time.perf_counter()
            for body in bodies:
                assert client.post("/v1/moderations", json=body).status_code == 200
            elapsed = time.perf_counter() - start
            hit = client.post("/v1/moderations", json={"input": [
                {"type": "image_url", "image_url": {"url": data_url(edits(scene(0))["jpeg"], "JPEG")}}]}).json()
        assert hit["results"][0]["categories"]["sexual/minors"] is True
        runtime.close()
    return {"requests": requests, "list_entries": listed, "images_per_s": requests / elapsed,
            "ms_per_image": 1000 * elapsed / requests}


def lookups(n: int, runs: int, linear_runs: int = 0) -> dict[str, float]:
    hashes = random_hashes(n, seed=n)
    start = time.perf_counter()
    index = HashIndex(pdq.to_words(hashes))
    build = time.perf_counter() - start
    queries = [pdq.to_words(random_hashes(8, seed=10_000 + i)) for i in range(runs)]
    start = time.perf_counter()
    for q in queries:
        index.search(q, pdq.DEFAULT_DISTANCE)
    per_s = runs / (time.perf_counter() - start)
    out = {"entries": n, "build_s": build, "lookups_per_s": per_s, "ms_per_lookup": 1000 / per_s}
    if linear_runs:
        start = time.perf_counter()
        for q in queries[:linear_runs]:
            index.linear(q, pdq.DEFAULT_DISTANCE)
        out["linear_ms_per_lookup"] = 1000 * (time.perf_counter() - start) / linear_runs
    return out


def false_matches(unrelated: int, listed: int = 100) -> dict[str, float]:
    lists = LoadedLists.build([("l", pdq.hash_image(scene(s)).hex, None) for s in range(listed)], {"l": "sexual"})
    hits, nearest = 0, []
    for i in range(unrelated):
        hashes, _ = pdq.dihedral(scene(50_000 + i))
        found = lists.match(hashes, pdq.DEFAULT_DISTANCE)
        hits += bool(found)
        words = pdq.to_words(hashes)
        nearest.append(int(np.bitwise_count(lists.index.words[:, None, :] ^ words[None, :, :]).sum(axis=2).min()))
    detector = HashDetector(lists=lists)
    by_edit: dict[str, int] = {}
    for s in range(listed):
        for name, edit in edits(scene(s)).items():
            hashes, _ = pdq.dihedral(edit)
            by_edit[name] = by_edit.get(name, 0) + bool(detector.matches(hashes))
    detector_found = sum(by_edit.values())
    return {"unrelated": unrelated, "listed": listed, "false_matches": hits, "false_match_rate": hits / unrelated,
            "nearest_unrelated_distance_min": min(nearest), "nearest_unrelated_distance_median":
            float(np.median(nearest)), "edited_copies": listed * 5, "edited_found": detector_found,
            "found_by_edit": by_edit}


def classifier_benign(n: int = 200) -> dict[str, float]:
    """open_nsfw on drawn benign images: how often it flags what holds no person at all (the false-positive
    side only; no labelled explicit images exist here to measure the other side)."""
    detector = ImageClassifierDetector()
    detector.warm()
    images = [scene(70_000 + i) for i in range(n)]
    start = time.perf_counter()
    scores = [detector.scores([im])[0] for im in images]
    elapsed = time.perf_counter() - start
    arr = np.array(scores)
    return {"images": n, "flagged_at_0_5": int((arr >= 0.5).sum()), "p50": float(np.median(arr)),
            "p99": float(np.quantile(arr, 0.99)), "max": float(arr.max()), "ms_per_image": 1000 * elapsed / n}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--unrelated", type=int, default=1000)
    args = parser.parse_args()
    result = {
        "endpoint": endpoint(args.requests),
        "lookups_10k": lookups(10_000, runs=300),
        "lookups_1m": lookups(1_000_000, runs=100, linear_runs=3),
        "false_matches": false_matches(args.unrelated),
        "classifier_benign": classifier_benign(),
    }
    e, small, big, fm = result["endpoint"], result["lookups_10k"], result["lookups_1m"], result["false_matches"]
    print("| measure | value |\n|---|---|")
    print(f"| /v1/moderations, one image per request (hash vs 10k list + classifier + cues) | "
          f"{e['images_per_s']:.1f} images/s ({e['ms_per_image']:.1f} ms) |")
    print(f"| look-ups/s, 10k entries (8 hashes at distance 31) | {small['lookups_per_s']:.0f} "
          f"({small['ms_per_lookup']:.2f} ms) |")
    print(f"| look-ups/s, 1M entries | {big['lookups_per_s']:.0f} ({big['ms_per_lookup']:.1f} ms; linear scan "
          f"{big['linear_ms_per_lookup']:.0f} ms; index built in {big['build_s']:.1f} s) |")
    print(f"| false matches, {fm['unrelated']} unrelated images vs {fm['listed']} listed | {fm['false_matches']} "
          f"(rate {fm['false_match_rate']:.4f}; nearest distance min {fm['nearest_unrelated_distance_min']}, "
          f"median {fm['nearest_unrelated_distance_median']:.0f}) |")
    per_edit = ", ".join(f"{k} {v}/{fm['listed']}" for k, v in fm["found_by_edit"].items())
    print(f"| edited copies found at distance 31 | {fm['edited_found']}/{fm['edited_copies']} ({per_edit}) |")
    cb = result["classifier_benign"]
    print(f"| open_nsfw on {cb['images']} drawn benign images | {cb['flagged_at_0_5']} flagged; p50 {cb['p50']:.4f}, "
          f"p99 {cb['p99']:.4f}, max {cb['max']:.4f}; {cb['ms_per_image']:.1f} ms/image |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "images.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
