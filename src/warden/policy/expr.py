"""Safe condition expressions in CEL (Common Expression Language).

Conditions over app metadata and request context are data in the packs, so
they are compiled with a real CEL parser and evaluated without `eval`.
Programs are cached by source text: packs reuse a handful of conditions.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import celpy
from celpy import celtypes
from celpy.adapter import json_to_cel

from warden.errors import InvalidInput

_ENV = celpy.Environment()


class ExpressionError(InvalidInput, ValueError):
    """A condition failed to compile or to evaluate."""


class EvaluationError(ExpressionError):
    """A condition could not be evaluated on this context (a value of the wrong type, a result that is
    not a boolean). Unlike an absent field, this is a fault in the context or the pack, not "no"."""


@lru_cache(maxsize=1024)
def compile_expression(source: str) -> celpy.Runner:
    try:
        return _ENV.program(_ENV.compile(source))
    except Exception as exc:  # celpy raises several parser exception types
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExpressionError(f"invalid CEL expression {source!r}: {message}") from exc


Activation = dict[str, Any]  # context values already converted to CEL types


def activation(context: Mapping[str, Any]) -> Activation:
    """Convert a decision context once, to evaluate many conditions against it."""
    return {key: json_to_cel(value) for key, value in context.items()}


def _absent(exc: Exception) -> bool:
    """Whether an evaluation failed only because a field the condition reads is not in the context."""
    cause = exc.args[1] if len(exc.args) > 1 else None
    return isinstance(cause, type) and issubclass(cause, KeyError)


def check(source: str, prepared: Activation) -> bool:
    """Evaluate a condition. A field absent from the context makes it False (a condition says when a rule
    applies, and an absent fact is not one); any other failure raises `EvaluationError`."""
    program = compile_expression(source)
    try:
        result = program.evaluate(prepared)
    except Exception as exc:  # celpy reports every failure as CELEvalError; its args say which kind
        if _absent(exc):
            return False
        message = str(exc.args[0] if exc.args else exc).strip().splitlines()[0]
        raise EvaluationError(f"condition {source!r} cannot be evaluated: {message}") from exc
    if isinstance(result, celtypes.BoolType):
        return bool(result)
    if isinstance(result, Exception) and _absent(result):
        return False
    raise EvaluationError(f"condition {source!r} evaluated to {type(result).__name__}, not a boolean")


def holds(source: str, prepared: Activation) -> bool:
    """`check`, with an evaluation failure counted as False (for callers that only ask, never enforce;
    `decide` uses `check` and reports the failure as a degraded rule)."""
    try:
        return check(source, prepared)
    except EvaluationError:
        return False


def evaluate(source: str, context: Mapping[str, Any]) -> bool:
    """`holds` for a plain context, for one-off evaluations."""
    return holds(source, activation(context))
