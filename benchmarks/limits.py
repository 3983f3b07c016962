"""What an oversized request costs the service: time to refusal and the server's RSS growth.

Starts `warden serve` (the real service: real detectors, bundled policy, a temporary SQLite store) and
sends, over a raw socket on 127.0.0.1:

* `declared`: a 2,048 x 200k-character `/v1/moderations` body (400 MB) announced by Content-Length;
* `streamed`: the same body sent with chunked transfer encoding, no length announced;
* `too-many-chars`: 30 x 200k characters (6 MB, under the body cap) refused by the per-request
  character cap after parsing;
* `accepted`: one small request, for scale.

Prints a table and writes benchmarks/results/limits.json. The issue's bar: refused in under a
second with RSS growth under 50 MB.

    .venv/bin/python benchmarks/limits.py
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1 << 20
ITEM = b'"' + b"a" * 200_000 + b'"'


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_answer(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data and data.rstrip().endswith(b"}"):
                break
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def head(port: int, extra: bytes) -> bytes:
    return (b"POST /v1/moderations HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n" % port
            + extra + b"\r\n")


def declared(port: int) -> tuple[bytes, int]:
    size = len(b'{"input": [') + 2048 * (len(ITEM) + 1) + 1
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head(port, b"Content-Length: %d\r\n" % size) + b'{"input": [' + ITEM)
        return read_answer(sock), len(ITEM)


def streamed(port: int) -> tuple[bytes, int]:
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head(port, b"Transfer-Encoding: chunked\r\n"))
        try:
            for i in range(2048):
                chunk = (b'{"input": [' if i == 0 else b",") + ITEM
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_answer(sock), sent


def too_many_chars(port: int) -> tuple[bytes, int]:
    body = b'{"input": [' + b",".join([ITEM] * 30) + b"]}"
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head(port, b"Content-Length: %d\r\n" % len(body)) + body)
        return read_answer(sock), len(body)


def accepted(port: int) -> tuple[bytes, int]:
    body = b'{"input": "have a lovely day"}'
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head(port, b"Content-Length: %d\r\nConnection: close\r\n" % len(body)) + body)
        return read_answer(sock), len(body)


def main() -> None:
    port = free_port()
    tmp = Path(tempfile.mkdtemp())
    env = os.environ | {"WARDEN_DATABASE_URL": f"sqlite:///{tmp / 'warden.db'}", "WARDEN_DELIVER_EVERY": "0",
                        "XDG_DATA_HOME": str(tmp)}
    server = subprocess.Popen([str(ROOT / ".venv/bin/warden"), "serve", "--port", str(port), "--log-level",
                               "warning"], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the server did not start")
                time.sleep(0.2)
        accepted(port)  # warm: the first request loads what is lazily loaded
        rows = []
        for name, case in [("declared", declared), ("streamed", streamed), ("too-many-chars", too_many_chars),
                           ("accepted", accepted)]:
            before = rss(server.pid)
            started = time.perf_counter()
            answer, sent = case(port)
            elapsed = time.perf_counter() - started
            time.sleep(0.3)
            status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1") else 0
            body = answer.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in answer else b""
            code = json.loads(body)["error"]["code"] if status >= 400 and body else None
            rows.append({"case": name, "status": status, "code": code, "seconds": round(elapsed, 3),
                         "bytes_sent": sent, "rss_growth_mb": round((rss(server.pid) - before) / MB, 1),
                         "server_rss_mb": round(rss(server.pid) / MB, 1)})
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"{'case':16} {'status':>6} {'code':18} {'seconds':>8} {'sent MB':>8} {'RSS +MB':>8}")
    for r in rows:
        print(f"{r['case']:16} {r['status']:>6} {r['code'] or '-':18} {r['seconds']:>8.3f} "
              f"{r['bytes_sent'] / MB:>8.1f} {r['rss_growth_mb']:>8.1f}")
    refused = [r for r in rows if r["case"] != "accepted"]
    bar = all(r["status"] in (400, 413) and r["seconds"] < 1.0 and r["rss_growth_mb"] < 50 for r in refused)
    print(f"bar (refused in < 1 s, RSS growth < 50 MB): {'met' if bar else 'NOT met'}")
    out = ROOT / "benchmarks" / "results" / "limits.json"
    out.write_text(json.dumps({"rows": rows, "bar_met": bar}, indent=2) + "\n")


if __name__ == "__main__":
    main()
