"""What linearising with the camera's own curve is worth, on the held-out renders.

    HDR_STUDIO_DATA=data .venv/bin/python bench/bench_curves.py

Each held-out scene's truth is photographed again by a camera whose tone curve is an
S-shaped response of the HDR-CNN family, f(H) = (1 + σ)·Hⁿ / (Hⁿ + σ) (n in [0.8, 1.2],
σ in [0.3, 1.0], drawn per scene from a fixed seed; not a curve family any HDR Studio part
was fitted on), quantised to 8 bits. The photo is reconstructed twice with the default
network and with `none`: linearised as its file declares (sRGB), and with the measured
inverse response given as a FILE (`--curve FILE`, the table of f⁻¹). PU21-PSNR against
the truth, over the whole image and inside/outside the clipped region.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def camera(h: np.ndarray, n: float, s: float) -> np.ndarray:
    x = np.clip(h, 0.0, 1.0) ** n
    return (1 + s) * x / (x + s)


def main() -> None:
    from hdr_studio.api import ReconstructRequest, default_method, reconstruct
    from hdr_studio.core.clipping import over_mask
    from hdr_studio.core.image import Image
    from hdr_studio.training import metrics as M
    from hdr_studio.training.data.dataset import read_hdr

    data = Path(os.environ.get("HDR_STUDIO_DATA", ROOT / "data"))
    truths = sorted((data / "evalset" / "hdr").glob("*_truth.exr"))
    rng = np.random.default_rng(20261129)
    tmp = Path(tempfile.mkdtemp(prefix="bench-curves-"))
    methods = ["none", default_method()]
    scores: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for path in truths:
        truth = read_hdr(path)
        n, s = rng.uniform(0.8, 1.2), rng.uniform(0.3, 1.0)
        code = np.rint(camera(truth, n, s) * 255) / 255
        image = Image.from_pixels(code.astype(np.float32), levels=256)
        grid = np.linspace(0.0, 1.0, 2049)
        table = tmp / f"{path.stem}.csv"  # the measured inverse response: code → H
        table.write_text(
            "\n".join(f"{c:.6f},{h:.6f}" for c, h in zip(camera(grid, n, s), grid, strict=True))
        )
        clipped = over_mask(image.code)
        for m in methods:
            for label, curve in (("srgb (declared)", None), ("measured curve", str(table))):
                hdr = reconstruct(ReconstructRequest(input=image, method=m, curve=curve)).pixels
                scores.setdefault((m, label), []).append(
                    (
                        M.pu21_psnr(hdr, truth),
                        M.pu21_psnr(hdr, truth, clipped) if clipped.any() else np.nan,
                        M.pu21_psnr(hdr, truth, ~clipped),
                    )
                )
    print(f"{len(truths)} held-out scenes through S-curve cameras (HDR-CNN family)\n")
    print("| method | linearised with | PU21 all | PU21 in | PU21 out |")
    print("|---|---|---|---|---|")
    for (m, label), rows in scores.items():
        a = np.array(rows, np.float64)
        means = [np.nanmean(a[:, i]) for i in range(3)]
        print(f"| {m} | {label} | {means[0]:.2f} | {means[1]:.2f} | {means[2]:.2f} |")


if __name__ == "__main__":
    main()
