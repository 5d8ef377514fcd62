"""The bridge's answers that are errors, and the checks of a request's query parameters
that answer them (400 and its one-line reason)."""

from __future__ import annotations

from typing import Any

from hdr_studio.api.parameters import ANALYSE, parameter


class HttpError(Exception):
    """An answer that is an error: its HTTP status and one line that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def choice(query: dict[str, str], key: str, allowed: tuple[str, ...], default: str) -> str:
    """The query's ``key`` (``default`` when absent), one of ``allowed``; 400 when not."""
    value = query.get(key, default)
    if value not in allowed:
        raise HttpError(400, f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def parameter_value(query: dict[str, str], name: str) -> Any:
    """The analysis parameter ``name`` from the query (its table entry's default when
    absent), checked by :data:`hdr_studio.api.parameters.ANALYSE`; 400 when wrong."""
    p = parameter(name, ANALYSE)
    if name not in query:
        return p.default
    text = query[name]
    try:
        value = text if p.kind is str else float(text)
    except ValueError:
        raise HttpError(400, f"{name} must be a number, got {text!r}") from None
    try:
        return p.check(value)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None


def number(query: dict[str, str], key: str, default: float, lo: float, hi: float) -> float:
    """The query's ``key`` as a number in [lo, hi] (``default`` when absent); 400 when not."""
    try:
        value = float(query.get(key, default))
    except ValueError:
        raise HttpError(400, f"{key} must be a number, got {query[key]!r}") from None
    if not lo <= value <= hi:
        raise HttpError(400, f"{key} must be in [{lo:g}, {hi:g}], got {value:g}")
    return value
