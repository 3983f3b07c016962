"""Speed of the embedded detector and the service, on this machine.

Measures, for short texts from the dev split (<= 280 characters):
  - batched throughput of the cascade (batches of 256 and of 64) and of each stage alone (256);
  - single-text latency p50 / p99 of the cascade (one text per call);
  - service cold start: `warden serve` launched to the first 200 from /v1/moderations;
  - the service's peak resident memory after a load of requests.
Prints a table and writes benchmarks/results/speed.json.

Usage: .venv/bin/python benchmarks/speed.py [--texts 4000] [--single 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def short_texts(n: int, seed: int = 7) -> list[str]:
    from warden.detect.training import data

    # The original sources only, so that the pool stays the one earlier figures were measured on.
    pool = [
        ex.text
        for ex in data.load()
        if ex.split == "dev" and 8 <= len(ex.text) <= 280 and ex.source not in data.EXTRA_SOURCES
    ]
    random.Random(seed).shuffle(pool)
    return pool[:n]


MODEL: Path | None = None  # --model: heads from another folder (the service always uses the shipped ones)


def throughput(mode: str, texts: list[str], batch: int = 256) -> dict[str, float]:
    from warden.detect.embedded.detector import EmbeddedDetector

    det = EmbeddedDetector(MODEL, mode=mode)  # type: ignore[arg-type]
    det.warm()
    det.detect(texts[:batch])
    start = time.perf_counter()
    escalated = 0
    for i in range(0, len(texts), batch):
        _, esc = det.score_texts(texts[i : i + batch])
        escalated += int(esc.sum())
    seconds = time.perf_counter() - start
    return {"texts_per_second": len(texts) / seconds, "ms_per_text": 1000 * seconds / len(texts),
            "escalated": escalated / len(texts)}  # fmt: skip


def latency(texts: list[str]) -> dict[str, float]:
    from warden.detect.embedded.detector import EmbeddedDetector

    det = EmbeddedDetector(MODEL)
    det.warm()
    for t in texts[:50]:
        det.detect([t])
    times = []
    for t in texts:
        start = time.perf_counter()
        det.detect([t])
        times.append(1000 * (time.perf_counter() - start))
    return {"p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99)),
            "mean_ms": float(np.mean(times))}  # fmt: skip


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def service(texts: list[str]) -> dict[str, float]:
    port = _port()
    exe = Path(sys.executable).parent / "warden"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1/moderations"
    try:
        first = None
        while time.perf_counter() - start < 60:
            try:
                r = httpx.post(url, json={"input": "hello there"}, timeout=30)
                if r.status_code == 200:
                    first = time.perf_counter() - start
                    break
            except httpx.TransportError:
                time.sleep(0.02)
        if first is None:
            raise RuntimeError("service did not answer within 60 s")
        with httpx.Client(timeout=60) as client:
            for i in range(0, min(len(texts), 2048), 32):
                client.post(url, json={"input": texts[i : i + 32]}).raise_for_status()
            for t in texts[:200]:
                client.post(url, json={"input": t}).raise_for_status()
        return {"cold_start_s": first, "rss_mb": rss_mb(proc.pid), "rss_now_mb": rss_mb(proc.pid, "VmRSS")}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description="Embedded detector and service speed")
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--model", type=Path, default=None, help="heads folder for the in-process figures")
    parser.add_argument("--no-service", action="store_true", help="skip the service cold start and RSS")
    args = parser.parse_args()
    global MODEL
    MODEL = args.model
    texts = short_texts(args.texts)
    figures: dict[str, dict[str, float]] = {}
    for mode in ("cascade", "static", "minilm"):
        figures[f"batched_{mode}"] = throughput(mode, texts if mode != "minilm" else texts[:1000])
    figures["batched_cascade_64"] = throughput("cascade", texts, batch=64)
    figures["single_cascade"] = latency(texts[: args.single])
    nan = float("nan")
    figures["service"] = {"cold_start_s": nan, "rss_mb": nan} if args.no_service else service(texts)
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"texts": len(texts), "cpus": os.cpu_count(), "load_average_1m": os.getloadavg()[0]}
    (RESULTS / "speed.json").write_text(json.dumps({**meta, **figures}, indent=2) + "\n")

    rows = [
        ("batched throughput, cascade, batches of 256 (texts/s)", figures["batched_cascade"]["texts_per_second"],
         ">= 1000"),
        ("  share escalated to MiniLM", figures["batched_cascade"]["escalated"], ""),
        ("batched throughput, cascade, batches of 64 (texts/s)", figures["batched_cascade_64"]["texts_per_second"], ""),
        ("batched throughput, static only (texts/s)", figures["batched_static"]["texts_per_second"], ""),
        ("batched throughput, MiniLM only (texts/s)", figures["batched_minilm"]["texts_per_second"], ""),
        ("single text p50, cascade (ms)", figures["single_cascade"]["p50_ms"], "<= 10"),
        ("single text p99, cascade (ms)", figures["single_cascade"]["p99_ms"], "<= 30"),
        ("service cold start to first answer (s)", figures["service"]["cold_start_s"], "<= 3"),
        ("service peak RSS (MB)", figures["service"]["rss_mb"], "<= 1024"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{len(texts)} short texts (<= 280 chars) from the dev split; load average {meta['load_average_1m']:.2f}")
    print(f"{'measure':<{width}}  {'value':>10}  bar")
    for name, value, bar in rows:
        print(f"{name:<{width}}  {value:>10.2f}  {bar}")
    print(f"wrote {RESULTS / 'speed.json'}")


if __name__ == "__main__":
    main()
