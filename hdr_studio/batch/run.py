"""Run a batch: plan it (items, outputs, what ``--resume`` skips), then reconstruct each photo
with the one engine request in a process pool whose workers keep their model loaded, and
record every outcome in a report. One bad photo never stops the batch.

Exit classes per photo are the CLI's (2 bad input, 3 output refused or failed, 1 internal,
130 cancelled). The batch exits 0 when every photo succeeded (or was current), 4 when some
failed, 130 when it was interrupted."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import csv
import json
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from hdr_studio.api.errors import HdrStudioError, OutputError
from hdr_studio.api.files import file_sha256, remove_stale_temporaries, same_file
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.batch.inputs import Item
from hdr_studio.batch.manifest import Manifest, settings_key

SOME_FAILED = 4
Event = Callable[[dict[str, Any]], None]


@dataclass
class Task:
    """One photo for a worker: the item, its request (output already absolute), digests."""

    item: Item
    request: ReconstructRequest
    input_sha: str
    settings: str
    weights: str


@dataclass
class Record:
    """A photo's line in the report."""

    file: str
    output: str
    status: str  # ok, current (skipped by --resume), failed, cancelled
    method: str = ""
    seconds: float = 0.0
    clipped_share: float | None = None  # over-exposed share (any channel) of the input
    exit_class: int = 0
    message: str = ""

    @classmethod
    def worker_failed(cls, task: Task, why: str) -> Record:
        """The record of a photo whose worker died (retries used up, if any)."""
        out = str(task.request.output)
        return cls(
            str(task.item.source), out, "failed", exit_class=1, message=f"worker failed: {why}"
        )


@dataclass
class Report:
    records: list[Record] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.records)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return SOME_FAILED if self.count("failed") else 0

    def write(self, path: Path) -> tuple[Path, Path]:
        """The report as JSON at ``path`` and as CSV beside it (``.csv``)."""
        path = Path(path)
        data = {
            "ok": self.count("ok"),
            "current": self.count("current"),
            "failed": self.count("failed"),
            "cancelled": self.count("cancelled"),
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
            "photos": [asdict(r) for r in self.records],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1))
        csv_path = path.with_suffix(".csv")
        with open(csv_path, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(Record.__dataclass_fields__))
            w.writeheader()
            for r in self.records:
                w.writerow(asdict(r))
        return path, csv_path


def _curve_contents(curve: str | None) -> dict[str, str]:
    """What a curve FILE, the kept camera curves (and, for ``auto``, the prior it estimates
    with) say now: a photo made with a curve that has since been measured again is not
    current."""
    from hdr_studio.api.camera_curves import AUTO, CAMERA, remembered

    if curve in (CAMERA, AUTO):
        files = [c.path for c in remembered()]
        if curve == AUTO:
            from hdr_studio.api.curves import prior_path

            files.append(prior_path())
    elif curve is not None and Path(curve).is_file():
        files = [Path(curve)]
    else:
        return {}
    return {"curve_files": ",".join(file_sha256(p) for p in files)}


def plan(
    items: list[Item],
    outdir: Path,
    template: ReconstructRequest,
    resume: bool,
    force: bool,
) -> tuple[list[Task], list[Record], Manifest]:
    """The tasks to run and the records of photos ``--resume`` finds current. Without
    ``resume`` or ``force`` an existing output is an error before any work starts."""
    from hdr_studio.api.engine import prepare

    manifest = Manifest.load(outdir)
    probe = replace(template, input=Path(os.devnull), output=None)
    info = prepare(probe).method  # method known and available, before anything is read
    settings = settings_key(
        {
            "method": info.name,
            "options": template.options,
            "over": template.over,
            "result": template.result,
            "format": template.format,
            "export": asdict(template.export),
            "precision": template.precision,
            "device": template.device,
            "tile": template.tile,
            "strength": template.strength,
            "curve": template.curve,
            # added after manifests existed: present only when set, so they still resume
            **({"passes": template.passes} if template.passes != 1 else {}),
            **_curve_contents(template.curve),
        }
    )
    sources = [it for it in items if same_file(outdir / it.output, it.source)]
    if sources:  # neither --resume nor --force can help: say so before anything runs
        n = len(sources)
        raise OutputError(
            f"{outdir / sources[0].output}: the output would replace its own photo "
            f"({n} photo{'s' if n != 1 else ''} so; choose another output folder or format)"
        )
    if not (resume or force):
        existing = [it.output for it in items if (outdir / it.output).exists()]
        if existing:
            n = len(existing)
            raise OutputError(
                f"{outdir / existing[0]}: already exists ({n} "
                f"{'outputs exist' if n != 1 else 'output exists'}; use --resume to skip "
                "finished photos or --force to redo them)"
            )
    tasks, skipped = [], []
    for it in items:
        try:
            digest = file_sha256(it.source)
        except OSError:
            digest = ""  # the worker reports the unreadable file
        if resume and digest and manifest.current(it.output, digest, settings, info.digest):
            skipped.append(Record(str(it.source), str(outdir / it.output), "current", info.name))
            continue
        # force: existing outputs were refused above unless --resume/--force allowed them;
        # what exists later is this batch's own, e.g. a photo retried after its worker died.
        req = replace(template, input=it.source, output=outdir / it.output, force=True)
        tasks.append(Task(it, req, digest, settings, info.digest))
    return tasks, skipped, manifest


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt


