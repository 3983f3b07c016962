"""The keep-alive race behind a dropped request under load, reproduced.

A pooled HTTP client (httpx, which the OpenAI SDK uses) reuses a connection that has been idle
for up to 5 s; uvicorn's default keep-alive timeout is also 5 s. Measured from the end of the
same response, the server's clock for that idle time runs ahead of the client's, and a loaded
server's event loop polls its sockets only every few tens of milliseconds. So a request sent on a
connection idle just under 5 s can land in the socket after the loop's last poll but before the
keep-alive timer closes it: closing a socket with unread data resets it, and the client gets a
bare `ReadError('')`. That is the one error that `benchmarks/load.py` used to show.

This script serves a trivial app with Warden's protocol (`WardenH11Protocol`) on a loop kept busy
(30 ms of work every 35 ms), opens 40 pooled connections, leaves them idle for 4.90-5.05 s and
reuses them, once with the server's keep-alive at `--keepalive` seconds, on `--loop` (asyncio, where
the window is widest; `uvloop`, what `warden serve` runs on when it is installed). With 5 s some
requests fail; with the default `WARDEN_KEEPALIVE_TIMEOUT` (20 s, longer than any client's idle
expiry) the client always retires an idle connection first and none can.

Usage: .venv/bin/python benchmarks/keepalive.py [--keepalive 5] [--rounds 3] [--loop asyncio|uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from typing import Any

import httpx
import uvicorn

from warden.api.server import WardenH11Protocol
from warden.settings import LimitSettings

IDLE = [4.90 + 0.01 * i for i in range(16)]


def _hog(loop: asyncio.AbstractEventLoop) -> None:
    time.sleep(0.03)  # a loaded server: callbacks run for tens of ms between polls of the sockets
    loop.call_later(0.005, _hog, loop)


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def _reuse(port: int, rounds: int) -> tuple[int, int, list[str]]:
    errors, ok, samples = 0, 0, []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=httpx.Limits(max_connections=40)) as c:
        for _ in range(rounds):
            for idle in IDLE:
                await asyncio.gather(*[c.get("/") for _ in range(40)])  # 40 pooled connections, then all idle
                await asyncio.sleep(idle)
                answers = await asyncio.gather(*[c.get("/") for _ in range(40)], return_exceptions=True)
                failed = [a for a in answers if isinstance(a, Exception)]
                errors, ok = errors + len(failed), ok + len(answers) - len(failed)
                samples += [f"idle {idle:.2f} s: {a!r}" for a in failed]
    return errors, ok, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keepalive", type=float, default=LimitSettings().keepalive_timeout)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    args = parser.parse_args()
    WardenH11Protocol.configure(LimitSettings())
    config = uvicorn.Config(_app, host="127.0.0.1", port=0, log_level="critical", lifespan="off",
                            http=WardenH11Protocol, timeout_keep_alive=args.keepalive, loop=args.loop)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    server_loop = server.servers[0].get_loop()
    server_loop.call_soon_threadsafe(_hog, server_loop)
    port = server.servers[0].sockets[0].getsockname()[1]
    errors, ok, samples = asyncio.run(_reuse(port, args.rounds))
    server.should_exit = True
    thread.join(timeout=10)
    expiry = httpx.Limits().keepalive_expiry
    print(f"server keep-alive {args.keepalive:g} s on {args.loop}, client idle expiry {expiry} s (httpx's default): "
          f"{errors} failed, {ok} answered")
    for line in samples[:5]:
        print("  ", line)


if __name__ == "__main__":
    main()
