"""The bridge's reconstruction jobs: a bounded queue, a bounded number running at once (on
worker threads of the bridge process, which keeps the model cache warm), progress, cancel,
and a lease: a job whose client stopped asking about it is cancelled, and a finished job's
result that nobody fetches is dropped."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from hdr_studio.api.engine import Outcome, prepare, reconstruct
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.core.errors import Cancelled, HdrStudioError
from hdr_studio.core.jobs import CancelToken

ACTIVE = ("queued", "running")


class QueueFull(Exception):
    """The bridge has as many jobs waiting as it accepts."""


@dataclass(eq=False)
class Job:
    id: str
    request: ReconstructRequest
    state: str = "queued"
    progress: float = 0.0
    message: str = "queued"
    error: str | None = None
    outcome: Outcome | None = None
    cancel: CancelToken = field(default_factory=CancelToken)
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    finished: float | None = None
    cancel_reason: str = "cancelled"
    timings: dict[str, float] = field(default_factory=dict)

    def status(self) -> dict:
        d = {
            "id": self.id,
            "state": self.state,
            "progress": round(self.progress, 4),
            "message": self.message,
        }
        if self.error:
            d["error"] = self.error
        if self.outcome is not None:
            d["method"] = self.outcome.method
            d["kind"] = self.outcome.kind.value
            d["width"], d["height"] = self.outcome.image.width, self.outcome.image.height
            d["primaries"] = self.outcome.image.primaries
            d["timings"] = {k: round(v, 4) for k, v in self.outcome.timings.items()}
            d["notes"] = self.outcome.notes + self.outcome.warnings
        return d


class JobManager:
    """Jobs by id. ``running``: jobs computed at once; ``queue``: jobs accepted beyond those;
    ``client_timeout``: seconds without a status/result request after which an active job
    is cancelled (its client is gone); ``result_ttl``: seconds a finished job is kept."""

    def __init__(
        self,
        running: int = 1,
        queue: int = 8,
        client_timeout: float = 30.0,
        result_ttl: float = 300.0,
    ) -> None:
        self.running, self.queue_limit = running, queue
        self.client_timeout, self.result_ttl = client_timeout, result_ttl
        self._jobs: dict[str, Job] = {}
        self._waiting: deque[Job] = deque()
        self._lock = threading.Condition()
        self._stop = False
        self._threads = [
            threading.Thread(target=self._work, name=f"bridge-job-{i}", daemon=True)
            for i in range(running)
        ]
        self._threads.append(threading.Thread(target=self._reap, name="bridge-reaper", daemon=True))
        for t in self._threads:
            t.start()

    def submit(self, request: ReconstructRequest) -> Job:
        """Check the request (method, options: the engine's one-line errors) and queue it."""
        prepare(request)
        job = Job(secrets.token_hex(8), request)
        with self._lock:
            if len(self._waiting) >= self.queue_limit:
                raise QueueFull(f"the bridge's queue is full ({self.queue_limit} jobs waiting)")
            self._jobs[job.id] = job
            self._waiting.append(job)
            self._lock.notify_all()
        return job

    def get(self, job_id: str, touch: bool = True) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and touch:
                job.seen = time.monotonic()
            return job

    def cancel(self, job_id: str, reason: str = "cancelled") -> Job | None:
        """Cancel an active job, or forget a finished one (freeing its result)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.state == "queued":
                self._waiting.remove(job)
                self._finish(job, "cancelled", reason)
            elif job.state == "running":
                job.cancel_reason = reason
                job.cancel.cancel()
            else:
                del self._jobs[job_id]
            return job

    def active(self) -> int:
        with self._lock:
            return sum(job.state in ACTIVE for job in self._jobs.values())

    def close(self) -> None:
        with self._lock:
            self._stop = True
            for job in list(self._jobs.values()):
                if job.state in ACTIVE:
                    job.cancel.cancel()
            self._lock.notify_all()

    def _finish(self, job: Job, state: str, message: str, error: str | None = None) -> None:
        job.state, job.message, job.error = state, message, error
        job.finished = time.monotonic()
        if state == "done":
            job.progress = 1.0

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._stop:
                    self._lock.wait()
                if self._stop:
                    return
                job = self._waiting.popleft()
                job.state, job.message = "running", "starting"

            def progress(f: float, m: str, job: Job = job) -> None:
                job.progress, job.message = f, m

            try:
                outcome = reconstruct(job.request, progress, job.cancel)
            except Cancelled:
                with self._lock:
                    self._finish(job, "cancelled", job.cancel_reason)
                continue
            except HdrStudioError as exc:
                with self._lock:
                    self._finish(job, "failed", "failed", str(exc))
                continue
            except Exception as exc:  # a bug must not kill the worker: report it
                with self._lock:
                    self._finish(job, "failed", "failed", f"internal error: {exc!r}")
                continue
            with self._lock:
                job.outcome = outcome
                self._finish(job, "done", "done")

    def _reap(self) -> None:
        while True:
            with self._lock:
                if self._stop:
                    return
                now = time.monotonic()
                for job in list(self._jobs.values()):
                    if job.state in ACTIVE and now - job.seen > self.client_timeout:
                        if job.state == "queued":
                            self._waiting.remove(job)
                            self._finish(job, "cancelled", "client gone")
                        else:
                            job.cancel_reason = "client gone"
                            job.cancel.cancel()
                    elif job.finished is not None and now - job.finished > self.result_ttl:
                        del self._jobs[job.id]
                self._lock.wait(timeout=min(1.0, self.client_timeout / 4))
