"""Plain objects whose fields notify listeners when they change: the app's models. Widgets
subscribe and tests drive them without a window (no Qt here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

import numpy as np

from hdr_studio.api.types import Image

Listener = Callable[[str], None]


def _same(old: Any, new: Any) -> bool:
    """Whether assigning ``new`` over ``old`` is no change. Arrays and images compare by
    identity (comparing pixels would cost a pass over them and says nothing useful here)."""
    if old is new:
        return True
    if isinstance(new, np.ndarray | Image) or isinstance(old, np.ndarray | Image):
        return False
    try:
        return bool(old == new)
    except (TypeError, ValueError):
        return False


class Observable:
    """Attribute assignment notifies listeners with the field's name, after the value
    changed. Each field has a version that counts its changes: caches key on it instead of
    on object identity. :meth:`update` sets several fields before it notifies any, so a
    listener never sees a half-changed object."""

    # Private state, not fields (this base is no dataclass): set by __post_init__.
    _listeners: list[Listener]
    _versions: dict[str, int]
    _held: list[str] | None  # names changed while an update runs

    def __post_init__(self) -> None:
        object.__setattr__(self, "_listeners", [])
        object.__setattr__(self, "_versions", {})
        object.__setattr__(self, "_held", None)

    def version(self, name: str) -> int:
        """How many times field ``name`` has changed."""
        return self._versions.get(name, 0)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(field)`` after each change; returns the unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def __setattr__(self, name: str, value: Any) -> None:
        old = getattr(self, name, None)
        object.__setattr__(self, name, value)
        if name.startswith("_") or not hasattr(self, "_listeners"):
            return
        if _same(old, value):
            return
        self._versions[name] = self._versions.get(name, 0) + 1
        if self._held is not None:
            if name not in self._held:
                self._held.append(name)
            return
        self._notify(name)

    def _notify(self, name: str) -> None:
        for listener in list(self._listeners):
            listener(name)

    def update(self, **changes: Any) -> None:
        """Set ``changes`` (field names checked first), then notify each changed field in the
        order given."""
        known = {f.name for f in fields(self)}  # type: ignore[arg-type]
        for k in changes:
            if k not in known:
                raise AttributeError(f"{type(self).__name__} has no field {k!r}")
        object.__setattr__(self, "_held", [])
        try:
            for k, v in changes.items():
                setattr(self, k, v)
        finally:
            held = self._held
            object.__setattr__(self, "_held", None)
        for name in held or ():
            self._notify(name)

    def values(self, names: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The current values of ``names`` (default: every field)."""
        names = names or tuple(f.name for f in fields(self))  # type: ignore[arg-type]
        return {n: getattr(self, n) for n in names}
