"""Measuring the camera curve from a hand-held bracket, or one where something moved: the
shots aligned first (``core/align.py``) or not, the fit robust to readings that disagree
(``core/response.py``) or plain — the figures in bench/QUALITY.md, "Hand-held brackets" and
"Moving subjects".

    HDR_STUDIO_DATA=data .venv/bin/python bench/curve_handheld.py [valset|evalset]

As ``curve_from_bracket.py`` (3 shots 2 EV apart, sensor noise, 8-bit, JPEG 90, cameras
from the HDR-CNN sigmoid family and plain sRGB), on 32 validation scenes (``evalset``: the
16 held-out ones), each bracket shot twice: from a tripod, and hand-held — the darker and the
brighter shot moved against the middle one by a random translation of up to ±4 px (±1.6 % of
the width: about ±60 px on a 12 MP photo) and turned by up to ±0.25°; and from a tripod
with a moving subject — in the darker and the brighter shot a block of a quarter of the
width and a third of the height shows something else (another part of the scene, 0.3–3×
as bright), as a person walking through would. The middle shot is linearised with the curve
measured three ways: the plain fit without alignment (the first shipped version), aligned
with the plain fit, aligned with the robust fit (shipped); PU21-PSNR over the whole image
against the scene, as the change against sRGB decoding, and the fit's residual. A refused
bracket counts as the sRGB decoding. About half a minute on 2 cores.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_curves import camera  # noqa: E402
from curve_from_bracket import shoot  # noqa: E402

from hdr_studio.core.align import align_bracket  # noqa: E402
from hdr_studio.core.errors import InputError  # noqa: E402
from hdr_studio.core.response import measure_response  # noqa: E402
from hdr_studio.core.transfer import srgb_decode, srgb_encode  # noqa: E402

EXPOSURES = (0.25, 1.0, 4.0)
MOUNTS = ("tripod", "hand-held", "moving subject")
WAYS = ("plain, not aligned", "plain, aligned", "robust, aligned")


def subject(h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``h`` with a block showing something else: a subject that moved between shots."""
    rows, cols = h.shape[:2]
    bh, bw = rows // 3, cols // 4
    y, x = rng.integers(0, rows - bh), rng.integers(0, cols - bw)
    out = h.copy()
    other = np.roll(h, (rows // 2, cols // 2), (0, 1))[y : y + bh, x : x + bw]
    out[y : y + bh, x : x + bw] = other * rng.uniform(0.3, 3.0)
    return out


def moved(h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    import cv2

    rows, cols = h.shape[:2]
    m = cv2.getRotationMatrix2D((cols / 2, rows / 2), rng.uniform(-0.25, 0.25), 1.0)
    m[:, 2] += rng.uniform(-4, 4, 2)
    return cv2.warpAffine(
        h.astype(np.float32), m, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    ).astype(np.float64)


def main() -> None:
    from hdr_studio.training import metrics as M
    from hdr_studio.training.data.dataset import read_hdr

    data = Path(os.environ.get("HDR_STUDIO_DATA", ROOT / "data"))
    split = sys.argv[1] if len(sys.argv) > 1 else "valset"
    count = 16 if split == "evalset" else 32
    rng = np.random.default_rng(20261202)
    rows: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    for path in sorted((data / split / "hdr").glob("*_truth.exr"))[:count]:
        truth = np.maximum(np.nan_to_num(read_hdr(path)), 0).astype(np.float64)
        n, s = rng.uniform(0.8, 1.2), rng.uniform(0.3, 1.0)
        for family, curve in (
            ("sigmoid", lambda h, n=n, s=s: camera(h, n, s)),
            ("sRGB", lambda h: srgb_encode(h.astype(np.float32)).astype(np.float64)),
        ):
            for mount in MOUNTS:
                change = {"tripod": lambda h, r: h, "hand-held": moved, "moving subject": subject}
                scenes = [truth if t == 1.0 else change[mount](truth, rng) for t in EXPOSURES]
                shots = [shoot(h, curve, t, rng) for h, t in zip(scenes, EXPOSURES, strict=True)]
                code = shots[1].astype(np.float32) / 255
                base = M.pu21_psnr(srgb_decode(code), truth)
                aligned = align_bracket(shots, EXPOSURES)[0]
                for how in WAYS:
                    try:
                        used = shots if how == "plain, not aligned" else aligned
                        robust = {} if how.startswith("robust") else {"robust": 0}
                        fit = measure_response(used, EXPOSURES, **robust)
                        row = (M.pu21_psnr(fit.curve(code), truth) - base, fit.residual)
                    except InputError:
                        row = (0.0, np.nan)
                    rows.setdefault((family, mount, how), []).append(row)
    n = len(next(iter(rows.values())))
    print(f"{n} scenes of {split}; PU21 change against sRGB decoding (dB), fit residual\n")
    print(f"| camera | bracket | {' | '.join(WAYS)} |\n|---|---|---|---|---|")
    for family in ("sigmoid", "sRGB"):
        for mount in MOUNTS:
            cells = []
            for how in WAYS:
                r = np.array(rows[(family, mount, how)])
                cells.append(f"{r[:, 0].mean():+.2f} ({np.nanmean(r[:, 1]):.3f} stops)")
            print(f"| {family} | {mount} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
