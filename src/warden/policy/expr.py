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

_ENV = celpy.Environment()


class ExpressionError(ValueError):
    """A condition failed to compile or to evaluate."""


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


def holds(source: str, prepared: Activation) -> bool:
    """Evaluate a condition; a missing field or a type error counts as False.

    Conditions describe when a rule applies, so "cannot tell" must not fire it.
    """
    program = compile_expression(source)
    try:
        result = program.evaluate(prepared)
    except Exception:
        return False
    if isinstance(result, celtypes.BoolType):
        return bool(result)
    return False


def evaluate(source: str, context: Mapping[str, Any]) -> bool:
    """`holds` for a plain context, for one-off evaluations."""
    return holds(source, activation(context))
