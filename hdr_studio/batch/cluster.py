"""Batch photos on a Ray cluster: the same tasks and records as the local pool, run by Ray
actors that keep their model loaded.

* ``--cluster ray`` connects to ``$RAY_ADDRESS`` (or starts a local Ray of its own when none
  is set), ``--cluster ray:HOST:PORT`` to that head.
* A local Ray started here is private to the run: it is started with Ray's token
  authentication and a token made for it in this process's environment
  (``RAY_AUTH_TOKEN``), so nothing is written to ``~/.ray/auth_token`` (Ray's own default
  writes one there, and a later ``ray start`` of another cluster then fails with
  ``InvalidAuthToken``). It stops with the run; Ray leaves its session logs under
  ``/tmp/ray/``.
* One actor per GPU (``num_gpus=1``) with ``--device cuda``, else CPU actors of ``threads``
  CPUs each; as many actors as ``workers``.
* Backpressure: at most two photos per actor in flight, so a list of a million photos never
  floods the object store.
* An actor that dies is restarted and its photo retried (``max_restarts``,
  ``max_task_retries``); outputs are written atomically, so a retried photo is written once.
* Results: written by the workers to the output folder when it is on a file system they
  share with the driver (``results="shared"``), or returned as the file's bytes through the
  object store and written by the driver (``results="bytes"``).

Ray is an optional extra: ``pip install 'hdr-studio[cluster]'``."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from hdr_studio.api.errors import HdrStudioError
from hdr_studio.batch.run import Record, Task, run_task

RESULTS = ("shared", "bytes")


class ClusterError(HdrStudioError):
    exit_code = 2


def require_ray(local: bool = False) -> None:
    """One line saying what to install when Ray is missing, before any work. ``local``: the
    run will start a Ray of its own, whose settings must be in the environment before Ray
    reads them at import (:func:`private_local_ray`)."""
    if local:
        private_local_ray()
    _ray()


def _ray():
    try:
        import ray
    except ImportError:
        raise ClusterError("--cluster ray needs Ray: pip install 'hdr-studio[cluster]'") from None
    return ray


def run_for_bytes(task: Task) -> tuple[Record, bytes]:
    """Reconstruct one photo without writing it; the record and the output file's bytes."""
    from hdr_studio.api.analysis import clipped_share
    from hdr_studio.api.engine import encode, reconstruct

    t0 = time.perf_counter()
    src, out = str(task.item.source), str(task.request.output)
    try:
        outcome = reconstruct(replace(task.request, output=None))
        from hdr_studio.api.engine import export_format

        fmt = export_format(outcome.kind, Path(out), task.request.format)
        data = encode(outcome, fmt, task.request.export)
        share = clipped_share(outcome.image)
        return Record(src, out, "ok", outcome.method, time.perf_counter() - t0, share), data
    except HdrStudioError as exc:
        rec = Record(
            src, out, "failed", "", time.perf_counter() - t0, None, exc.exit_code, str(exc)
        )
        return rec, b""


def private_local_ray() -> None:
    """Make the local Ray that ``ray.init(address="local")`` starts use a token of this run's
    own (in the environment its processes inherit) instead of writing
    ``~/.ray/auth_token``, which would outlive the run and make a later cluster that
    reads it refuse its nodes (``InvalidAuthToken``)."""
    import sys

    os.environ["RAY_AUTH_MODE"] = "token"
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    if "ray" in sys.modules:  # Ray read its settings at import: have it read them again
        # compiled, and no stub names them
        from ray._raylet import AuthenticationTokenLoader, Config  # type: ignore[attr-defined]

        Config.initialize("")
        AuthenticationTokenLoader.instance().reset_cache()


class _Actor:
    """A Ray actor: one process that keeps its model loaded between photos."""

    def __init__(self, threads: int) -> None:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        self.threads = threads

    def shared(self, task: Task) -> Record:
        return run_task(replace(task, request=replace(task.request, threads=self.threads)))

    def bytes(self, task: Task) -> tuple[Record, bytes]:
        return run_for_bytes(replace(task, request=replace(task.request, threads=self.threads)))


class RayPool:
    """The batch pool on Ray (same interface as :class:`~hdr_studio.batch.run.LocalPool`)."""

    def __init__(
        self,
        address: str | None,
        workers: int,
        threads: int = 1,
        device: str = "cpu",
        results: str = "shared",
    ) -> None:
        if results not in RESULTS:
            raise ClusterError(f"results must be one of {', '.join(RESULTS)}")
        addr = address or os.environ.get("RAY_ADDRESS") or None
        if addr is None:
            private_local_ray()
        ray = self.ray = _ray()
        try:
            ray.init(
                address=addr or "local",
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Ray cluster at {addr}: {exc}") from None
        gpu = device.startswith("cuda")
        actor = ray.remote(_Actor).options(
            num_cpus=0 if gpu else threads,
            num_gpus=1 if gpu else 0,
            max_restarts=3,
            max_task_retries=3,
        )
        self.results = results
        self.workers = max(1, workers)
        self.actors = [actor.remote(threads) for _ in range(self.workers)]
        self.running: dict = {}

    def map_unordered(self, tasks: list[Task], stop: Callable[[], bool]):
        ray = self.ray
        pending = iter(tasks)
        load = dict.fromkeys(range(len(self.actors)), 0)

        def fill() -> None:
            while not stop():
                i = min(load, key=load.__getitem__)
                if load[i] >= 2:
                    return
                task = next(pending, None)
                if task is None:
                    return
                a = self.actors[i]
                method = a.shared if self.results == "shared" else a.bytes
                ref = method.remote(task)  # type: ignore[attr-defined]  (an actor's method)
                self.running[ref] = (task, i)
                load[i] += 1

        fill()
        while self.running:
            if stop():
                return
            done, _ = ray.wait(list(self.running), num_returns=1, timeout=0.5)
            for ref in done:
                task, i = self.running.pop(ref)
                load[i] -= 1
                try:
                    value = ray.get(ref)
                except Exception as exc:  # retries used up: recorded, the batch goes on
                    yield task, Record.worker_failed(task, type(exc).__name__)
                    continue
                if self.results == "bytes":
                    value = self._write(task, *value)
                yield task, value
            fill()

    @staticmethod
    def _write(task: Task, record: Record, data: bytes) -> Record:
        """The driver writes a worker's bytes atomically (results="bytes")."""
        if record.status != "ok":
            return record
        from hdr_studio.api.files import atomic_path

        assert task.request.output is not None  # every batch task names its output
        out = Path(task.request.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out, force=True) as tmp:
            Path(tmp).write_bytes(data)
        return record

    def cancel_running(self) -> list:
        for ref in list(self.running):
            self.ray.cancel(ref, force=True)
        self.running.clear()
        self.close()
        return []

    def close(self) -> None:
        for a in self.actors:
            self.ray.kill(a)  # type: ignore[arg-type]  (Ray's stubs: a handle, not a proxy)
        self.ray.shutdown()
