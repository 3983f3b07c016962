"""The scan engine interface and its registry (name -> engine factory)."""

from __future__ import annotations

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


ENGINES: dict[str, Callable[[int, str | None], ScanEngine]] = {}


def register(name: str, factory: Callable[[int, str | None], ScanEngine]) -> None:
    ENGINES[name] = factory


def engine(name: str, workers: int = 1, address: str | None = None) -> ScanEngine:
    """The engine `name` with `workers` workers (`address`: an existing cluster, for ray)."""
    from warden.scan import local, ray_engine  # noqa: F401  (they register themselves)

    if name not in ENGINES:
        raise KeyError(f"no scan engine {name!r}; known: {', '.join(sorted(ENGINES))}")
    return ENGINES[name](workers, address)
