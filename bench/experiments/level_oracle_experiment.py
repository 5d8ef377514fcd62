"""How much would knowing each clipped region's true level give? — the experiment behind
bench/QUALITY.md, "What a perfect level per region would give (2026-12-07, stop 55)".

    HDR_STUDIO_DATA=data .venv/bin/python \
        bench/experiments/level_oracle_experiment.py FIT_SET [VAL_SET]

FIT_SET: pairs made from real *training* crops (``glow_experiment.py --make-fit DIR``);
VAL_SET: default ``DATA/real/valset``. The default's results are cached as in
``glow_experiment.py`` (``GLOW_CACHE``). About 10 minutes on 2 cores with the cache.

On the validation pairs, each clipped region (connected, ≥ 4 px) of the default's fill is
corrected by what only the truth knows (oracles, upper bounds of any rule of that kind):

* *peak*: lifted by the shortfall of its brightest 1 % (stops), rising from the rim as in
  ``peak_shape_experiment.py`` (reach 0: the whole region at once);
* *level, per region*: scaled by the mean log₂ ratio of the truth's luminance to the fill's
  over the region;
* *level, per picture*: one such scale over all clipped pixels of the picture.

Then the per-region level is fitted from cheap cues (``glow_experiment``'s: size,
inradius, the photo's median, the fill's peak, the glow in rings outside the region, with
their squares), weighted by area, on FIT_SET, and applied to the validation pairs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def region_levels(pairs) -> list[list[float]]:
    """Per pair, per region: mean log₂ of the truth's luminance over the fill's."""
    from hdr_studio.training import metrics as M

    out = []
    for hdr, truth, _c, labels, _d, _f, _s, ks, _src in pairs:
        ratio = np.log2(M.luminance(truth) + 1e-6) - np.log2(M.luminance(hdr) + 1e-6)
        out.append([float(ratio[labels == k].mean()) for k in ks])
    return out


def scaled(pair, stops_of_region, reach: float = 0.0) -> np.ndarray:
    """The fill with region k scaled by ``stops_of_region[k]`` stops (rising from the rim
    over ``reach`` px when > 0)."""
    hdr, _t, _c, labels, dist, _f, _s, ks, _src = pair
    stops = np.zeros(labels.shape, np.float32)
    for k, s in zip(ks, stops_of_region, strict=True):
        stops[labels == k] = s
    if reach > 0:
        stops *= np.where(dist > 0, 1 - np.exp(-dist / np.float32(reach)), np.float32(0))
    return hdr * np.exp2(stops)[..., None]


def per_picture(pair) -> np.ndarray:
    from hdr_studio.training import metrics as M

    hdr, truth, _c, labels, *_ = pair
    m = labels > 0
    if not m.any():
        return hdr
    s = np.mean(np.log2(M.luminance(truth[m]) + 1e-6) - np.log2(M.luminance(hdr[m]) + 1e-6))
    return np.where(m[..., None], hdr * np.float32(2.0**s), hdr)


def design(feats) -> np.ndarray:
    z = np.asarray(feats, float)
    return np.hstack([z, z**2, np.ones((len(z), 1))])


def main() -> None:
    import glow_experiment as G

    from hdr_studio.training.data.dataset import data_root

    os.environ.setdefault("OMP_NUM_THREADS", "2")
    fit_pairs = G.regions(Path(sys.argv[1]))
    val_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else data_root() / "real" / "valset"
    val = G.regions(val_dir)
    levels = region_levels(val)
    base = G.score(val, lambda p: p[0])
    print(f"default: PU21 in {base[0]:.2f} dB, brightest 1 % {base[1]:+.2f} stops")
    print("| correction (oracle) | × | reach (px) | PU21 in vs default | brightest 1 % |")
    print("|---|---|---|---|---|")
    for scale in (0.5, 1.0):
        for reach in (0.0, 1.0, 4.0):
            pu, top = G.score(
                val, lambda p, s=scale, r=reach: scaled(p, [max(x, 0) * s for x in p[6]], r)
            )
            print(f"| peak | {scale:g} | {reach:g} | {pu - base[0]:+.2f} dB | {top:+.2f} |")
    for scale in (0.5, 1.0):
        by_pair = iter(levels)
        pu, top = G.score(val, lambda p, s=scale, it=by_pair: scaled(p, [x * s for x in next(it)]))
        print(f"| level, per region | {scale:g} | – | {pu - base[0]:+.2f} dB | {top:+.2f} |")
    pu, top = G.score(val, per_picture)
    print(f"| level, per picture | 1 | – | {pu - base[0]:+.2f} dB | {top:+.2f} |")

    # the per-region level from cheap cues, area-weighted ridge on the training pairs
    x = np.array([f for p in fit_pairs for f in p[5]], float)
    y = np.array([v for lv in region_levels(fit_pairs) for v in lv])
    xv = np.array([f for p in val for f in p[5]], float)
    yv = np.array([v for lv in levels for v in lv])
    mu, sd = x.mean(0), x.std(0) + 1e-9
    a, av = design((x - mu) / sd), design((xv - mu) / sd)
    wt, wv = np.exp2(x[:, 0]), np.exp2(xv[:, 0])
    wt /= wt.mean()
    w = np.linalg.solve((a * wt[:, None]).T @ a + 10 * np.eye(a.shape[1]), (a * wt[:, None]).T @ y)
    resid = np.average((yv - av @ w) ** 2, weights=wv)
    r2 = 1 - resid / np.average((yv - np.average(yv, weights=wv)) ** 2, weights=wv)
    print(f"\nfit: {len(y)} regions; val: {len(yv)} regions, area-weighted R² {r2:+.3f}")
    for scale in (0.25, 0.5, 1.0):

        def fitted(p, s=scale):
            if not p[7]:
                return p[0]
            return scaled(p, list(design((np.asarray(p[5], float) - mu) / sd) @ w * s))

        pu, top = G.score(val, fitted)
        print(f"| level from cues | {scale:g} | – | {pu - base[0]:+.2f} dB | {top:+.2f} |")


if __name__ == "__main__":
    main()
