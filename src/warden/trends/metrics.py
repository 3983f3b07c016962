"""Prometheus metrics of the running service (`GET /metrics`).

Process counters live in one registry here and are fed by the shells: requests and their
latency (the app's middleware), decisions by verdict and surface and violations by rule and
category (`observe_decision`, called by the screening service and wherever a decision is
stored), and detector latency (`observe_detector`, called by the detector set). Queue depth and
age and notice-delivery failures are read from the store at scrape time (`StoreCollector`), so
every worker process reports the same figures. This module imports nothing of Warden's, so any
layer may feed it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("warden_http_requests", "HTTP requests served", ["method", "route", "status"], registry=REGISTRY)
REQUEST_SECONDS = Histogram("warden_http_request_seconds", "HTTP request latency", ["route"], registry=REGISTRY,
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
DECISIONS = Counter("warden_decisions", "Decisions made, by verdict and surface", ["verdict", "surface"],
                    registry=REGISTRY)
VIOLATIONS = Counter("warden_violations", "Rule violations in decisions, by rule and signal category",
                     ["rule", "category"], registry=REGISTRY)
NOTICE_FAILURES = Counter("warden_notice_delivery_failures", "Notice delivery attempts that failed, by channel "
                          "(each try; the outbox retries with backoff)", ["channel"], registry=REGISTRY)
DETECTOR_SECONDS = Histogram("warden_detector_seconds", "Detector latency per batch", ["detector"], registry=REGISTRY,
                             buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10))


class _DecisionLike(Protocol):
    @property
    def verdict(self) -> Any: ...
    @property
    def surface(self) -> Any: ...
    @property
    def violations(self) -> Any: ...


def observe_decision(decision: _DecisionLike) -> None:
    surface = decision.surface
    DECISIONS.labels(verdict=str(getattr(decision.verdict, "value", decision.verdict)),
                     surface=str(getattr(surface, "value", surface) or "")).inc()
    for v in decision.violations:
        VIOLATIONS.labels(rule=v.rule_id, category=v.category or "").inc()


def observe_delivery_failure(channel: str) -> None:
    NOTICE_FAILURES.labels(channel=channel).inc()


def observe_detector(name: str, seconds: float) -> None:
    DETECTOR_SECONDS.labels(detector=name).observe(seconds)


class StoreReadings(Protocol):
    """What the store collector reads (`warden.trends.readings.Readings` over the database)."""

    def queue(self) -> list[tuple[str, str, int]]: ...  # (kind, status, count)
    def oldest_open(self) -> dict[str, dt.datetime]: ...  # kind -> created_at of its oldest open case
    def deliveries(self) -> list[tuple[str, str, int]]: ...  # (channel, status, count)


class StoreCollector(Collector):
    def __init__(self, readings: StoreReadings, now: Callable[[], dt.datetime]) -> None:
        self.readings, self.now = readings, now

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("warden_queue_cases", "Review cases by kind and status", labels=["kind", "status"])
        for kind, status, n in self.readings.queue():
            depth.add_metric([kind, status], n)
        yield depth
        age = GaugeMetricFamily("warden_queue_oldest_open_seconds", "Age of the oldest open case, by kind",
                                labels=["kind"])
        now = self.now()
        for kind, created in self.readings.oldest_open().items():
            age.add_metric([kind], max((now - created).total_seconds(), 0.0))
        yield age
        notices = GaugeMetricFamily("warden_notice_deliveries", "Notice deliveries by channel and status "
                                    "(failed: gave up after retries)", labels=["channel", "status"])
        for channel, status, n in self.readings.deliveries():
            notices.add_metric([channel, status], n)
        yield notices


def exposition(readings: StoreReadings | None = None, now: Callable[[], dt.datetime] | None = None) -> bytes:
    """The text exposition: process counters, then the store's gauges."""
    out = generate_latest(REGISTRY)
    if readings is not None:
        store = CollectorRegistry(auto_describe=False)
        store.register(StoreCollector(readings, now or (lambda: dt.datetime.now(dt.UTC))))
        out += generate_latest(store)
    return out


ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class RequestMetrics:
    """ASGI middleware: counts HTTP requests by route template and status, and times them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None)  # the template, not the URL: bounded labels
            # under a mounted app (the console) the template is relative to its mount point
            path = f"{scope.get('root_path', '')}{route}" if route else "unmatched"
            REQUESTS.labels(method=scope.get("method", ""), route=path, status=str(status["code"])).inc()
            REQUEST_SECONDS.labels(route=path).observe(time.perf_counter() - start)
