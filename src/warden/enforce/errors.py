"""The enforcement services' errors: the shared root's classes under the names the services use
(see `warden.errors` for the hierarchy and how each edge maps it)."""

from __future__ import annotations

from warden.errors import Conflict, Forbidden, NotFound
from warden.errors import InvalidInput as Invalid
from warden.errors import WardenError as EnforceError

__all__ = ["Conflict", "EnforceError", "Forbidden", "Invalid", "NotFound"]
