"""Batch throughput on this machine: photos per minute and peak memory of the whole process
tree (driver + workers) for 1 and 2 workers, ``classical`` and the default network, on N
photos of 12 MP (default 50).

    .venv/bin/python bench/bench_batch.py [N] [MEGAPIXELS]

Photos: the four samples (crops, mirror images) upscaled to the size, 8-bit JPEG q 92,
made once in a temporary folder. Each configuration is one ``hdr-studio batch`` process;
its outputs (EXR) go to a fresh folder. Memory: the summed RSS of the batch process and its
children, sampled every 0.2 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_photos(n: int, megapixels: float, folder: Path) -> None:
    import cv2
    import numpy as np

    from hdr_studio.core.reader import read_image

    samples = [read_image(p).code for p in sorted((ROOT / "resources" / "samples").glob("*.jpg"))]
    for i in range(n):
        code = samples[i % len(samples)]
        h, w = code.shape[:2]
        k = (i // len(samples)) % 4
        crop = code[: h - k * h // 10, k * w // 12 :]
        if (i // (4 * len(samples))) % 2:
            crop = crop[:, ::-1]
        s = (megapixels * 1e6 / (crop.shape[0] * crop.shape[1])) ** 0.5
        big = cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
        px = (np.clip(big, 0, 1) * 255 + 0.5).astype(np.uint8)[..., ::-1]
        cv2.imwrite(str(folder / f"photo_{i:03d}.jpg"), px, [cv2.IMWRITE_JPEG_QUALITY, 92])


def tree_rss_mb(pid: int) -> float:
    total = 0
    pids = [pid]
    try:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
        ).stdout
        pids += [int(p) for p in out.split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    mp = float(sys.argv[2]) if len(sys.argv) > 2 else 12.0
    work = Path(tempfile.mkdtemp(prefix="hdr-batch-bench-"))
    photos = work / "photos"
    photos.mkdir()
    make_photos(n, mp, photos)
    exe = str(Path(sys.executable).with_name("hdr-studio"))
    print(f"{n} photos of {mp:g} MP in {photos}")
    print("| method | workers | photos | wall time | photos / min | peak memory (all processes) |")
    print("|---|---|---|---|---|---|")
    for method in ("classical", "masked"):
        for workers in (1, 2):
            out = work / f"out_{method}_{workers}"
            cmd = [
                exe,
                "batch",
                str(photos),
                "-o",
                str(out),
                "--method",
                method,
                "--workers",
                str(workers),
                "--progress",
                "none",
            ]
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            peak = 0.0
            while proc.poll() is None:
                peak = max(peak, tree_rss_mb(proc.pid))
                time.sleep(0.2)
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                print(f"| {method} | {workers} | failed: {proc.stderr.read().decode()[-200:]} |")
                continue
            print(
                f"| {method} | {workers} | {n} | {wall:.0f} s | {n / wall * 60:.1f} | "
                f"{peak:.0f} MB |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
