"""Whole-process ``hdr-studio reconstruct`` of one input, this checkout against another
(a ``git worktree`` of an earlier commit), in fresh processes taken in turn, so that a
machine whose speed drifts (a shared virtual machine) drifts for both alike:

    git worktree add /tmp/before <commit>
    .venv/bin/python bench/ab_whole.py /tmp/before IN.jpg .png [--runs 3] [reconstruct options]

Prints, per run, the wall time of the command in-process (imports, read, method, write)
and the process's CPU seconds (user + system), and the medians of each side.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import os, resource, sys, time
t0 = time.perf_counter()
import hdr_studio
from hdr_studio.cli import main
code = main(["reconstruct", *sys.argv[1:]])
r = resource.getrusage(resource.RUSAGE_SELF)
print(hdr_studio.__file__, file=sys.stderr)
print(f"{time.perf_counter() - t0:.3f} {r.ru_utime + r.ru_stime:.2f} {code}", flush=True)
os._exit(0)
"""


def once(tree: Path, args: list[str]) -> tuple[float, float]:
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    # -P: not the current directory first on sys.path (it would import this checkout's
    # hdr_studio for both sides when run from its root)
    r = subprocess.run(
        [sys.executable, "-P", "-c", CHILD, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    last = (r.stdout.strip().splitlines() or ["?"])[-1].split()
    if r.returncode != 0 or len(last) != 3 or last[2] != "0":
        sys.exit(f"failed in {tree}: {r.stderr.strip()[-500:]}")
    if f"{tree.resolve()}/hdr_studio/" not in r.stderr:
        sys.exit(f"the run for {tree} imported another checkout: {r.stderr.strip()[-300:]}")
    return float(last[0]), float(last[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("before", type=Path, help="the other checkout")
    ap.add_argument("input", type=Path)
    ap.add_argument("ext", help="output extension, e.g. .png, .exr, .avif")
    ap.add_argument("--runs", type=int, default=3)
    args, extra = ap.parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / f"out{args.ext}")
        cmd = [str(args.input), "-o", out, "--force", *extra]
        sides: dict[str, list[tuple[float, float]]] = {"before": [], "now": []}
        for k in range(args.runs):
            for name, tree in (("before", args.before), ("now", ROOT)):
                wall, cpu = once(tree, cmd)
                sides[name].append((wall, cpu))
                print(f"run {k + 1} {name:6s} {wall:6.2f} s wall, {cpu:6.2f} s CPU", flush=True)
        for name, runs in sides.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(f"{name:6s} median {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
