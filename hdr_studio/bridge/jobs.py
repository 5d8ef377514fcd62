"""The bridge's reconstruction jobs: a bounded queue, a bounded number running at once (on
worker threads of the bridge process, which keeps the model cache warm), progress, cancel,
and a lease: a job whose client stopped asking about it is cancelled, and a finished job's
result that nobody fetches is dropped."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdr_studio.api.engine import Outcome, prepare, reconstruct
from hdr_studio.api.errors import Cancelled, HdrStudioError
from hdr_studio.api.layers import peak_value
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.api.types import CancelToken
from hdr_studio.bridge.lease import Leased, Leases

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")


class QueueFull(Exception):
    """The bridge has as many jobs waiting as it accepts."""


@dataclass(eq=False, kw_only=True)
class Job(Leased):
    request: ReconstructRequest
    state: str = "queued"
    progress: float = 0.0
    message: str = "queued"
    error: str | None = None
    outcome: Outcome | None = None
    cancel: CancelToken = field(default_factory=CancelToken)
    created: float = field(default_factory=time.monotonic)
    cancel_reason: str = "cancelled"
    source: Any = None  # the layer's format (its colour space, for results in it)
    timings: dict[str, float] = field(default_factory=dict)
    _peak: float | None = field(default=None, repr=False)

    def peak(self) -> float:
        """The result's largest value (linear, 1 = SDR white), measured once: a client picks
        its layer's sample type by it (half floats end at 65504)."""
        if self._peak is None and self.outcome is not None:
            self._peak = peak_value(self.outcome.pixels)
        return self._peak or 0.0

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
            d["label"] = self.outcome.metadata.get("label", self.outcome.method)
            d["kind"] = self.outcome.kind.value
            d["width"], d["height"] = self.outcome.image.width, self.outcome.image.height
            d["primaries"] = self.outcome.image.primaries
            d["peak"] = self.peak()
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
        client_timeout: float = 10.0,
        result_ttl: float = 300.0,
    ) -> None:
        self.running, self.queue_limit = running, queue
        self.client_timeout, self.result_ttl = client_timeout, result_ttl
        self._jobs: Leases[Job] = Leases(client_timeout, keep=result_ttl)
        self._waiting: deque[Job] = deque()
        self._lock = self._jobs.lock
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
        plan = prepare(request)
        job = Job(request=request)
        with self._lock:
            if len(self._waiting) >= self.queue_limit:
                log.warning("job refused: the queue is full (%d waiting)", len(self._waiting))
                raise QueueFull(f"the bridge's queue is full ({self.queue_limit} jobs waiting)")
            self._jobs.add(job)
            self._waiting.append(job)
            self._lock.notify_all()
        image = request.input
        size = str(image) if isinstance(image, Path) else f"{image.width}x{image.height}"
        log.info(
            "job %s queued: %s, %s result, %s", job.id, plan.method.name, plan.result.value, size
        )
        return job

    def get(self, job_id: str, touch: bool = True) -> Job | None:
        return self._jobs.get(job_id, touch)

    def wait_end(self, job: Job, seconds: float) -> None:
        """Return when ``job`` is no longer queued or running, or after ``seconds`` (a
        client's long poll: it sees the end at once instead of at its next poll)."""
        deadline = time.monotonic() + seconds
        with self._lock:
            while job.state in ACTIVE and not self._stop:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._lock.wait(timeout=left)

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
                self._jobs.remove(job_id)
            return job

    def active(self) -> int:
        return sum(job.state in ACTIVE for job in self._jobs)

    def close(self) -> None:
        with self._lock:
            self._stop = True
            for job in self._jobs:
                if job.state in ACTIVE:
                    job.cancel.cancel()
            self._lock.notify_all()

    def _finish(self, job: Job, state: str, message: str, error: str | None = None) -> None:
        job.state, job.message, job.error = state, message, error
        job.finished = time.monotonic()
        self._lock.notify_all()  # long polls (wait_end) see the end at once
        if state == "done":
            job.progress = 1.0
            timings = job.outcome.timings if job.outcome is not None else {}
            log.info("job %s done in %.2f s", job.id, timings.get("total", 0.0))
        elif state == "failed":
            log.warning("job %s failed: %s", job.id, error)
        else:
            log.info("job %s %s: %s", job.id, state, message)

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
                log.exception("job %s: internal error", job.id)
                with self._lock:
                    self._finish(job, "failed", "failed", f"internal error: {exc!r}")
                continue
            with self._lock:
                job.outcome = outcome
                self._finish(job, "done", "done")

    def _reap(self) -> None:
        """Give up the jobs whose client is gone; drop results nobody collected."""
        while True:
            with self._lock:
                if self._stop:
                    return
                gone, stale = self._jobs.expired()
                for job in gone:
                    if job.state == "queued":
                        self._waiting.remove(job)
                        self._finish(job, "cancelled", "client gone")
                    elif not job.cancel.cancelled:
                        log.info("job %s: its client is gone, cancelling", job.id)
                        job.cancel_reason = "client gone"
                        job.cancel.cancel()
                for job in stale:
                    self._jobs.remove(job.id)
                self._lock.wait(timeout=min(1.0, self.client_timeout / 4))
