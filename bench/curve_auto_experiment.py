"""Can the camera curve be estimated from one 8-bit photo here? (issue #15, part 1) — the
experiment behind the "not shipped" verdict in bench/QUALITY.md.

    HDR_STUDIO_DATA=data .venv/bin/python bench/curve_auto_experiment.py

A learned regressor over image statistics a tone curve bends (luminance and per-channel
histograms; mean edge strength per brightness level, which follows the curve's slope in log
light when scene contrast is level-independent; saturation per level; exposure and clipping)
predicts the inverse response at 31 code values (a correction to sRGB, log₂ light; ridge
regression) and whether the photo is plain sRGB (logistic ridge).

Training curves: sRGB; gamma 1/γ, γ ∈ [1.6, 2.8]; log(1 + kH)/log(1 + k), k ∈ [4, 400];
a logit-contrast S on a gamma or sRGB encoding. Held out (test only): the HDR-CNN
Naka–Rushton sigmoid (1 + σ)·Hⁿ/(Hⁿ + σ), n ∈ [0.8, 1.2], σ ∈ [0.3, 1.0], and plain sRGB.
Scenes: training renders + training photos (sRGB-decoded) to fit; the last 8 training renders
and the validation photos to choose the ridge strength; the 16 held-out scenes of
``evalset/hdr`` to test (PU21-PSNR over the whole linearised image against the truth).
Prints the table QUALITY.md quotes. About 3 minutes on 2 cores.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hdr_studio.core.transfer import srgb_decode, srgb_encode  # noqa: E402

KNOTS = np.arange(1, 32, dtype=np.float64) / 32.0
FLOOR = 2.0**-12
GRID = np.linspace(0.0, 1.0, 8193)
Curve = Callable[[np.ndarray], np.ndarray]  # linear H in [0, 1] → code, monotone


def srgb_curve(h: np.ndarray) -> np.ndarray:
    return srgb_encode(np.clip(h, 0, 1).astype(np.float32)).astype(np.float64)


def logit_s(u: np.ndarray, p: float, c: float) -> np.ndarray:
    up = np.power(np.clip(u, 0, 1), p)
    return up / (up + c * np.power(np.clip(1 - u, 0, 1), p))


def training_curve(rng: np.random.Generator) -> tuple[str, Curve]:
    kind = rng.choice(["srgb", "gamma", "log", "gamma-s", "srgb-s"], p=[0.3, 0.15, 0.2, 0.2, 0.15])
    g, k = rng.uniform(1.6, 2.8), np.exp(rng.uniform(np.log(4), np.log(400)))
    p, c = rng.uniform(0.8, 1.6), np.exp(rng.uniform(-0.7, 0.7))
    return str(kind), {
        "srgb": srgb_curve,
        "gamma": lambda h: np.clip(h, 0, 1) ** (1 / g),
        "log": lambda h: np.log1p(k * np.clip(h, 0, 1)) / np.log1p(k),
        "gamma-s": lambda h: logit_s(np.clip(h, 0, 1) ** (1 / g), p, c),
        "srgb-s": lambda h: logit_s(srgb_curve(h), p, c),
    }[str(kind)]


def held_out_curve(rng: np.random.Generator) -> Curve:
    """The HDR-CNN sigmoid camera of ``bench_curves.py``, n and σ drawn as there."""
    from bench_curves import camera

    n, s = rng.uniform(0.8, 1.2), rng.uniform(0.3, 1.0)
    return lambda h: camera(h, n, s)


def inverse_knots(curve: Curve) -> np.ndarray:
    code = np.maximum.accumulate(curve(GRID))
    return np.log2(np.interp(KNOTS, code, GRID) + FLOOR)


def linearise(code: np.ndarray, log_knots: np.ndarray) -> np.ndarray:
    lin = np.clip(np.maximum.accumulate(np.exp2(log_knots) - FLOOR), 0, 1)
    x = np.concatenate([[0.0], KNOTS, [1.0]])
    y = np.sqrt(np.concatenate([[0.0], lin, [1.0]]))
    return (np.interp(code, x, y) ** 2).astype(np.float32)


def photograph(h, curve, rng):
    import cv2

    x = np.clip(h, 0, None)
    if rng is not None and rng.random() < 0.7:
        x = x + rng.normal(0, 1, x.shape) * rng.uniform(0, 0.006) * np.sqrt(x + 1e-3)
    code = np.rint(np.clip(curve(np.clip(x, 0, 1)), 0, 1) * 255).astype(np.uint8)
    if rng is not None and rng.random() < 0.5:
        q = int(rng.integers(60, 99))
        code = cv2.imdecode(cv2.imencode(".jpg", code, [cv2.IMWRITE_JPEG_QUALITY, q])[1], 1)
    return code.astype(np.float32) / 255


def features(code: np.ndarray) -> np.ndarray:
    import cv2

    s = 384 / max(code.shape[:2])
    if s < 1:
        code = cv2.resize(
            code, (round(code.shape[1] * s), round(code.shape[0] * s)), interpolation=cv2.INTER_AREA
        )
    c = np.clip(code, 0, 1)
    y = c.mean(2)
    n = y.size
    parts = [np.histogram(y, 32, (0, 1))[0] / n]
    parts += [np.histogram(c[..., i], 16, (0, 1))[0] / n for i in range(3)]
    g = np.hypot(np.diff(y, axis=1)[:-1], np.diff(y, axis=0)[:, :-1]).ravel()
    lv = np.minimum((y[:-1, :-1].ravel() * 16).astype(int), 15)
    cnt = np.bincount(lv, minlength=16)
    prof = np.bincount(lv, g / (g.mean() + 1e-6), 16) / np.maximum(cnt, 1)
    parts.append(np.where(cnt > 0, np.log(prof + 1e-3), -8))
    sat = ((c.max(2) - c.min(2)) / np.maximum(c.max(2), 1e-3)).ravel()
    ly = np.minimum((y.ravel() * 16).astype(int), 15)
    cy = np.bincount(ly, minlength=16)
    parts.append(np.where(cy > 0, np.bincount(ly, sat, 16) / np.maximum(cy, 1), -1))
    parts.append(
        [np.mean(c.max(2) >= 0.999), np.mean(c.max(2) <= 0.02), y.mean(), y.std(), np.median(y)]
    )
    return np.concatenate([np.ravel(p) for p in parts])


def scene(path: Path) -> np.ndarray:
    import cv2

    from hdr_studio.training.data.dataset import read_hdr
    from hdr_studio.training.data.photos import read_photo

    a = read_hdr(path) if path.suffix == ".exr" else srgb_decode(read_photo(path) / np.float32(255))
    a = np.maximum(np.nan_to_num(a), 0)
    s = 640 / max(a.shape[:2])
    return cv2.resize(a, (round(a.shape[1] * s), round(a.shape[0] * s))) if s < 1 else a


def random_crop(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A crop of half to all of ``a``'s size at a random place."""
    h, w = a.shape[:2]
    f = rng.uniform(0.5, 1)
    ch, cw = int(h * f), int(w * f)
    y0, x0 = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
    return a[y0 : y0 + ch, x0 : x0 + cw]


