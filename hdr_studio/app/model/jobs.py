"""How the model runs its jobs. A job is a plain function ``fn(progress, cancel)``; a runner
starts it, mirrors it in a :class:`~hdr_studio.app.model.state.JobState` and hands the
result to ``on_done``. The window's runner works on a thread pool
(:class:`hdr_studio.app.workers.JobController`); :class:`InlineJobs` runs a job where it is
started, for tests and scripts without Qt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from hdr_studio.api.errors import Cancelled, HdrStudioError
from hdr_studio.api.types import CancelToken
from hdr_studio.app.model.state import JobState

ProgressFn = Callable[[float, str], None]
JobFn = Callable[[ProgressFn, CancelToken], Any]


class Jobs(Protocol):
    """What the model needs of a job runner."""

    state: JobState

    def start(self, name: str, fn: JobFn, on_done: Callable[[Any], None]) -> None: ...

    def cancel(self) -> None: ...


def fail_job(state: JobState, message: str) -> None:
    """Mark ``state``'s job failed with ``message`` (the error first: listeners react to the
    state and must see it). The progress goes back to zero: nothing was made."""
    state.update(error=message, message="failed", progress=0.0, state="failed")


class InlineJobs:
    """Runs each job to its end inside :meth:`start` (no thread): the same states and
    results as the window's runner, for tests and scripts."""

    def __init__(self, state: JobState | None = None) -> None:
        self.state = state or JobState()
        self._token: CancelToken | None = None

    def start(self, name: str, fn: JobFn, on_done: Callable[[Any], None]) -> None:
        self._token = CancelToken()
        self.state.update(
            name=name, state="running", progress=0.0, message="starting", error="", replaced=""
        )

        def progress(fraction: float, message: str) -> None:
            self.state.update(progress=float(fraction), message=message)

        try:
            result = fn(progress, self._token)
        except Cancelled:
            self.state.update(state="cancelled", message="cancelled", progress=0.0)
            return
        except HdrStudioError as exc:
            fail_job(self.state, str(exc))
            return
        self.state.update(state="done", progress=1.0, message="done")
        on_done(result)

    def cancel(self) -> None:
        if self._token is not None:
            self._token.cancel()
