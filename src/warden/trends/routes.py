"""`GET /metrics`: Prometheus' text exposition (open, like a sidecar's; bind it to an internal interface)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from warden.api.auth import Public
from warden.api.deps import RuntimeDep
from warden.trends import metrics
from warden.trends.readings import Readings

router = APIRouter(tags=["meta"])


@router.get("/metrics", dependencies=[Public], response_class=Response)
def prometheus(rt: RuntimeDep) -> Response:
    return Response(metrics.exposition(Readings(rt.db), rt.clock), media_type=CONTENT_TYPE_LATEST)
