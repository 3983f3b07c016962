"""Warden's errors: one root, mapped once at each edge (HTTP in `warden.api.errors`, the CLI in
`warden.cli`). Every error Warden raises on purpose is a `WardenError` carrying the HTTP status it
means, a stable machine-readable `code` and, where one input is to blame, the `param` naming it:

    WardenError                 500 internal_error   the root; anything else escaping is a bug (500)
    ├── InvalidInput            400 invalid_value    the caller sent something unusable
    │   ├── enforce Invalid             (alias: warden.enforce.errors.Invalid)
    │   ├── PolicyFileError, LibraryError, LayeringError, ExpressionError   a pack, overlay or ref
    │   ├── SubmissionError     an app / plugin submission that cannot be reviewed
    │   ├── UnknownDetector     a detector name nobody registered
    │   └── EvalDataError       a file `warden eval` cannot read
    ├── NotAuthenticated        401 missing_api_key / invalid_api_key
    ├── Forbidden               403 forbidden        authenticated, not permitted
    ├── NotFound                404 not_found        absent, or outside the caller's tenant
    ├── Conflict                409 conflict         the state does not allow it (now)
    ├── RateLimited             429 rate_limit_exceeded  too many requests; `retry_after` seconds
    ├── Unavailable             503 unavailable      a dependency did not answer; nothing was changed
    │   ├── DetectorError       503 detector_unavailable  a detector (remote, judge) failed
    │   ├── DeliveryFailed      a notice channel refused a delivery (retried by the outbox)
    │   └── SubmitFailed        the CyberTipline endpoint refused a report
    └── ConfigurationError      500 misconfigured    Warden cannot run as configured
        ├── SettingsError       a variable holds an unusable value
        ├── StartupError        the runtime cannot be built (PolicyLoadError, DetectorLoadError)
        └── NoRuntime           an app serving without its runtime

Subclasses keep the builtin base they had (`ValueError`, `KeyError`, `RuntimeError`) so existing
`except` clauses still hold. Internal failures that are not `WardenError`s (a pydantic
`ValidationError` on data Warden built itself, a bug) are 500s that blame no one but Warden.
"""

from __future__ import annotations

from typing import Any


class WardenError(Exception):
    status: int = 500
    code: str | None = "internal_error"
    extra: dict[str, Any] | None = None  # more of the error body, e.g. the decision behind a refusal

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class InvalidInput(WardenError):
    status = 400
    code = "invalid_value"


class NotAuthenticated(WardenError):
    status = 401
    code = "invalid_api_key"


class Forbidden(WardenError):
    status = 403
    code = "forbidden"


class NotFound(WardenError):
    status = 404
    code = "not_found"


class Conflict(WardenError):
    status = 409
    code = "conflict"


class RateLimited(WardenError):
    """Too many requests from one key or address; `retry_after` says when the next one is allowed."""

    status = 429
    code = "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after: float, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class Unavailable(WardenError):
    status = 503
    code = "unavailable"


class ConfigurationError(WardenError):
    status = 500
    code = "misconfigured"
