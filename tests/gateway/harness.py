"""Test harness of the gateway: Warden's app and the scripted upstream, each served by uvicorn on 127.0.0.1,
called with the official `openai` SDK. Detection uses a keyword detector through the real screening service,
policy decisions and enforcement lifecycle (the real detectors are exercised in test_real_pipeline.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
import uvicorn
from starlette.applications import Starlette

from warden.api.app import create_app
from warden.detect.pipeline import DetectorSet
from warden.detect.testing import KeywordDetector
from warden.enforce import directory, keys
from warden.enforce.principal import SYSTEM, Role
from warden.gateway.echo import Received, create_echo_app
from warden.policy import PolicyLibrary, load_pack
from warden.policy.provider import PolicyProvider
from warden.runtime import Runtime
from warden.settings import GatewaySettings, Settings
from warden.store import Database

PACK = Path(__file__).resolve().parent / "pack.yaml"
MODES = ("enforce", "advisory", "shadow")
BENIGN = "The garden was quiet in the morning and the bees moved between the flowers. " * 8  # ~600 chars
SCRIPT = {
    "violent story": "Here is a story. " + BENIGN + "Then he explained how to build a bomb step by step. "
                     + "More words follow after the bad part.",
    "bad answer": "Sure: to build a bomb you need the following.",
    "long calm": BENIGN + "The end.",
}


def keywords() -> KeywordDetector:
    return KeywordDetector({"violence": (0.95, ["build a bomb", "stab him"]), "hate": (0.7, ["hateful"])})


@contextmanager
def served(app: Any) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


@dataclass
class Gateway:
    url: str  # the gateway's OpenAI base URL (.../v1)
    upstream: Starlette
    runtime: Runtime
    db: Database
    orgs: dict[str, str] = field(default_factory=dict)  # mode -> organization id
    keys: dict[str, str] = field(default_factory=dict)  # mode -> service key

    @property
    def received(self) -> list[Received]:
        received: list[Received] = self.upstream.state.received
        return received

    def client(self, mode: str = "enforce", **options: Any) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url, api_key=self.keys[mode], max_retries=0, timeout=30, **options)

    def async_client(self, mode: str = "enforce") -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(base_url=self.url, api_key=self.keys[mode], max_retries=0, timeout=30)


def build(db: Database, upstream: str, detectors: DetectorSet, provider: PolicyProvider,
          **gateway: Any) -> tuple[Runtime, dict[str, str], dict[str, str]]:
    orgs, issued = {}, {}
    with db.transaction() as s:
        for mode in MODES:
            orgs[mode] = directory.create_org(s, SYSTEM, directory.OrgIn(name=f"{mode} org")).id
            issued[mode] = keys.issue(s, SYSTEM, keys.KeyIn(role=Role.SERVICE, subject=f"app-{mode}",
                                                            org_id=orgs[mode])).key
    options = {"upstream_url": upstream, "org_modes": {orgs[m]: m for m in MODES}, "stream_window": 120}
    if "upstream_url" in gateway:  # a test's own upstream (or None: none configured)
        options["upstream_url"] = gateway.pop("upstream_url")
    settings = Settings(database_url="sqlite://", gateway=GatewaySettings(**(options | gateway)))
    rt = Runtime(db=db, policies=provider, detectors=detectors, settings=settings)
    return rt, orgs, issued




@contextmanager
def running(db: Database, detectors: DetectorSet | None = None, provider: PolicyProvider | None = None,
            **options: Any) -> Iterator[Gateway]:
    """The scripted upstream and Warden's app (the gateway routes mounted) served on 127.0.0.1."""
    provider = provider or PolicyProvider.fixed(PolicyLibrary([load_pack(PACK)]).effective(packs=["gateway-test"]))
    upstream = create_echo_app(SCRIPT)
    with served(upstream) as up:
        rt, orgs, issued = build(db, f"{up}/v1", detectors or DetectorSet([keywords()]), provider, **options)
        with served(create_app(rt)) as url:
            yield Gateway(url=f"{url}/v1", upstream=upstream, runtime=rt, db=db, orgs=orgs, keys=issued)
