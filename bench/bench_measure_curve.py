"""Time of ``hdr-studio measure-curve`` on a 3-shot bracket of 12 MP JPEGs (4000 × 3000,
quality 90, Exif shutter times), the figure in bench/RESULTS.md.

    .venv/bin/python bench/bench_measure_curve.py

The shots are a held-out render, upscaled, through a sigmoid camera at −2, 0, +2 EV; the
command runs three times in a fresh process each (reading included) and the best is kept.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    import cv2
    import OpenImageIO as oiio
    from bench_curves import camera

    from hdr_studio.training.data.dataset import read_hdr

    h = read_hdr(ROOT / "data" / "evalset" / "hdr" / "scene_100003_truth.exr")
    h = cv2.resize(np.maximum(h, 0), (4000, 3000), interpolation=cv2.INTER_CUBIC)
    folder = Path(tempfile.mkdtemp())
    paths = []
    for i, t in enumerate((0.25, 1.0, 4.0)):
        code = np.rint(camera(np.clip(h * t, 0, 1), 1.0, 0.6) * 255).astype(np.uint8)
        spec = oiio.ImageSpec(4000, 3000, 3, oiio.UINT8)
        spec.attribute("ExposureTime", t / 60)
        spec.attribute("Compression", "jpeg:90")
        path = folder / f"shot{i}.jpg"
        out = oiio.ImageOutput.create(str(path))
        out.open(str(path), spec)
        out.write_image(code)
        out.close()
        paths.append(str(path))
    best = np.inf
    for k in range(3):
        target = folder / f"curve{k}.txt"
        cmd = [sys.executable, "-m", "hdr_studio", "measure-curve", *paths, "-o", str(target)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    print(f"measure-curve, 3 × 12 MP JPEG: {best:.2f} s (best of 3, whole process)")


if __name__ == "__main__":
    main()
