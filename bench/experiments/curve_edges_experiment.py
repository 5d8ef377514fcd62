"""The camera curve from one photo's colour edges (Lin et al., CVPR 2004) — the experiment
behind bench/QUALITY.md, "Colour edges: a curve from one photo, tried".

    HDR_STUDIO_DATA=data .venv/bin/python bench/experiments/curve_edges_experiment.py [CACHE]

Across an edge between two colours, a pixel that sees both mixes their light linearly, so in
RGB its linear colour lies on the segment between them; the wrong inverse response bends the
segment. Unlike every tonal statistic this is not blind to the curve's overall exponent.
The estimator finds profiles across luminance edges (flat ends, monotone, half-way in the
middle, chromatically distinct ends, nothing clipped) and picks the exponent e of
``srgb_decode(code)^e`` that makes them straightest (perpendicular distance over segment
length, summed, 80 % trimmed).

1. Synthetic discs of random colours, blurred in linear light (σ px), through sRGB of
   H^(1/γ): clean, noisy, JPEG 90 (4:2:0 chroma). Does it find e = γ?
2. Validation-split renders at 1024 × 768 (rendered into CACHE, default
   /tmp/hdr-studio-edge-renders, about 30 s each; 8 scenes), blurred 0.6–1.4 px, noise,
   JPEG 75–95 in 70 % of shots, through training-family curves.
About 5 minutes with the renders to make.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "bench"))  # bench_curves

import curve_auto_experiment as E  # noqa: E402

from hdr_studio.core.transfer import srgb_decode  # noqa: E402
from hdr_studio.training.curve_prior import best_exponent  # noqa: E402  (moved there)

EXPS = np.linspace(0.4, 1.8, 57)


def profiles(c: np.ndarray, d: int = 3, flat: float = 4 / 255, jump: float = 30 / 255):
    """(N, 2d + 1, 3) code profiles across luminance edges, horizontal and vertical."""
    out = []
    for cc in (c, c.transpose(1, 0, 2)):
        n = cc.shape[1] - 2 * d - 2
        p = np.stack([cc[:, k : k + n] for k in range(2 * d + 3)], 2)
        a, a0, b, b1 = p[:, :, 0], p[:, :, 1], p[:, :, -2], p[:, :, -1]
        m = (np.abs(a - a0).max(-1) < flat) & (np.abs(b - b1).max(-1) < flat)
        m &= np.abs(b - a0).max(-1) > jump
        m &= (np.minimum(a0, b).min(-1) > 8 / 255) & (np.maximum(a0, b).max(-1) < 247 / 255)
        step = np.diff(p[:, :, 1:-1], axis=2) * np.sign(b - a0)[:, :, None, :]
        m &= (step > -flat / 2).all((2, 3))
        y = p[:, :, 1:-1].mean(-1)
        t = (y[:, :, d] - y[:, :, 0]) / (y[:, :, -1] - y[:, :, 0] + 1e-9)
        m &= (t > 0.3) & (t < 0.7)
        out.append(p[:, :, 1:-1][m])
    return np.concatenate(out)


def estimate(code: np.ndarray, d: int = 3) -> tuple[float, int]:
    p = profiles(code, d)
    if len(p):
        a, b = p[:, 0], p[:, -1]
        na = a / a.sum(-1, keepdims=True).clip(1e-6)
        nb = b / b.sum(-1, keepdims=True).clip(1e-6)
        p = p[np.abs(na - nb).sum(-1) > 0.08]
    if len(p) < 30:
        return 1.0, len(p)
    if len(p) > 20000:
        p = p[np.random.default_rng(0).choice(len(p), 20000, replace=False)]
    scores = []
    for e in EXPS:
        g = srgb_decode(p.astype(np.float32)).astype(np.float64) ** e
        v = g[:, -1:] - g[:, :1]
        u = g[:, 1:-1] - g[:, :1]
        t = (u * v).sum(-1, keepdims=True) / (v * v).sum(-1, keepdims=True).clip(1e-12)
        num, den = ((u - t * v) ** 2).sum((1, 2)), (v[:, 0] ** 2).sum(-1)
        keep = num / den.clip(1e-12) <= np.quantile(num / den.clip(1e-12), 0.8)
        scores.append(num[keep].sum() / den[keep].sum())
    return float(EXPS[int(np.argmin(scores))]), len(p)


def synthetic() -> None:
    import cv2

    rng = np.random.default_rng(1)
    img = np.full((768, 1024, 3), 0.2, np.float32)
    for _ in range(60):
        centre = (int(rng.integers(0, 1024)), int(rng.integers(0, 768)))
        colour = rng.uniform(0.02, 0.9, 3).tolist()
        cv2.circle(img, centre, int(rng.integers(20, 120)), colour, -1)
    print("1. synthetic colour discs: exponent found (true γ in the column head)\n")
    print("| edge blur | noise | JPEG | γ = 1.0 | γ = 1.3 |\n|---|---|---|---|---|")
    for blur, d in ((1.2, 3), (2.5, 6)):
        for noise in (0.0, 0.003):
            for q in (0, 90):
                x = cv2.GaussianBlur(img, (0, 0), blur)
                x = x + rng.normal(0, 1, x.shape).astype(np.float32) * noise * np.sqrt(x + 1e-3)
                found = []
                for gamma in (1.0, 1.3):
                    h = np.clip(x, 0, 1) ** (1 / gamma)
                    code = np.rint(E.srgb_curve(h) * 255).astype(np.uint8)
                    if q:
                        code = cv2.imdecode(
                            cv2.imencode(".jpg", code, [cv2.IMWRITE_JPEG_QUALITY, q])[1], 1
                        )
                    found.append(estimate(code.astype(np.float32) / 255, d)[0])
                print(f"| {blur} px | {noise} | {q or 'none'} | {found[0]:.2f} | {found[1]:.2f} |")


def renders(cache: Path) -> None:
    import cv2

    from hdr_studio.training import metrics as M
    from hdr_studio.training.data.dataset import VAL_SEED_BASE, read_hdr
    from hdr_studio.training.data.photos import photo_paths
    from hdr_studio.training.data.render import render_dataset

    data = Path(os.environ.get("HDR_STUDIO_DATA", ROOT / "data"))
    seeds = range(VAL_SEED_BASE + 100, VAL_SEED_BASE + 108)
    paths = render_dataset(cache, seeds, 1024, 768, 32, photo_paths(data, "val"))
    rng = np.random.default_rng(7)
    rows: dict[str, list[tuple[float, float, float]]] = {}
    errors: dict[str, list[float]] = {}
    for path in paths:
        h = np.maximum(np.nan_to_num(read_hdr(path)), 0)
        for family in ("sRGB", "other curves"):
            while True:
                kind, curve = E.training_curve(rng)
                if (kind == "srgb") == (family == "sRGB"):
                    break
            x = cv2.GaussianBlur(h, (0, 0), rng.uniform(0.6, 1.4))
            x = x / (np.quantile(x.max(2), rng.uniform(0.85, 0.99)) + 1e-6)
            x = x + rng.normal(0, 1, x.shape) * rng.uniform(0, 0.004) * np.sqrt(
                np.clip(x, 0, None) + 1e-3
            )
            code = np.rint(np.clip(curve(np.clip(x, 0, 1)), 0, 1) * 255).astype(np.uint8)
            if rng.random() < 0.7:
                q = int(rng.integers(75, 96))
                code = cv2.imdecode(cv2.imencode(".jpg", code, [cv2.IMWRITE_JPEG_QUALITY, q])[1], 1)
            c = code.astype(np.float32) / 255
            e, _ = estimate(c)
            best = best_exponent(curve)
            errors.setdefault(family, []).append(abs(e - best))
            truth = x.astype(np.float32)
            rows.setdefault(family, []).append(
                (
                    M.pu21_psnr(srgb_decode(c), truth),
                    M.pu21_psnr(srgb_decode(c) ** np.float32(e), truth),
                    M.pu21_psnr(srgb_decode(c) ** np.float32(best), truth),
                )
            )
    print(f"\n2. {len(paths)} validation renders, 1024 × 768 (PU21-PSNR, whole image)\n")
    print("| shots | sRGB | edge estimate | best exponent | mean exponent error |")
    print("|---|---|---|---|---|")
    for family, r in rows.items():
        m = np.array(r).mean(axis=0)
        err = np.mean(errors[family])
        print(
            f"| {family} | {m[0]:.2f} | {m[1]:.2f} ({m[1] - m[0]:+.2f}) | {m[2]:.2f} | {err:.2f} |"
        )


if __name__ == "__main__":
    synthetic()
    renders(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/hdr-studio-edge-renders"))
