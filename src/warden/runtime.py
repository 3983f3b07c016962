"""The composition root: everything a running Warden needs, built once from `Settings`.

`Runtime.build(settings)` opens the store, loads the policy (`PolicyProvider`),
builds the configured `DetectorSet` and the `Screener` over it, and the
CyberTipline settings; it fails closed, raising `StartupError` with a clear
message when the policy or a detector cannot load, so a service never starts
without decisions or with fewer detectors than configured. `start()` starts the
notice-outbox worker, `close()` stops it and releases the store.

Every shell receives its wiring from here instead of building its own: the REST
app's lifespan builds one runtime and routes take it through `warden.api.deps`; a
caller may hand a ready one to `create_app(runtime=...)`; CLI commands build only
the parts they use with the same loaders (`load_policies`, `load_detectors`), so
they fail closed the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from warden.detect.images.intake import ImageIntake, limits_from, shared_intake
from warden.detect.pipeline import DetectorLoadError, DetectorSet
from warden.enforce import announcements, overlays
from warden.enforce.anchor import AnchorWorker
from warden.enforce.mandatory import CyberTipSettings
from warden.enforce.notices.channels import Channel, channel
from warden.enforce.notices.outbox import DeliveryRun, deliver_due
from warden.enforce.notices.worker import DeliveryWorker
from warden.enforce.overlays import StoredOverlays
from warden.enforce.sealing import SealingError
from warden.errors import ConfigurationError
from warden.policy.library import LibraryError
from warden.policy.provider import PolicyLoadError, PolicyProvider
from warden.policy.source import PolicyFileError
from warden.ratelimit import RateLimiter
from warden.screening import Screener
from warden.settings import CyberTipConfig, Settings
from warden.store.database import Database

log = logging.getLogger(__name__)


class StartupError(ConfigurationError, RuntimeError):
    """Warden cannot start as configured (a policy or detector that cannot load); the message says why."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Runtime:
    db: Database
    policies: PolicyProvider
    detectors: DetectorSet
    settings: Settings = field(default_factory=Settings)
    cybertip: CyberTipSettings = field(default_factory=lambda: CyberTipSettings.from_config(CyberTipConfig()))
    clock: Callable[[], dt.datetime] = utcnow
    channels: Callable[[str], Channel] = channel  # notice channel by name
    worker: DeliveryWorker | None = field(default=None, init=False)
    anchors: AnchorWorker | None = field(default=None, init=False)  # signed audit heads, on a schedule

    def __post_init__(self) -> None:
        self.screener = Screener(self.detectors, batch_window_s=self.settings.batch_window_ms / 1000)
        self.limiter = RateLimiter.build(self.settings.limits, self.db)  # per key and address

    @property
    def images(self) -> ImageIntake:
        """The image intake the image detectors share (limits, the outbound guard, the decoded-image cache)."""
        return shared_intake(limits_from(self.settings.detector_options()["hashes"]["image_limits"]))

    @classmethod
    def build(cls, settings: Settings | None = None, *, db: Database | None = None) -> Runtime:
        """The runtime the settings describe, or `StartupError`."""
        settings = settings or Settings.from_env()
        store = db or Database(settings.database_url)
        try:
            policies = load_policies(settings, store)
            detectors = load_detectors(settings, policies)
        except StartupError:
            if db is None:
                store.dispose()
            raise
        announcements.platform_loaded(store, policies)  # a new pack version: subscribers get its diff
        return cls(db=store, policies=policies, detectors=detectors,
                   settings=settings, cybertip=load_cybertip(settings))

    def deliver_once(self) -> DeliveryRun:
        return deliver_due(self.db, channels=self.channels)

    def start(self, deliver_every: float | None = None) -> None:
        """Start background work: the notice outbox, every `deliver_every` seconds (0: off)."""
        every = self.settings.deliver_every if deliver_every is None else deliver_every
        if every > 0 and self.worker is None:
            self.worker = DeliveryWorker(self.deliver_once, every)
            self.worker.start()
        anchor = self.settings.audit_anchor
        if anchor.signing_key_file is not None and anchor.every > 0 and self.anchors is None:
            self.anchors = AnchorWorker(self.db, anchor.signing_key_file,
                                        anchor.directory or self.settings.data_dir / "anchors", anchor.every)
            self.anchors.start()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        if self.anchors is not None:
            self.anchors.stop()
            self.anchors = None
        self.db.dispose()


def load_cybertip(settings: Settings) -> CyberTipSettings:
    """Mandatory-reporting settings with the evidence keyring (`warden.enforce.sealing`); fails closed."""
    try:
        return CyberTipSettings.from_settings(settings)
    except SealingError as exc:
        raise StartupError(f"cannot start: {exc}") from exc


def load_policies(settings: Settings, db: Database | None = None) -> PolicyProvider:
    """The packs, and with `db` the stored overlays (operator, workspace, user) on top: every active stack
    is resolved now, so an invalid pack or overlay stops start-up with its file:line message."""
    try:
        if db is None:
            return PolicyProvider.load(settings.policy_path)
        provider = PolicyProvider.load(settings.policy_path, overlays=StoredOverlays(db))
        overlays.check_all(db, provider)
        return provider
    except PolicyLoadError as exc:
        raise StartupError(f"cannot start: {exc}") from exc
    except (PolicyFileError, LibraryError) as exc:
        raise StartupError(f"cannot start: a stored overlay does not resolve: {exc}") from exc


def load_detectors(settings: Settings, policies: PolicyProvider | None = None,
                   names: tuple[str, ...] | None = None, warm: bool | None = None) -> DetectorSet:
    options = settings.detector_options()
    if policies is not None:
        options["judge"] = {**options.get("judge", {}), "policy": policies.effective()}
    try:
        return DetectorSet.load(names or settings.detectors, options, warm=settings.warm if warm is None else warm)
    except DetectorLoadError as exc:
        raise StartupError(f"cannot start: {exc}") from exc
