"""Domain errors; the API maps each to a status code, the CLI to a message."""

from __future__ import annotations


class EnforceError(Exception):
    status = 400
    code = "invalid_request"

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class Invalid(EnforceError):
    status = 400
    code = "invalid_value"


class NotFound(EnforceError):
    status = 404
    code = "not_found"


class Forbidden(EnforceError):
    status = 403
    code = "forbidden"


class Conflict(EnforceError):
    status = 409
    code = "conflict"
