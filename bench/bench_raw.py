"""A 24 MP camera raw file through the whole process, timed: ``hdr-studio reconstruct`` of a
6000×4000 Bayer DNG (14-bit, simulated from a real HDR photograph by
hdr_studio.training.data.sensor, 3 % of pixels clipped in at least one channel) to a PQ
AVIF and to an OpenEXR, default method, in a fresh process each run (interpreter start,
imports, LibRaw decode, raw highlight reconstruction, the network, writing); and the
app's first picture of it (the embedded preview or a half-size decode,
hdr_studio.core.raw.quick_picture).

    .venv/bin/python bench/bench_raw.py HDR.exr [--runs 3] [reconstruct options, e.g.
        --method classical]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_raw(exr: Path, out: Path, clip: float = 0.03) -> Path:
    import cv2
    import numpy as np

    from hdr_studio.core.gamut import convert_primaries, rgb_to_xyz_matrix
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.data.sensor import CAMERA_MATRIX, simulate_raw

    im = read_image(exr)
    lin = np.maximum(convert_primaries(im.linear, im.primaries, "rec2020"), 0)
    lin = cv2.resize(lin, (6000, 4000), interpolation=cv2.INTER_CUBIC)
    cam = lin.reshape(-1, 3)[::97] @ (CAMERA_MATRIX @ rgb_to_xyz_matrix("rec2020")).T
    exposure = 1.0 / float(np.quantile(cam.max(axis=1), 1.0 - clip))
    return simulate_raw(lin, exposure).write(out, force=True)


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user + system) of a command in a fresh process. On a
    machine others share, CPU seconds / cores is what the wall time would be alone."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("exr", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args, args.extra = ap.parse_known_args()  # the rest: reconstruct options (--method …)
    exe = str(Path(sys.executable).with_name("hdr-studio"))
    with tempfile.TemporaryDirectory() as tmp:
        raw = make_raw(args.exr, Path(tmp) / "photo24mp.dng")
        print(f"{raw.name}: {raw.stat().st_size / 1e6:.0f} MB")
        for ext in ("avif", "exr"):
            out = Path(tmp) / f"out.{ext}"
            cmd = [exe, "reconstruct", str(raw), "-o", str(out), "--force", *args.extra]
            runs = [timed(cmd) for _ in range(args.runs)]
            walls = [w for w, _ in runs]
            each = ", ".join(f"{w:.1f} s wall / {c:.1f} s CPU" for w, c in runs)
            print(
                f"24 MP raw -> {ext} {' '.join(args.extra)}: median {statistics.median(walls):.1f}"
                f" s ({each}; load average {os.getloadavg()[0]:.1f})"
            )
        # As in the app: its start-up has imported the engine's libraries (colour-science
        # for the chromaticity plot, OpenCV, numpy) before a photo is opened; the time is
        # from the open to the first picture's pixels.
        code = (
            "import sys, time;"
            "from hdr_studio.core._colour_science import colour; colour();"
            "import cv2, rawpy;"
            "t0 = time.perf_counter();"
            "from hdr_studio.core.raw import quick_picture;"
            "im = quick_picture(sys.argv[1]);"
            "print(f'{time.perf_counter() - t0:.2f} {im.width}x{im.height}')"
        )
        firsts = []
        for _ in range(args.runs):
            r = subprocess.run(
                [sys.executable, "-c", code, str(raw)], capture_output=True, text=True, check=True
            )
            firsts.append(r.stdout.split())
        print("first picture: " + ", ".join(f"{t} s ({size})" for t, size in firsts))


if __name__ == "__main__":
    main()
