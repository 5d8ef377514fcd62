"""Does the glow around a clipped region tell a lamp from a wall? — the experiment behind
bench/QUALITY.md, "The glow around a clipped region: tried, not built".

    HDR_STUDIO_DATA=data .venv/bin/python bench/experiments/glow_experiment.py FIT_SET [VAL_SET]

The default fill leaves the brightest 1 % of clipped regions 1.5–2.4 stops dark, and lamps
7–8 stops dark, because nothing cheap about a region (size, inradius, the rim's brightness,
the fill's peak) told a lamp from a soft box (``peak_shape_experiment.py``). One cue that
experiment did not measure is optical: a source many stops above white lights the lens and
the air around it, so the photo is bright well outside what clipped, falling off slowly; a
surface a little above white ends at its edge. Per clipped region (connected, ≥ 4 px) this
measures the linear input's mean luminance in rings 1–2, 2–4, 4–8, 8–16 and 16–32 px
outside it, with its size, inradius, the photo's median and the fill's own peak, and fits a
ridge regression of how far the fill's brightest 1 % falls short of the truth's (stops)
on FIT_SET (pairs made from real *training* crops: nothing tuned on held-out data). On
VAL_SET (default ``DATA/real/valset``) it reports how much of the shortfall the fit
explains and what lifting each region by its predicted shortfall does to PU21 inside and
the brightest 1 %: the lift (on pixels with every channel clipped only) rises from the
nearest pixel that kept a channel towards the core, as in ``peak_shape_experiment.py``.
A training pair set is made with ``--make-fit DIR [ADDED [PER_PHOTO]]`` from
``DATA/real/train`` (the photographs added to the manifest on ADDED, default 2026-12-03;
8 crops of each unless PER_PHOTO says) through the same virtual camera as the validation
pairs. The default's results are cached
(``GLOW_CACHE``, default /tmp/hdr-glow-cache). About 10 minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

RINGS = ((1, 2), (2, 4), (4, 8), (8, 16), (16, 32))
NAMES = ("area", "inradius", "median", "fill peak", *(f"ring {a}-{b}" for a, b in RINGS))
MIN_AREA = 4
CACHE = Path(os.environ.get("GLOW_CACHE", "/tmp/hdr-glow-cache"))  # the default's results


def make_fit_set(out: Path, per_photo: int = 8, added: str = "2026-12-03") -> None:
    """Pairs (as ``real/valset``'s) from up to ``per_photo`` training crops of each
    training photograph added to the manifest on ``added`` (2026-12-03: the 26 the shipped
    network was trained on; 2026-12-08: the 24 it never saw)."""
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.data.dataset import data_root
    from hdr_studio.training.data.real import load_sources, real_paths, write_pairs

    on_day = {s.stem for s in load_sources() if s.added == added}
    crops: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for path in real_paths(data_root(), "train"):
        if path.stem.rsplit("_", 1)[0] not in on_day:
            continue
        photo = path.stem.rsplit("_", 1)[0]
        if counts.get(photo, 0) >= per_photo:
            continue
        counts[photo] = counts.get(photo, 0) + 1
        crops[path.stem] = read_image(path).linear
    write_pairs(crops, out, 4242, {})
    print(f"{len(crops)} training crops of {len(counts)} photographs → {out}")


def _features(lin, fill, truth, labels, k, dist, median):
    import cv2

    from hdr_studio.training import metrics as M

    m = labels == k
    y = M.luminance(lin)
    inside = ~m
    row = [np.log2(m.sum()), np.log2(dist[m].max() + 1), np.log2(median), 0.0]
    row[3] = np.log2(np.percentile(M.luminance(fill[m]), 99) + 1e-6)
    outer = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 5)
    for a, b in RINGS:
        ring = (outer > a - 1) & (outer <= b)
        row.append(np.log2(np.mean(y[ring]) + 1e-4) if ring.any() else np.log2(median))
    shortfall = np.log2(np.percentile(M.luminance(truth[m]), 99) + 1e-6) - row[3]
    return row, shortfall


def regions(set_dir: Path, limit: int | None = None):
    """Per pair (result, truth, eval mask, region labels, distance to the rim, features of
    each region, shortfall of each region, source photograph)."""
    import cv2

    from hdr_studio.training import metrics as M

    sys.path.insert(0, str(Path(__file__).parent))
    from peak_shape_experiment import load_pair

    items = json.loads((set_dir / "manifest.json").read_text())["hdr"][:limit]
    pairs = []
    for item in items:
        got = load_pair(set_dir, item, CACHE)
        if got is None:
            continue
        image, truth, clipped, hdr, dist, _ = got
        n, labels = cv2.connectedComponents(clipped.astype(np.uint8), connectivity=8)
        median = float(np.median(M.luminance(image.linear))) + 1e-4
        feats, short, ks = [], [], []
        for k in range(1, n):
            if (labels == k).sum() < MIN_AREA:
                continue
            f, s = _features(image.linear, hdr, truth, labels, k, dist, median)
            feats.append(f)
            short.append(s)
            ks.append(k)
        pairs.append((hdr, truth, clipped, labels, dist, feats, short, ks, item["source"]))
    return pairs


def fit(pairs, alpha: float = 1.0):
    x = np.array([f for p in pairs for f in p[5]], float)
    y = np.array([s for p in pairs for s in p[6]], float)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    w = np.linalg.solve(z.T @ z + alpha * np.eye(z.shape[1]), z.T @ (y - y.mean()))
    return mu, sd, w, y.mean()


def predict(model, feats) -> np.ndarray:
    mu, sd, w, b = model
    return ((np.asarray(feats, float) - mu) / sd) @ w + b


def lifted(pair, model, scale: float, reach: float) -> np.ndarray:
    hdr, _, _, labels, dist, feats, _, ks, _ = pair
    stops = np.zeros(labels.shape, np.float32)
    if ks:
        pred = np.maximum(predict(model, feats), 0) * scale
        for k, s in zip(ks, pred, strict=True):
            stops[labels == k] = s
    shape = np.where(dist > 0, 1 - np.exp(-dist / np.float32(reach)), np.float32(0))
    return hdr * np.exp2(stops * shape)[..., None]


def score(pairs, result):
    from hdr_studio.training import metrics as M

    pu, top = [], []
    for p in pairs:
        out = result(p)
        pu.append(M.pu21_psnr(out, p[1], p[2]))
        top.append(M.brightness_errors(out, p[1], p[2])[1])
    return float(np.mean(pu)), float(np.nanmean(top))


def main() -> None:
    from hdr_studio.training.data.dataset import data_root

    os.environ.setdefault("OMP_NUM_THREADS", "2")
    if sys.argv[1] == "--make-fit":  # --make-fit DIR [ADDED [PER_PHOTO]]
        added = sys.argv[3] if len(sys.argv) > 3 else "2026-12-03"
        per_photo = int(sys.argv[4]) if len(sys.argv) > 4 else 8
        make_fit_set(Path(sys.argv[2]), per_photo, added)
        return
    fit_pairs = regions(Path(sys.argv[1]))
    val_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else data_root() / "real" / "valset"
    val_pairs = regions(val_dir)
    y_fit = np.array([s for p in fit_pairs for s in p[6]])
    y_val = np.array([s for p in val_pairs for s in p[6]])
    print(f"fit: {len(y_fit)} regions, shortfall mean {y_fit.mean():.2f} stops")
    print(f"val: {len(y_val)} regions, shortfall mean {y_val.mean():.2f} stops")
    x_val = np.array([f for p in val_pairs for f in p[5]], float)
    for i, name in enumerate(NAMES):
        r = np.corrcoef(x_val[:, i], y_val)[0, 1]
        print(f"  val correlation of {name} with the shortfall: {r:+.2f}")
    for alpha in (1.0, 10.0, 100.0):
        model = fit(fit_pairs, alpha)
        pv = np.concatenate([predict(model, p[5]) for p in val_pairs if p[5]])
        r2 = 1 - np.mean((y_val - pv) ** 2) / np.var(y_val)
        print(f"ridge α={alpha:g}: val R² {r2:+.3f}, weights {np.round(model[2], 2)}")
    model = fit(fit_pairs, 10.0)
    base = score(val_pairs, lambda p: p[0])
    print(f"\nval: default PU21 in {base[0]:.2f} dB, brightest 1 % {base[1]:+.2f} stops")
    print("| lift × prediction | reach (px) | PU21 in vs default | brightest 1 % |")
    print("|---|---|---|---|")
    for scale in (0.25, 0.5, 1.0):
        for reach in (1.0, 4.0):
            pu, top = score(val_pairs, lambda p, s=scale, r=reach: lifted(p, model, s, r))
            print(f"| {scale:g} | {reach:g} | {pu - base[0]:+.2f} dB | {top:+.2f} |")


if __name__ == "__main__":
    main()
