"""What the chat gateway adds: latency over calling the upstream directly, and throughput under 50 clients.

Starts the scripted upstream (`warden gateway echo`) and `warden serve` (the default detectors,
embedded + recognisers, a fresh SQLite store, `WARDEN_UPSTREAM_URL` pointing at the echo server) as
subprocesses on 127.0.0.1, then in one run:

1. latency, short prompts (each distinct, so no cache helps), one request at a time, alternating the
   direct upstream and the gateway: non-streaming end to end, time to first token of a stream, and a
   non-streaming `/v1/responses`; p50 / p99 of each, and what the gateway adds (gateway minus direct);
2. throughput: 50 concurrent clients sending non-streaming requests through the gateway for
   `--seconds`, counting every non-200 answer and transport error, and the same against the
   upstream directly.

Every gateway answer's `x-warden-decision` is counted: the prompts and the echoed answers are ordinary
ones, so anything but `allow` (a detector's false positive) is reported as `not_allowed`, never silently
measured as a cheap refusal.

Rate limits are turned off for the run (WARDEN_RATE_PER_KEY=0, WARDEN_RATE_PER_ADDRESS=0) so the
service is measured, not its limiter. Prints a table and writes benchmarks/results/gateway.json.

Usage: .venv/bin/python benchmarks/gateway.py [--requests 300] [--seconds 20] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from warden.enforce import directory, keys
from warden.enforce.principal import SYSTEM, Role
from warden.settings import Settings
from warden.store import Database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
WARDEN = str(ROOT / ".venv" / "bin" / "warden")
# Short everyday prompts, each request a distinct combination (no numbers: the default detectors'
# spam signal fires on texts like "... (request 9985)?", which would measure refusals instead).
OPENERS = ["Suggest a name for", "Give me a tip about", "Write one sentence about", "What should I know about",
           "Describe in a few words", "How do I take care of", "Tell me a fun fact about", "Recommend a book about"]
ADJECTIVES = ["a small", "a sleepy", "a curious", "an old", "a cheerful", "a quiet", "a tiny", "a clever",
              "a friendly", "a lazy", "a brave", "a shy", "a noisy", "a gentle", "a patient", "a playful"]
NOUNS = ["turtle", "garden", "bicycle", "teapot", "lighthouse", "violin", "sailboat", "library", "hedgehog",
         "cactus", "river", "kite", "bakery", "telescope", "orchard", "puppy", "canoe", "piano", "meadow", "owl"]


ENDINGS = ["", " Please.", " Thanks!", " Keep it short.", " In plain words.", " For a child."]
DISTINCT = len(OPENERS) * len(ADJECTIVES) * len(NOUNS) * len(ENDINGS)
NOT_ALLOWED: list[str] = []  # gateway answers whose decision was not allow (see the docstring)
PHASES: dict[str, list[float]] = {}  # the gateway's server-timing phases (ms) of the non-streaming latency runs


def _phases(resp: httpx.Response) -> None:
    for part in resp.headers.get("server-timing", "").split(","):
        name, sep, value = part.strip().partition(";dur=")
        if sep:
            PHASES.setdefault(name, []).append(float(value))


def _decision(resp: httpx.Response, body: dict[str, Any]) -> None:
    decision = resp.headers.get("x-warden-decision")
    if decision is not None and decision != "allow":
        said = body["input"] if "input" in body else body["messages"][0]["content"]
        NOT_ALLOWED.append(f"{decision}: {said} ({resp.headers.get('x-warden-rules')})")


def prompt(i: int) -> str:
    """The i-th of DISTINCT different prompts."""
    i %= DISTINCT
    a, b = len(OPENERS), len(OPENERS) * len(ADJECTIVES)
    c = b * len(NOUNS)
    return (f"{OPENERS[i % a]} {ADJECTIVES[(i // a) % len(ADJECTIVES)]} {NOUNS[(i // b) % len(NOUNS)]}?"
            f"{ENDINGS[i // c]}")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _process(args: list[str], env: dict[str, str], health: str) -> Iterator[None]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{args[1:3]} exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                if httpx.get(health, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{args[1:3]} did not start")
            time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _pcts(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": statistics.median(ordered), "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)],
            "n": len(ordered)}


def _body(i: int, stream: bool, user: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": "echo", "messages": [{"role": "user", "content": prompt(i)}]}
    if user:
        body["user"] = f"user-{i % 20}"
    if stream:
        body["stream"] = True
    return body


def _complete(client: httpx.Client, url: str, headers: dict[str, str], body: dict[str, Any]) -> float:
    start = time.perf_counter()
    resp = client.post(url, json=body, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    if resp.status_code != 200 or not resp.json()["choices"][0]["message"]["content"]:
        raise SystemExit(f"{url}: {resp.status_code} {resp.text[:300]}")
    _decision(resp, body)
    _phases(resp)
    return elapsed


def _first_token(client: httpx.Client, url: str, headers: dict[str, str], body: dict[str, Any]) -> float:
    start = time.perf_counter()
    first = None
    with client.stream("POST", url, json=body, headers=headers) as resp:
        if resp.status_code != 200:
            raise SystemExit(f"{url}: {resp.status_code} {resp.read()[:300]!r}")
        _decision(resp, body)
        for line in resp.iter_lines():
            if first is None and line.startswith("data: {"):
                choices = json.loads(line[6:]).get("choices") or [{}]
                if (choices[0].get("delta") or {}).get("content"):
                    first = (time.perf_counter() - start) * 1000
    if first is None:
        raise SystemExit(f"{url}: the stream carried no content")
    return first


def _respond(client: httpx.Client, url: str, headers: dict[str, str], body: dict[str, Any]) -> float:
    """A non-streaming `POST /v1/responses` (the chat URL's sibling)."""
    url = url.replace("/chat/completions", "/responses")
    body = {"model": body["model"], "input": body["messages"][0]["content"],
            **({"user": body["user"]} if "user" in body else {})}
    start = time.perf_counter()
    resp = client.post(url, json=body, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    if resp.status_code != 200 or resp.json().get("status") != "completed":
        raise SystemExit(f"{url}: {resp.status_code} {resp.text[:300]}")
    _decision(resp, body)
    return elapsed


def latency(direct: str, gateway: str, key: str, n: int) -> dict[str, Any]:
    auth = {"authorization": f"Bearer {key}"}
    kinds = (("non_streaming", _complete), ("first_token", _first_token), ("responses", _respond))
    out: dict[str, dict[str, list[float]]] = {kind: {"direct": [], "gateway": []} for kind, _ in kinds}
    with httpx.Client(timeout=60) as client:
        for i in range(-20, n):  # the first 20 warm both paths and are not counted
            for k, (kind, call) in enumerate(kinds):
                stream = kind == "first_token"
                d = call(client, direct, {}, _body(i + 20, stream, user=False))
                g = call(client, gateway, auth, _body(i + 20 + (n + 40) * (1 + k), stream, user=True))
                if i >= 0:
                    out[kind]["direct"].append(d)
                    out[kind]["gateway"].append(g)
    result: dict[str, Any] = {}
    for kind, paths in out.items():
        dp, gp = _pcts(paths["direct"]), _pcts(paths["gateway"])
        result[kind] = {"direct": dp, "gateway": gp, "added_p50_ms": gp["p50_ms"] - dp["p50_ms"],
                        "added_p99_ms": gp["p99_ms"] - dp["p99_ms"]}
    return result


def floor(direct: str, service: str, n: int) -> dict[str, Any]:
    """What any route of the service costs (GET /healthz, through its middleware) against the echo server's
    GET /v1/models: the part of the gateway's figure that is not the gateway's own work."""
    out: dict[str, list[float]] = {"direct": [], "gateway": []}
    with httpx.Client(timeout=60) as client:
        for i in range(-20, n):
            for name, url in (("direct", direct), ("gateway", service)):
                start = time.perf_counter()
                client.get(url).raise_for_status()
                if i >= 0:
                    out[name].append((time.perf_counter() - start) * 1000)
    d, g = _pcts(out["direct"]), _pcts(out["gateway"])
    return {"direct": d, "gateway": g, "added_p50_ms": g["p50_ms"] - d["p50_ms"],
            "added_p99_ms": g["p99_ms"] - d["p99_ms"]}


async def _load(url: str, headers: dict[str, str], clients: int, seconds: float, user: bool,
                start_at: int) -> dict[str, Any]:
    ok, errors, times = 0, 0, []
    counter = itertools.count(start_at)
    first_errors: list[str] = []
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        async def worker() -> None:
            nonlocal ok, errors
            while time.monotonic() < stop:
                start = time.perf_counter()
                try:
                    body = _body(next(counter), False, user)
                    resp = await client.post(url, json=body, headers=headers)
                    good = resp.status_code == 200
                    _decision(resp, body)
                    if not good and len(first_errors) < 5:
                        first_errors.append(f"{resp.status_code} {resp.text[:200]}")
                except httpx.HTTPError as exc:
                    good = False
                    if len(first_errors) < 5:
                        first_errors.append(repr(exc))
                times.append((time.perf_counter() - start) * 1000)
                ok, errors = (ok + 1, errors) if good else (ok, errors + 1)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - began
    return {"requests": ok + errors, "ok": ok, "errors": errors, "seconds": wall, "rps": ok / wall,
            **_pcts(times), "first_errors": first_errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="warden-gateway-bench-"))
    db_url = f"sqlite:///{tmp / 'warden.db'}"
    db = Database(db_url)
    with db.transaction() as s:
        org = directory.create_org(s, SYSTEM, directory.OrgIn(name="bench"))
        key = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject="bench", org_id=org.id)).key
    db.dispose()
    up_port, gw_port = _port(), _port()
    env = {**os.environ, "WARDEN_DATABASE_URL": db_url, "WARDEN_UPSTREAM_URL": f"http://127.0.0.1:{up_port}/v1",
           "WARDEN_DELIVER_EVERY": "0", "WARDEN_RATE_PER_KEY": "0", "WARDEN_RATE_PER_ADDRESS": "0"}
    direct = f"http://127.0.0.1:{up_port}/v1/chat/completions"
    gateway = f"http://127.0.0.1:{gw_port}/v1/chat/completions"
    with _process([WARDEN, "gateway", "echo", "--port", str(up_port)], env, f"http://127.0.0.1:{up_port}/v1/models"), \
         _process([WARDEN, "serve", "--port", str(gw_port), "--log-level", "warning"], env,
                  f"http://127.0.0.1:{gw_port}/healthz"):
        detectors = ",".join(Settings.from_env(env).detectors)
        lat = latency(direct, gateway, key, args.requests)
        lat["gateway_phases_p50_ms"] = {name: statistics.median(v) for name, v in PHASES.items()}
        lat["service_floor"] = floor(f"http://127.0.0.1:{up_port}/v1/models", f"http://127.0.0.1:{gw_port}/healthz",
                                     args.requests)
        auth = {"authorization": f"Bearer {key}"}
        start_at = 4 * (args.requests + 40)  # prompts the latency phase did not use
        load_direct = asyncio.run(_load(direct, {}, args.clients, args.seconds, False, start_at))
        load_gateway = asyncio.run(_load(gateway, auth, args.clients, args.seconds, True, start_at))
    result = {"detectors": detectors, "cpus": os.cpu_count(), "requests": args.requests, "clients": args.clients,
              "latency": lat, "load": {"direct": load_direct, "gateway": load_gateway},
              "not_allowed": len(NOT_ALLOWED), "not_allowed_examples": NOT_ALLOWED[:10],
              "bar_added_p50_ms": 15.0,
              "bar_met": all(lat[k]["added_p50_ms"] <= 15.0 for k in ("non_streaming", "first_token"))
              and load_gateway["errors"] == 0}
    print(f"detectors {detectors}; {args.requests} short prompts each way, then {args.clients} clients "
          f"for {args.seconds:.0f} s")
    print(f"{'measure':<34}{'direct':>12}{'gateway':>12}{'added':>12}")
    for kind, label in (("non_streaming", "non-streaming"), ("first_token", "streaming, first token"),
                        ("responses", "/v1/responses, non-streaming"), ("service_floor", "any route (GET /healthz)")):
        row = lat[kind]
        for p in ("p50", "p99"):
            print(f"{label + ' ' + p + ' ms':<34}{row['direct'][p + '_ms']:>12.2f}{row['gateway'][p + '_ms']:>12.2f}"
                  f"{row['added_' + p + '_ms']:>12.2f}")
    print(f"{'requests/s at ' + str(args.clients) + ' clients':<34}{load_direct['rps']:>12.1f}"
          f"{load_gateway['rps']:>12.1f}")
    print(f"{'errors at ' + str(args.clients) + ' clients':<34}{load_direct['errors']:>12}{load_gateway['errors']:>12}")
    print(f"{'p99 ms at ' + str(args.clients) + ' clients':<34}{load_direct['p99_ms']:>12.1f}"
          f"{load_gateway['p99_ms']:>12.1f}")
    print("where the gateway's time goes (server-timing p50 ms, non-streaming): "
          + ", ".join(f"{k} {v:.2f}" for k, v in lat["gateway_phases_p50_ms"].items()))
    print(f"gateway answers not allowed (false positives on ordinary prompts): {len(NOT_ALLOWED)}"
          + "".join(f"\n  {x}" for x in NOT_ALLOWED[:5]))
    print(f"bar (added p50 <= 15 ms both ways, zero errors): {'met' if result['bar_met'] else 'NOT met'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gateway.json").write_text(json.dumps(result, indent=2))
    sys.exit(0)


if __name__ == "__main__":
    main()
