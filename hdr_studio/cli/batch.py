"""``hdr-studio batch``: reconstruct many photos (files, folders, @lists) into a folder, on
this machine's processes or a Ray cluster, with the options of the request's parameter
table; progress as a bar or JSON lines; a summary and a report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from hdr_studio.cli.common import positive_int
from hdr_studio.cli.options import add_parameters, given


class BatchProgress:
    """Count, rate and time left on a terminal (one line, redrawn), or one JSON object per
    event on stdout (``--progress json``), or nothing."""

    def __init__(self, mode: str, stream: Any = None) -> None:
        self.stream = stream or (sys.stdout if mode == "json" else sys.stderr)
        self.mode = "bar" if mode == "auto" and self.stream.isatty() else mode
        self.t0 = time.monotonic()

    def __call__(self, event: dict[str, Any]) -> None:
        if self.mode == "json":
            self.stream.write(json.dumps(event) + "\n")
            self.stream.flush()
            return
        if self.mode != "bar" or event["event"] != "photo":
            return
        done, total = event["done"], event["total"]
        elapsed = time.monotonic() - self.t0
        rate = done / elapsed * 60 if elapsed > 0 else 0.0
        left = (total - done) / (done / elapsed) if done and elapsed > 0 else 0.0
        width = 24
        filled = round(width * done / max(total, 1))
        self.stream.write(
            f"\rbatch [{'#' * filled}{'-' * (width - filled)}] {done}/{total} "
            f"{rate:5.1f}/min  {left / 60:5.1f} min left  {Path(event['file']).name[:24]:<24}"
        )
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def register(sub) -> None:
    from hdr_studio.api.formats import readable_summary

    b = sub.add_parser(
        "batch",
        help="reconstruct many photos: files, folders (--recursive) and @lists",
        description="Reconstruct every photo named (files, folders, @list.txt files of "
        "paths) into OUTDIR. Exit 0 when all succeeded, 4 when some failed (see the "
        "report), 130 when interrupted (run again with --resume to finish). Folders "
        "give their files of the readable formats: " + readable_summary(),
    )
    b.add_argument("inputs", nargs="+", metavar="INPUT")
    b.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="output folder")
    b.add_argument("--recursive", action="store_true", help="include subfolders (mirrored)")
    add_parameters(b, "batch")
    _pool_options(b)
    b.add_argument("--resume", action="store_true", help="skip photos whose output is current")
    b.add_argument("--force", action="store_true", help="redo photos whose output exists")
    b.add_argument(
        "--report",
        metavar="FILE",
        help="report JSON (and .csv beside it); default OUTDIR/batch-report.json",
    )
    b.add_argument(
        "--progress",
        choices=("auto", "bar", "json", "none"),
        default="auto",
        help="a bar on a terminal (auto), JSON lines on stdout, or none",
    )
    b.set_defaults(func=run)


def _pool_options(b: argparse.ArgumentParser) -> None:
    b.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="processes on this machine (default 1), or actors on a cluster (default: as "
        "many as the cluster's CPUs allow)",
    )
    b.add_argument(
        "--cluster",
        metavar="ray[:HOST:PORT]",
        help="run on a Ray cluster: $RAY_ADDRESS (or a local Ray of its own when unset), or "
        "the head at HOST:PORT (pip install 'hdr-studio[cluster]')",
    )
    b.add_argument(
        "--cluster-results",
        choices=("shared", "bytes"),
        default="shared",
        help="cluster workers write outputs to a file system shared with this machine "
        "(default), or return them as bytes for this machine to write",
    )


def _unused(template, fmt: str) -> None:
    """Say which settings the batch's jobs will not read (once, before the work)."""
    from dataclasses import replace

    from hdr_studio.api.engine import prepare, unused_settings

    probe = prepare(replace(template, input=Path(os.devnull), output=None))
    for note in unused_settings(template, replace(probe, format=template.format or fmt)):
        print(f"hdr-studio: note: {note}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from hdr_studio.api import ReconstructRequest
    from hdr_studio.api.errors import InputError, OutputError
    from hdr_studio.api.formats import EXPORT_FORMATS
    from hdr_studio.api.parameters import request_fields
    from hdr_studio.batch.inputs import collect
    from hdr_studio.batch.run import LocalPool, plan, run_batch

    _check_cluster(args.cluster)
    outdir = Path(args.output)
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"{outdir}: exists and is not a folder")
    report_path = Path(args.report) if args.report else outdir / "batch-report.json"
    if args.report and not report_path.parent.is_dir():  # as -o of reconstruct: not made
        raise OutputError(f"{report_path}: folder {report_path.parent} does not exist")
    try:
        fields = request_fields(given(args, "batch"), "batch")
        template = ReconstructRequest(input=Path(), **fields)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    extension = EXPORT_FORMATS[args.format].extensions[0]
    items = collect(args.inputs, args.recursive, extension, outdir)
    tasks, skipped, manifest = plan(items, outdir, template, args.resume, args.force)
    try:  # made only now: a refused batch leaves no empty folder behind
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{outdir}: cannot create the folder ({exc.strerror or exc})") from None
    if not os.access(outdir, os.W_OK | os.X_OK):
        raise OutputError(f"{outdir}: cannot write in this folder (no write permission)")
    _unused(template, args.format)
    workers = args.workers or 1
    make_pool = lambda: LocalPool(workers, args.threads)  # noqa: E731
    if args.cluster:
        make_pool = _ray_pool(args, tasks)
    report = run_batch(
        tasks, skipped, manifest, workers, BatchProgress(args.progress), make_pool=make_pool
    )
    path, csv_path = report.write(report_path)
    _summary(report, path, csv_path)
    return report.exit_code


def _check_cluster(cluster: str | None) -> None:
    from hdr_studio.api.errors import InputError

    if cluster and cluster != "ray" and not cluster.startswith("ray:"):
        raise InputError(f"unknown cluster '{cluster}' (use ray or ray:HOST:PORT)")
    if cluster:
        from hdr_studio.batch.cluster import require_ray

        require_ray(local=cluster == "ray" and not os.environ.get("RAY_ADDRESS"))


def _summary(report, path: Path, csv_path: Path) -> None:
    summary = (
        f"batch: {report.count('ok')} done, {report.count('current')} already current, "
        f"{report.count('failed')} failed"
        + (f", {report.count('cancelled')} cancelled" if report.interrupted else "")
        + f" in {report.seconds:.1f} s; report {path} (and {csv_path.name})"
    )
    print(summary, file=sys.stderr)
    for r in report.records:
        if r.status == "failed":
            print(f"hdr-studio: failed: {r.message}", file=sys.stderr)
    if report.interrupted:
        print("hdr-studio: interrupted: run again with --resume to finish", file=sys.stderr)


def _ray_pool(args: argparse.Namespace, tasks):
    """A factory of the Ray pool for ``--cluster``; Ray is checked for at once."""
    from hdr_studio.batch.cluster import RayPool

    address = args.cluster[4:] or None if args.cluster.startswith("ray:") else None
    threads = args.threads or 1
    workers = args.workers or max(1, min(len(tasks), (os.cpu_count() or 1) // threads))
    return lambda: RayPool(address, workers, threads, args.device, args.cluster_results)
