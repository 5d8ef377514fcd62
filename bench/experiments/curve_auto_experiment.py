"""Can the camera curve be estimated from one 8-bit photo here? (issue #15, part 1) — the
experiment behind the "not shipped" verdict in bench/QUALITY.md.

    HDR_STUDIO_DATA=data .venv/bin/python bench/experiments/curve_auto_experiment.py

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

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "bench"))  # bench_curves

from hdr_studio.core.curve_estimate import features  # noqa: E402  (the shipped statistics)
from hdr_studio.core.transfer import srgb_decode  # noqa: E402
from hdr_studio.training.curve_prior import (  # noqa: E402
    logit_s,
    photograph,
    random_crop,
    scene,
    srgb_curve,
)

KNOTS = np.arange(1, 32, dtype=np.float64) / 32.0
FLOOR = 2.0**-12
GRID = np.linspace(0.0, 1.0, 8193)
Curve = Callable[[np.ndarray], np.ndarray]  # linear H in [0, 1] → code, monotone


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
