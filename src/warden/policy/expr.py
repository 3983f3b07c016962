"""Safe condition expressions in CEL (Common Expression Language): the one home for expressions.

Conditions over app metadata and request context are data in the packs. They
are compiled by a native CEL runtime (`common-expression-language`, the Rust
`cel` crate) and evaluated without `eval`; a compiled `Program` is cached by its
source text, so a policy revision compiles each condition once. A decision's
context is converted to CEL values once (`activation`), lazily and per root
variable, so a decision pays only for the fields its candidate rules read.

Semantics the packs rely on: a field absent from the context makes a
condition False (an absent fact is not one); any other failure (a value of the
wrong type, a result that is not a boolean) raises `EvaluationError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import cel

from warden.errors import InvalidInput

_UNDEFINED = re.compile(r"Undefined variable or function: '([^']+)'")
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_DEEP_HAS = re.compile(r"\bhas\(\s*([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*){2,})\s*\)")


class ExpressionError(InvalidInput, ValueError):
    """A condition failed to compile or to evaluate."""


class EvaluationError(ExpressionError):
    """A condition could not be evaluated on this context (a value of the wrong type, a result that is
    not a boolean). Unlike an absent field, this is a fault in the context or the pack, not "no"."""


def _parse_message(exc: Exception) -> str:
    """The parser's first diagnostic ("<input>:1:9: Syntax error: ..."), without the echoed source."""
    text = str(exc).strip()
    for line in text.splitlines():
        if "ERROR:" in line:
            return line.split("ERROR:", 1)[1].strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _guard_has(match: re.Match[str]) -> str:
    parts = [p.strip() for p in match.group(1).split(".")]
    guards = [f"has({'.'.join(parts[:n])})" for n in range(2, len(parts) + 1)]
    return "(" + " && ".join(guards) + ")"


def _lower(source: str) -> str:
    """The source the runtime compiles. `has(app.disclosures.ai)` is false when `app.disclosures` is absent
    (as the packs are written, and as cel-python evaluated it); the Rust runtime raises on the missing
    intermediate field instead, so each deeper `has` is guarded by its prefixes: `has(a.b) && has(a.b.c)`.
    String literals are left alone."""
    out, last = [], 0
    for literal in _STRING.finditer(source):
        out.append(_DEEP_HAS.sub(_guard_has, source[last:literal.start()]))
        out.append(literal.group(0))
        last = literal.end()
    out.append(_DEEP_HAS.sub(_guard_has, source[last:]))
    return "".join(out)


class Program:
    """One compiled condition and the top-level context variables it reads."""

    __slots__ = ("_program", "roots", "source")

    def __init__(self, source: str) -> None:
        try:
            self._program = cel.compile(_lower(source))
            names = self._program.variables()
        except Exception as exc:  # the binding raises ValueError, but any failure here is a bad expression
            raise ExpressionError(f"invalid CEL expression {source!r}: {_parse_message(exc)}") from exc
        self.source = source
        # comprehension variables (the `c` of `exists(c, ...)`) are listed too: harmless, never a context key
        self.roots: frozenset[str] = frozenset(names)

    def check(self, act: Activation) -> bool:
        """Evaluate on a prepared context: True, False (a field it reads is absent), or `EvaluationError`."""
        context = act.cel_context(self.roots)
        try:
            result = self._program.execute(context)
        except KeyError:
            return False  # a map key or field the condition reads is not there
        except Exception as exc:  # the binding reports type errors as TypeError, others as RuntimeError
            missing = _UNDEFINED.search(str(exc))
            if missing is not None and missing.group(1) in self.roots and missing.group(1) not in act.values:
                return False  # a root variable the condition reads is not in the context
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EvaluationError(f"condition {self.source!r} cannot be evaluated: {message}") from exc
        if isinstance(result, bool):
            return result
        raise EvaluationError(f"condition {self.source!r} evaluated to {type(result).__name__}, not a boolean")


class Activation:
    """A decision context, converted to CEL values at most once per root variable, on first use."""

    __slots__ = ("_context", "_converted", "_failed", "values")

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self._context = cel.Context()
        self._converted: set[str] = set()
        self._failed: dict[str, str] = {}

    def cel_context(self, roots: frozenset[str]) -> cel.Context:
        for name in roots:
            if name in self._converted or name not in self.values:
                continue
            self._converted.add(name)
            try:
                self._context.add_variable(name, self.values[name])
            except Exception as exc:  # a value CEL cannot represent (an object, a lone surrogate, ...)
                self._failed[name] = f"{name} cannot be converted to a CEL value: {exc}"
        for name in roots & self._failed.keys():
            raise EvaluationError(self._failed[name])
        return self._context


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> Program:
    """The compiled program for `source` (cached); `ExpressionError` with the parser's message if invalid."""
    return Program(source)


def activation(context: Mapping[str, Any]) -> Activation:
    """Prepare a decision context once, to evaluate many conditions against it."""
    return Activation(context)


def check(source: str, prepared: Activation) -> bool:
    """Evaluate a condition. A field absent from the context makes it False (a condition says when a rule
    applies, and an absent fact is not one); any other failure raises `EvaluationError`."""
    return compile_expression(source).check(prepared)


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