def _init_worker(threads: int) -> None:
    """A pool worker: its CPU share (workers × threads = cores). Ctrl-C on the terminal is
    the driver's to handle; the driver stops a worker with SIGTERM, which unwinds the photo
    in progress like Ctrl-C would (its temporary output file is removed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupted)
    os.environ["OMP_NUM_THREADS"] = str(threads)


def run_task(task: Task) -> Record:
    """Reconstruct one photo (in a worker); every error becomes the record's exit class."""
    from hdr_studio.api.analysis import clipped_share
    from hdr_studio.api.engine import reconstruct

    t0 = time.perf_counter()
    src, out = str(task.item.source), str(task.request.output)
    out_dir = Path(out).parent
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        outcome = reconstruct(task.request)
        share = clipped_share(outcome.image)
        return Record(src, out, "ok", outcome.method, time.perf_counter() - t0, share)
    except HdrStudioError as exc:
        return Record(
            src, out, "failed", "", time.perf_counter() - t0, None, exc.exit_code, str(exc)
        )
    except MemoryError:
        return Record(src, out, "failed", "", time.perf_counter() - t0, None, 1, "out of memory")
    except Exception as exc:  # one photo's bug never stops the batch
        msg = " ".join(str(exc).split())
        return Record(
            src,
            out,
            "failed",
            "",
            time.perf_counter() - t0,
            None,
            1,
            f"internal error: {type(exc).__name__}: {msg}",
        )


