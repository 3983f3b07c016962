"""One pagination type for every listing: a limit, always bounded.

Listings take a `Page` (the API builds it from `?limit=` with `warden.api.auth.Paged`); a limit
outside [1, MAX_LIMIT] is clamped, never unbounded, so no caller can ask the store for everything.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


class Page(BaseModel):
    model_config = ConfigDict(frozen=True)

    limit: int = DEFAULT_LIMIT

    @classmethod
    def of(cls, limit: int | None, default: int = DEFAULT_LIMIT) -> Page:
        wanted = default if limit is None else limit
        return cls(limit=min(max(wanted, 1), MAX_LIMIT))

    def apply(self, query: Select[Any]) -> Select[Any]:
        return query.limit(self.limit)
