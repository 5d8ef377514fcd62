"""The job protocol shared by the CLI, the GUI workers, the inference runner and the bridge.

A long operation takes ``progress(fraction, message)`` and a :class:`CancelToken`; it calls
``progress`` between steps and ``token.raise_if_cancelled()`` at points where stopping is
safe, so a cancel returns within one step (one tile for the networks).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from hdr_studio.core.errors import Cancelled

ProgressFn = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """A progress callback that ignores its arguments."""


class CancelToken:
    """Thread-safe cancel flag, set from any thread and checked by the job."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")


class Steps:
    """Reports progress over a fixed list of weighted steps and checks cancel between them."""

    def __init__(
        self,
        weights: dict[str, float],
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        total = float(sum(weights.values()))
        self._ends: dict[str, float] = {}
        acc = 0.0
        for name, w in weights.items():
            acc += w
            self._ends[name] = acc / total
        self._progress = progress or no_progress
        self._cancel = cancel

    def done(self, name: str) -> None:
        """Mark step ``name`` finished; raises :class:`Cancelled` if cancel was asked for."""
        self._progress(self._ends[name], name)
        if self._cancel is not None:
            self._cancel.raise_if_cancelled()

    def check(self) -> None:
        if self._cancel is not None:
            self._cancel.raise_if_cancelled()
