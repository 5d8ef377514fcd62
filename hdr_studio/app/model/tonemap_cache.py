"""Tone-mapped display pixels, cached by what they show and the version of its content.

The viewer shows the same photo or result at many exposures and zooms; tone-mapping a
display level takes tens of milliseconds. Keys name the content and its version (a counter
the plain state models keep per field), never an object's ``id()``, which Python reuses once
an array is freed — the cause of an earlier stale-frame bug. No Qt here."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np

from hdr_studio.app.model import render


class ToneMapCache:
    """At most ``size`` uint8 RGB renderings, least recently used dropped first;
    safe to use from worker threads."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def get(
        self,
        key: Hashable,
        exposure: float,
        linear: Callable[[], np.ndarray],
        primaries: str = "rec709",
    ) -> np.ndarray:
        """The rendering of ``key`` at ``exposure``; ``linear()`` gives the linear pixels (in
        ``primaries``) to tone-map when it is not cached (called outside the lock)."""
        k = (key, float(exposure))
        with self._lock:
            if k in self._items:
                self._items.move_to_end(k)
                return self._items[k]
        rgb = render.tonemapped(linear(), exposure, primaries=primaries)
        with self._lock:
            self._items[k] = rgb
            self._items.move_to_end(k)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return rgb

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