def samples(paths: list[Path], per: int, seed: int):
    rng = np.random.default_rng(seed)
    X, Y, S = [], [], []
    for path in paths:
        a = scene(path)
        for _ in range(per):
            crop = random_crop(a, rng)
            q = rng.uniform(0.995, 0.9999) if rng.random() < 0.15 else rng.uniform(0.85, 0.99)
            crop = crop / (np.quantile(crop.max(2), q) + 1e-6)
            kind, curve = training_curve(rng)
            X.append(features(photograph(crop, curve, rng)))
            Y.append(inverse_knots(curve))
            S.append(kind == "srgb")
    return np.array(X), np.array(Y), np.array(S, np.float64)


def print_rows(rows: dict[str, list[tuple[float, ...]]]) -> None:
    """Table rows of column means: sRGB linearisation, the estimate (with its gain), the
    rest."""
    for family, r in rows.items():
        m = np.array(r).mean(axis=0)
        rest = "".join(f" | {v:.2f}" for v in m[2:])
        print(f"| {family} | {m[0]:.2f} | {m[1]:.2f} ({m[1] - m[0]:+.2f}){rest} |")


def main() -> None:
    from hdr_studio.training import metrics as M
    from hdr_studio.training.data.dataset import read_hdr, render_paths
    from hdr_studio.training.data.photos import photo_paths

    data = Path(os.environ.get("HDR_STUDIO_DATA", ROOT / "data"))
    renders = render_paths(data, "train")
    Xt, Yt, St = samples(renders[:-8] + photo_paths(data, "train"), 120, 1)
    Xv, Yv, Sv = samples(renders[-8:] + photo_paths(data, "val"), 40, 2)
    base = inverse_knots(srgb_curve)
    mean, scale = Xt.mean(0), Xt.std(0) + 1e-4
    A = np.c_[(Xt - mean) / scale, np.ones(len(Xt))]
    B = np.c_[(Xv - mean) / scale, np.ones(len(Xv))]

    def ridge(lam):
        return np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ (Yt - base))

    def logistic(lam):
        w = np.zeros(A.shape[1])
        for _ in range(30):
            p = 1 / (1 + np.exp(-A @ w))
            hess = A.T @ (A * (p * (1 - p))[:, None]) + lam * np.eye(A.shape[1])
            w -= np.linalg.solve(hess, A.T @ (p - St) + lam * w)
        return w

    err = {lam: float(np.mean((B @ ridge(lam) + base - Yv) ** 2)) for lam in (10, 100, 1e3, 1e4)}
    lam = min(err, key=err.get)
    wc, ws = ridge(lam), logistic(lam)
    acc_v = float(np.mean(((B @ ws) > 0) == (Sv > 0.5)))
    print(f"{len(Xt)} training shots, {len(Xv)} validation; ridge λ = {lam:g}")
    print(
        f"validation curve error (log2², mean over knots): always-sRGB "
        f"{np.mean((base - Yv) ** 2):.3f}, estimator {err[lam]:.3f}"
    )
    print(
        f"validation sRGB recognition accuracy {acc_v:.3f} (share of sRGB shots {Sv.mean():.2f})\n"
    )

    rng = np.random.default_rng(20261129)
    rows: dict[str, list[tuple[float, float, float, float]]] = {}
    for path in sorted((data / "evalset" / "hdr").glob("*_truth.exr")):
        truth = read_hdr(path)
        for family, curve in (("sigmoid (held out)", held_out_curve(rng)), ("sRGB", srgb_curve)):
            code = photograph(truth, curve, None)
            x = np.r_[(features(code) - mean) / scale, 1.0]
            p_srgb = float(1 / (1 + np.exp(-x @ ws)))
            est = base if p_srgb >= 0.5 else base + x @ wc
            rows.setdefault(family, []).append(
                (
                    M.pu21_psnr(srgb_decode(code), truth),
                    M.pu21_psnr(linearise(code, est), truth),
                    M.pu21_psnr(linearise(code, inverse_knots(curve)), truth),
                    p_srgb,
                )
            )
    print("| test photos | sRGB linearisation | estimated curve | true curve | mean p(sRGB) |")
    print("|---|---|---|---|---|")
    print_rows(rows)


if __name__ == "__main__":
    main()
