"""Brighter highlight cores without a better network? — the experiment behind
bench/QUALITY.md, "A brighter core by distance from the rim: tried".

    HDR_STUDIO_DATA=data .venv/bin/python bench/experiments/peak_shape_experiment.py [SET]

Issue #28 asks for the brightest 1 % of clipped regions within ±0.5 stops of the truth; the
shipped default leaves them about 1.5 stops dark on the real validation photographs. The
cheapest idea: leave the fill as it is at a region's rim and raise it towards the core,
by S · (1 − exp(−d / D)) stops at d pixels from the nearest pixel that kept a channel
(pixels with every channel clipped only; hue kept). Wide regions reach S, a one-pixel
speck barely moves. Before anything is built, this measures it on the real validation pairs
(SET, default ``data/real/valset``): the default method's result is computed once per pair,
then each (S, D) is scored as ``hdr-studio eval`` scores (PU21 inside the clipped region,
the signed mean and the brightest 1 % in stops). Per region it also asks whether anything
cheap to measure (size, inradius, share of the frame clipped, the photo's median, the
rim's brightness, the fill's own peak) tells how far the fill falls short. About 2 minutes.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

STRENGTHS = (0.5, 1.0, 1.5, 2.0, 3.0)  # S, stops at the core of a wide region
REACHES = (1.0, 2.0, 4.0, 8.0)  # D, pixels


def load_pair(set_dir: Path, item: dict, cache: Path | None = None):
    """(input image, truth, evaluation's clipped mask, default result, distance to a measured
    pixel, every-channel-clipped mask) of one manifest ``item``; None when nothing clipped.
    ``cache``: a folder keeping the default's results between runs."""
    import cv2

    from hdr_studio.api.engine import run_method
    from hdr_studio.core.clipping import over_mask
    from hdr_studio.core.fill import HARD_CLIP
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.data.dataset import read_hdr

    image = read_image(set_dir / "hdr" / f"{item['name']}.png")
    clipped = over_mask(image.code)
    if not clipped.any():
        return None
    truth = read_hdr(set_dir / "hdr" / f"{item['name']}_truth.exr")
    cached = None if cache is None else cache / f"{set_dir.name}-{item['name']}.npy"
    if cached is not None and cached.is_file():
        hdr = np.load(cached)
    else:
        hdr = run_method(image, "masked", device="cpu").hdr
        if cached is not None:
            cache.mkdir(parents=True, exist_ok=True)
            np.save(cached, hdr)
    full = (image.code.min(axis=2) >= np.float32(HARD_CLIP)).astype(np.uint8)
    dist = cv2.distanceTransform(full, cv2.DIST_L2, 5)
    return image, truth, clipped, hdr, dist, full


def load(set_dir: Path) -> list[tuple[np.ndarray, ...]]:
    """(default result, truth, evaluation's clipped mask, distance to a measured pixel) per
    pair with anything clipped, and the per-region rows."""
    pairs = []
    for item in json.loads((set_dir / "manifest.json").read_text())["hdr"]:
        got = load_pair(set_dir, item)
        if got is not None:
            image, truth, clipped, hdr, dist, full = got
            pairs.append((hdr, truth, clipped, dist, image.linear, full))
    return pairs


def score(pairs, boost=None) -> tuple[float, float, float]:
    """Mean PU21 inside, mean and brightest-1 % brightness (stops) over ``pairs``."""
    if boost is None:
        return score_with(pairs, lambda p: p[0])
    return score_with(pairs, lambda p: p[0] * np.exp2(boost(p[3]))[..., None])


def score_with(pairs, result) -> tuple[float, float, float]:
    """:func:`score` of ``result(pair)``, the HDR result made from each pair of :func:`load`."""
    from hdr_studio.training import metrics as M

    pu, mean, top = [], [], []
    for pair in pairs:
        out, truth, clipped = result(pair), pair[1], pair[2]
        pu.append(M.pu21_psnr(out, truth, clipped))
        b = M.brightness_errors(out, truth, clipped)
        mean.append(b[0])
        top.append(b[1])
    return float(np.mean(pu)), float(np.nanmean(mean)), float(np.nanmean(top))


def regions(pairs) -> None:
    """How far each fully clipped region's fill falls short (stops at its brightest 1 %),
    and how well cheap measurements predict it (correlation with their log2)."""
    import cv2

    from hdr_studio.training import metrics as M

    rows = []
    for hdr, truth, _, dist, lin, full in pairs:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(full, connectivity=8)
        y = M.luminance(lin)
        for k in range(1, n):
            if stats[k, cv2.CC_STAT_AREA] < 20:
                continue
            m = labels == k
            ring = (cv2.dilate(m.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0) & ~m
            yt, yp = M.luminance(truth[m]), M.luminance(hdr[m])
            rows.append(
                (
                    stats[k, cv2.CC_STAT_AREA],
                    dist[m].max(),
                    full.mean(),
                    np.median(y),
                    np.median(y[ring]) if ring.any() else 1.0,
                    np.percentile(yp, 99),
                    np.log2(np.percentile(yt, 99) / np.percentile(yp, 99)),
                )
            )
    a = np.array(rows, float)
    short = a[:, -1]
    print(
        f"{len(a)} fully clipped regions of ≥ 20 px; brightest 1 % short by "
        f"{short.mean():.2f} stops on average (median {np.median(short):.2f})"
    )
    names = ("area", "inradius", "share clipped", "photo median", "rim", "fill's peak")
    for i, name in enumerate(names):
        r = np.corrcoef(np.log2(a[:, i] + 1e-6), short)[0, 1]
        print(f"  correlation of log2({name}) with the shortfall: {r:+.2f}")


def main() -> None:
    from hdr_studio.training.data.dataset import data_root

    set_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else data_root() / "real" / "valset"
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    pairs = load(set_dir)
    regions(pairs)
    base = score(pairs)
    print(
        f"\n{len(pairs)} pairs; shipped: PU21 in {base[0]:.2f} dB, brightness in "
        f"{base[1]:+.2f} stops, brightest 1 % {base[2]:+.2f} stops"
    )
    print("\n| S (stops) | D (px) | PU21 in vs shipped | brightness in | brightest 1 % |")
    print("|---|---|---|---|---|")
    for s, d in itertools.product(STRENGTHS, REACHES):

        def boost(dist, s=s, d=d):
            lift = np.float32(s) * (1 - np.exp(-dist / np.float32(d)))
            return np.where(dist > 0, lift, np.float32(0))

        pu, mean, top = score(pairs, boost)
        print(f"| {s:g} | {d:g} | {pu - base[0]:+.2f} dB | {mean:+.2f} | {top:+.2f} |")


if __name__ == "__main__":
    main()
