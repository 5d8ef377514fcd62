"""The app's controls for the api's parameters, in the units the app shows (a percentage in
percent, a threshold in 8-bit levels), made from the parameter tables
(:mod:`hdr_studio.api.parameters`): range, default and tooltip come from the entry, so a
control can never offer what the request refuses. Qt-free; the widgets apply them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hdr_studio.api import parameters
from hdr_studio.api.parameters import Parameter

#: The tables by the prefix a control's ``parameter`` property names them with.
TABLES = {"reconstruct": "RECONSTRUCT", "analyse": "ANALYSE", "decompose": "DECOMPOSE"}


@dataclass(frozen=True)
class ControlRange:
    """A numeric control: ``minimum``/``maximum``/``default`` in the shown units, which are
    the parameter's value times ``scale``; ``suffix`` names the unit; ``decimals`` shown."""

    minimum: float
    maximum: float
    default: float
    scale: float
    suffix: str
    decimals: int

    def to_value(self, shown: float) -> float:
        """The parameter's value of a shown number."""
        return shown / self.scale


def control_range(p: Parameter) -> ControlRange:
    """How a numeric parameter is shown: a percentage in percent (0–150 %), a threshold in
    levels of its code (1–255 / 255; an open end one level inside it), else as it is."""
    if p.minimum is None or p.maximum is None:
        raise ValueError(f"{p.name} has no range to show")
    scale, suffix, step = 1.0, "", 0.0
    if p.percent:
        scale, suffix = 100.0, " %"
    elif p.levels is not None:
        scale, suffix, step = float(p.levels), f" / {p.levels}", 1.0
    lo, hi = p.minimum * scale, p.maximum * scale
    if p.open_minimum:
        lo = math.floor(lo + step) if step else lo
    if p.open_maximum:
        hi = math.ceil(hi - step) if step else hi
    decimals = 0 if p.kind is int or p.percent else 1 if p.levels is not None else 2
    return ControlRange(lo, hi, p.default * scale, scale, suffix, decimals)


def shown_in_app() -> list[str]:
    """The tags of every parameter the app shows, table by table."""
    return [
        f"{table}.{p.name}"
        for table, attr in TABLES.items()
        for p in getattr(parameters, attr)
        if "app" in p.fronts
    ]


def entry(tagged: str) -> Parameter:
    """The parameter a control's tag names (``KeyError`` when there is none)."""
    table, name = tagged.split(".", 1)
    for p in getattr(parameters, TABLES[table]):
        if p.name == name:
            return p
    raise KeyError(tagged)