class LocalPool:
    """A process pool on this machine: ``workers`` processes of ``cores // workers`` threads
    each; each keeps its model loaded between photos. At most ``2 × workers`` photos are in
    flight, so a long list is not all queued at once."""

    def __init__(self, workers: int, threads: int | None = None) -> None:
        from hdr_studio.api.threads import available_cores

        self.workers = max(1, workers)
        self.threads = threads or max(1, available_cores() // self.workers)
        self._pool = cf.ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.threads,),
        )
        self.running: dict[cf.Future, Task] = {}

    def map_unordered(self, tasks: list[Task], stop: Callable[[], bool]):
        """Yield (task, record) as photos finish."""
        pending = iter(tasks)
        running = self.running

        def fill() -> None:
            while len(running) < 2 * self.workers and not stop():
                task = next(pending, None)
                if task is None:
                    return
                t = replace(task, request=replace(task.request, threads=self.threads))
                running[self._pool.submit(run_task, t)] = task

        fill()
        while running:
            if stop():  # cancelled: the driver stops the photos in flight
                return
            done, _ = cf.wait(running, timeout=0.5, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                task = running.pop(fut)
                try:
                    yield task, fut.result()
                except cf.process.BrokenProcessPool:
                    raise
                except Exception as exc:  # the worker died: recorded, the rest goes on
                    yield task, Record.worker_failed(task, f"{type(exc).__name__}: {exc}")
            fill()

    def cancel_running(self) -> list[tuple[Task, Record]]:
        """Stop the photos being worked on: their workers are interrupted (outputs are
        written through temporary files, so nothing partial is left) and the pool shut.
        Returns the photos that finished meanwhile, with their records."""
        for proc in list(getattr(self._pool, "_processes", {}).values()):
            with contextlib.suppress(OSError):
                os.kill(proc.pid, signal.SIGTERM)
        self._pool.shutdown(wait=True, cancel_futures=True)
        finished = []
        for fut, task in self.running.items():
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                finished.append((task, fut.result()))
        self.running.clear()
        return finished

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def run_batch(
    tasks: list[Task],
    skipped: list[Record],
    manifest: Manifest,
    workers: int = 1,
    on_event: Event | None = None,
    stop: Callable[[], bool] = lambda: False,
    make_pool: Callable[[], Any] | None = None,
) -> Report:
    """Run ``tasks`` on a local pool; photos already current come as ``skipped``. The
    manifest is saved as photos finish (every few seconds) and at the end, also when the
    batch is interrupted (KeyboardInterrupt, or ``stop()`` turning true). ``make_pool``: the
    pool to run on (default a :class:`LocalPool` of ``workers``; a Ray cluster's
    :class:`~hdr_studio.batch.cluster.RayPool` has the same interface)."""
    emit = on_event or (lambda e: None)
    report = Report(records=list(skipped))
    total = len(tasks) + len(skipped)
    emit({"event": "start", "total": total, "to_do": len(tasks), "current": len(skipped)})
    t0 = time.perf_counter()
    started = time.time()
    pool = (make_pool or (lambda: LocalPool(workers)))() if tasks else None
    last_save = time.monotonic()
    done_tasks: set[int] = set()

    def said(rec: Record) -> None:
        """One "photo" event for each record, however the photo ended."""
        emit(
            {
                "event": "photo",
                **asdict(rec),
                "done": len(report.records),
                "total": total,
                "elapsed": time.perf_counter() - t0,
            }
        )

    def finished(task: Task, rec: Record) -> None:
        done_tasks.add(id(task))
        report.records.append(rec)
        if rec.status == "ok":
            item = task.item
            manifest.record(item.output, item.source, task.input_sha, task.settings, task.weights)
        said(rec)

    try:
        if pool is not None:
            for task, rec in pool.map_unordered(tasks, stop):
                finished(task, rec)
                if time.monotonic() - last_save > 5:
                    manifest.save()
                    last_save = time.monotonic()
            if stop():
                report.interrupted = True
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        if pool is not None:
            _close(pool, report.interrupted, finished)
        if report.interrupted:
            for task, rec in _written_as_it_stopped(tasks, done_tasks, started):
                finished(task, rec)
        _settle_the_rest(tasks, done_tasks, report, said)
        manifest.save()
        report.seconds = time.perf_counter() - t0
    emit(_end_event(report))
    return report


def _close(pool: Any, interrupted: bool, finished: Callable[[Task, Record], None]) -> None:
    """An interrupted batch cancels the photos in progress (each one recorded through
    ``finished``); else the pool ends as its workers finish."""
    if interrupted:
        for task, rec in pool.cancel_running():
            finished(task, rec)
    else:
        pool.close()


def _written_as_it_stopped(
    tasks: list[Task], done: set[int], started: float
) -> list[tuple[Task, Record]]:
    """The photos a worker wrote whole just as the batch was interrupted, before it could
    say so (an output is renamed into place only when complete, so one this batch wrote is
    whole): recorded as done, not as cancelled beside a file that exists."""
    out = []
    for task in tasks:
        path = Path(str(task.request.output))
        if id(task) in done or not path.is_file():
            continue
        if path.stat().st_mtime >= started:
            rec = Record(
                str(task.item.source),
                str(path),
                "ok",
                method=str(task.request.method or ""),
                message="written as the batch was interrupted",
            )
            out.append((task, rec))
    return out


def _settle_the_rest(
    tasks: list[Task], done: set[int], report: Report, said: Callable[[Record], None]
) -> None:
    """An interrupted batch records the photos it never finished as cancelled (each one
    ``said``); no task's output keeps a stale temporary file (a worker killed outright
    cannot remove its own)."""
    for task in tasks:
        if id(task) not in done and report.interrupted:
            rec = Record(
                str(task.item.source),
                str(task.request.output),
                "cancelled",
                exit_class=130,
                message="cancelled",
            )
            report.records.append(rec)
            said(rec)
    for task in tasks:
        assert task.request.output is not None  # every batch task names its output
        remove_stale_temporaries(Path(task.request.output))


def _end_event(report: Report) -> dict[str, Any]:
    """The batch's last event: the photos by outcome, the seconds, whether interrupted."""
    return {
        "event": "end",
        "ok": report.count("ok"),
        "current": report.count("current"),
        "failed": report.count("failed"),
        "cancelled": report.count("cancelled"),
        "seconds": report.seconds,
        "interrupted": report.interrupted,
    }
