"""CPU threads as a per-job setting rather than a process-wide side effect: a job runs with
the count its request names and the caller's setting is restored after."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_lock = threading.Lock()


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _loaded_torch():
    """PyTorch when it is imported completely (another thread may be importing it: a
    partly initialised module has no thread functions yet, and is left alone)."""
    torch = sys.modules.get("torch")
    if torch is None or not hasattr(torch, "set_num_threads"):
        return None
    return torch


@contextlib.contextmanager
def compute_threads(count: int | None) -> Iterator[int]:
    """Run the body with ``count`` threads (``None``: every available core) for OpenCV and,
    when it is loaded, PyTorch; restore both settings after."""
    import cv2

    n = available_cores() if count is None else max(1, int(count))
    with _lock:
        old_cv = cv2.getNumThreads()
        torch = _loaded_torch()
        old_torch = torch.get_num_threads() if torch is not None else None
        cv2.setNumThreads(n)
        if torch is not None and old_torch != n:
            torch.set_num_threads(n)
    try:
        yield n
    finally:
        with _lock:
            cv2.setNumThreads(old_cv)
            torch = _loaded_torch()
            if torch is not None and old_torch is not None and torch.get_num_threads() != old_torch:
                torch.set_num_threads(old_torch)
