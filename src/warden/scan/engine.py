"""The scan engine interface and its registry (name -> engine factory)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel


@dataclass(frozen=True)
class ScanJob:
    database_url: str
    packs: tuple[str, ...] = ()  # pack refs; () : the policy in force today
    detectors: tuple[str, ...] = ("recognisers",)
    org_id: str | None = None
    batch_size: int = 512
    options: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Ray Data's read_sql takes no bound parameters, so the ray engine writes the id into its query;
        # an id of any other shape than the store's own (`org_` + hex) is refused here, for every engine.
        if self.org_id is not None and not ORG_ID.fullmatch(self.org_id):
            raise ValueError(f"not an organization id: {self.org_id!r} (expected letters, digits, _ or -)")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")


ORG_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ScanReport(BaseModel):
    engine: str
    workers: int
    policy_revision: str
    scanned: int
    written: int  # new decisions; the rest were already stored by an earlier run
    seconds: float

    @property
    def items_per_second(self) -> float:
        return self.scanned / self.seconds if self.seconds else 0.0


class ScanEngine(Protocol):
    name: str

    def run(self, job: ScanJob) -> ScanReport: ...


# name -> "module:Class" of an engine taking (workers, address); plugins add theirs with `register`
ENGINES: dict[str, str] = {"local": "warden.scan.local:LocalEngine", "ray": "warden.scan.ray_engine:RayEngine"}


def register(name: str, path: str) -> None:
    ENGINES[name] = path


def engine(name: str, workers: int = 1, address: str | None = None) -> ScanEngine:
    """The engine `name` with `workers` workers (`address`: an existing cluster, for ray)."""
    if name not in ENGINES:
        raise KeyError(f"no scan engine {name!r}; known: {', '.join(sorted(ENGINES))}")
    module, _, attr = ENGINES[name].partition(":")
    factory: Callable[[int, str | None], ScanEngine] = getattr(importlib.import_module(module), attr)
    return factory(workers, address)
