"""Work off the GUI thread. A :class:`Job` runs a plain function ``fn(progress, cancel)``
on a QThreadPool and reports back through queued signals; the controller keeps a
generation number so results of superseded jobs are dropped (napari's slicer pattern)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore

from hdr_studio.api.errors import Cancelled, HdrStudioError
from hdr_studio.api.memory import release_free_memory
from hdr_studio.api.types import CancelToken
from hdr_studio.app.model.jobs import fail_job
from hdr_studio.app.model.state import JobState

JobFn = Callable[[Callable[[float, str], None], CancelToken], Any]


class _Signals(QtCore.QObject):
    progress = QtCore.Signal(int, float, str)
    finished = QtCore.Signal(int, object)
    failed = QtCore.Signal(int, str)
    cancelled = QtCore.Signal(int)


class Job:
    """One run of ``fn`` on a pool thread, reporting through its controller's ``signals``.

    A plain object whose ``run`` is handed to the pool as a callable: a Python subclass of
    QRunnable given to a pool is never freed by PySide when it is not auto-deleted, and with
    it everything ``fn`` holds (whole images: gigabytes over a session, measured by
    ``bench/bench_session.py``). ``fn`` is dropped as soon as it has run.
    ``release``: hand the heap's free memory back to the system after the job (for the
    user's jobs, which allocate whole images; not for the frequent render jobs)."""

    def __init__(
        self,
        generation: int,
        fn: JobFn,
        token: CancelToken,
        signals: _Signals,
        release: bool = False,
    ) -> None:
        self.generation = generation
        self.fn: JobFn | None = fn
        self.token = token
        self.release = release
        self.signals = signals
        self._last = 0.0

    def _progress(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last > 0.05:  # at most 20 updates a second
            self._last = now
            self.signals.progress.emit(self.generation, float(fraction), message)

    def run(self) -> None:
        fn, self.fn = self.fn, None  # held by this frame only: freed when the run ends
        assert fn is not None, "a job runs once"
        try:
            result = fn(self._progress, self.token)
        except Cancelled:
            self.signals.cancelled.emit(self.generation)
        except HdrStudioError as exc:
            self.signals.failed.emit(self.generation, str(exc))
        except MemoryError:
            self.signals.failed.emit(self.generation, "out of memory")
        except Exception as exc:
            traceback.print_exc()
            msg = " ".join(str(exc).split())
            self.signals.failed.emit(self.generation, f"{type(exc).__name__}: {msg}")
        else:
            self.signals.finished.emit(self.generation, result)
        finally:
            del fn
            result = None
            if self.release:
                release_free_memory()


class JobController(QtCore.QObject):
    """Runs one user-visible job at a time (reconstruction, export) and mirrors it in a
    :class:`JobState`. ``on_done`` runs on the GUI thread with the job's result."""

    def __init__(self, state: JobState, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.pool = QtCore.QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._generation = 0
        self._token: CancelToken | None = None
        self._on_done: Callable[[Any], None] | None = None
        self.signals = _Signals(self)
        self.signals.progress.connect(self._progress)
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)
        self.signals.cancelled.connect(self._cancelled)

    @property
    def busy(self) -> bool:
        return self.state.state == "running"

    def start(self, name: str, fn: JobFn, on_done: Callable[[Any], None]) -> None:
        replaced = self.state.name if self.busy else ""
        self.cancel()
        self._generation += 1
        self._token = CancelToken()
        self._on_done = on_done
        job = Job(self._generation, fn, self._token, self.signals, release=True)
        self.state.update(
            name=name,
            state="running",
            progress=0.0,
            message="starting",
            error="",
            replaced=replaced,
        )
        self.pool.start(job.run)

    def cancel(self) -> None:
        if self._token is not None and self.busy:
            self._token.cancel()
            self.state.update(message="cancelling…")

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)

    def _current(self, generation: int) -> bool:
        return generation == self._generation

    def _progress(self, generation: int, fraction: float, message: str) -> None:
        if self._current(generation) and self.busy:
            self.state.update(progress=fraction, message=message)

    def _finished(self, generation: int, result: Any) -> None:
        if not self._current(generation):
            return
        self.state.update(state="done", progress=1.0, message="done")
        if self._on_done is not None:
            self._on_done(result)

    def _failed(self, generation: int, message: str) -> None:
        if self._current(generation):
            fail_job(self.state, message)

    def _cancelled(self, generation: int) -> None:
        if self._current(generation):
            self.state.update(state="cancelled", message="cancelled", progress=0.0)


class LatestOnly(QtCore.QObject):
    """Background computations where only the newest request matters (rendering, panels):
    requests are debounced, run one at a time, and stale results are dropped."""

    def __init__(
        self,
        apply: Callable[[Any], None],
        debounce_ms: int = 15,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pool = QtCore.QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._apply = apply
        self._generation = 0
        self._pending: Callable[[], Any] | None = None
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._launch)
        self.applied = 0
        self._in_flight = 0  # launched, their answer not handled yet on the GUI thread
        self.signals = _Signals(self)
        self.signals.finished.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.signals.cancelled.connect(self._dropped)

    def request(self, compute: Callable[[], Any]) -> None:
        self._generation += 1
        self._pending = compute
        self._timer.start()

    @property
    def idle(self) -> bool:
        # A finished computation's answer may still wait in the event queue after its
        # thread is done: idle only once it is handled.
        return (
            self._pending is None
            and not self._timer.isActive()
            and self._in_flight == 0
            and self.pool.activeThreadCount() == 0
        )

    def _launch(self) -> None:
        compute, self._pending = self._pending, None
        if compute is None:
            return
        job = Job(self._generation, lambda progress, token: compute(), CancelToken(), self.signals)
        self._in_flight += 1
        self.pool.start(job.run)

    def _done(self, generation: int, result: Any) -> None:
        self._in_flight -= 1
        if generation == self._generation:
            self._apply(result)
            self.applied += 1

    def _dropped(self, _generation: int) -> None:
        self._in_flight -= 1

    def _failed(self, generation: int, message: str) -> None:
        self._in_flight -= 1
        QtCore.qWarning(f"background computation failed: {message}")

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)


def run_closure(apply: Callable[[], None]) -> None:
    """The ``apply`` of a :class:`LatestOnly` whose computations return what to do on the
    GUI thread (the model's background runners)."""
    apply()
