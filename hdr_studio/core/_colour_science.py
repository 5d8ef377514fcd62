"""Lazy access to colour-science (slow to import) with its usage warnings silenced."""

from __future__ import annotations

import functools
import warnings
from types import ModuleType


@functools.cache
def colour() -> ModuleType:
    """Import and return the ``colour`` package once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour as _colour
    # colour.utilities is loaded lazily: no stub names it as an attribute.
    _colour.utilities.filter_warnings(colour_usage_warnings=True)  # type: ignore[attr-defined]
    return _colour
