"""`--curve auto` on the held-out scenes (issue #15, part 1): the shipped curve prior
(``hdr-studio curve-prior``, chosen on validation) against sRGB linearisation and the true
curve.

    HDR_STUDIO_DATA=data .venv/bin/python bench/curve_auto.py

The 16 held-out scenes of ``evalset/hdr`` photographed (8-bit, no noise) through the HDR-CNN
sigmoid cameras of ``bench_curves.py`` (n ∈ [0.8, 1.2], σ ∈ [0.3, 1.0]; a family the prior
was not fitted on) and through plain sRGB, as ``experiments/curve_auto_experiment.py``
draws them; each linearised with sRGB, with the curve ``--curve auto`` estimates (no curve
kept for the camera: the photo has no Exif) and with the true inverse. PU21-PSNR over the
whole image.
About half a minute.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from bench_curves import camera

    from hdr_studio.core.curve_estimate import estimated_curve
    from hdr_studio.core.transfer import srgb_decode
    from hdr_studio.training import metrics as M
    from hdr_studio.training.curve_prior import GRID, photograph, srgb_curve
    from hdr_studio.training.data.dataset import read_hdr

    data = Path(os.environ.get("HDR_STUDIO_DATA", ROOT / "data"))
    rng = np.random.default_rng(20261129)
    rows: dict[str, list[tuple[float, float, float, float]]] = {}
    for path in sorted((data / "evalset" / "hdr").glob("*_truth.exr")):
        truth = read_hdr(path)
        n, s = rng.uniform(0.8, 1.2), rng.uniform(0.3, 1.0)
        for family, curve in (
            ("sigmoid (held out)", lambda h, n=n, s=s: camera(h, n, s)),
            ("sRGB", srgb_curve),
        ):
            code = photograph(truth, curve, None)
            estimate = estimated_curve(code)
            exponent = float(estimate.name.rsplit("^", 1)[1])
            true_inverse = np.interp(code, np.maximum.accumulate(curve(GRID)), GRID)
            rows.setdefault(family, []).append(
                (
                    M.pu21_psnr(srgb_decode(code), truth),
                    M.pu21_psnr(estimate(code), truth),
                    M.pu21_psnr(true_inverse.astype(np.float32), truth),
                    exponent,
                )
            )
    print("| test photos | sRGB linearisation | `--curve auto` | true curve | exponents |")
    print("|---|---|---|---|---|")
    for family, r in rows.items():
        m = np.array(r)
        a = m.mean(axis=0)
        print(
            f"| {family} | {a[0]:.2f} | {a[1]:.2f} ({a[1] - a[0]:+.2f}) | {a[2]:.2f} "
            f"| {m[:, 3].min():.3f}–{m[:, 3].max():.3f} |"
        )


if __name__ == "__main__":
    main()
