"""Fitting the prior behind ``--curve auto`` (:mod:`hdr_studio.core.curve_estimate`).

Crops of the training scenes (renders, and training photos decoded as sRGB) are photographed
through training curves: sRGB (30 %); sRGB of H^(1/a), a ∈ [0.5, 1.5]; gamma 1/γ,
γ ∈ [1.2, 3]; log(1 + kH)/log(1 + k), k ∈ [4, 400]; a logit S on sRGB of H^(1/a). The HDR-CNN
sigmoid cameras the held-out figure uses (``bench/bench_curves.py``) are not among them. A
ridge regression learns the exponent e of ``srgb_decode(code) ** e`` that best fits each
curve. Ridge strength and shrink toward sRGB are chosen on the validation scenes through the
same curves: the setting that gains most on the non-sRGB shots while plain sRGB shots lose at
most ``SRGB_LIMIT_DB`` (the issue's limit: the estimate must recognise sRGB).

    hdr-studio curve-prior [--data DIR] [--ship DIR]

About a minute and a half on 2 cores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdr_studio.core.curve_estimate import CurvePrior, features, save_prior
from hdr_studio.core.transfer import srgb_decode, srgb_encode

Curve = Callable[[np.ndarray], np.ndarray]  # linear H in [0, 1] → code, monotone
KNOTS = np.arange(1, 32, dtype=np.float64) / 32.0
GRID = np.linspace(0.0, 1.0, 8193)
SRGB_LIMIT_DB = 0.3
RIDGES = (1e3, 1e4, 1e5)
SHRINKS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
PER_TRAINING_SCENE = 40
PER_VALIDATION_SCENE = 6


def srgb_curve(h: np.ndarray) -> np.ndarray:
    return srgb_encode(np.clip(h, 0, 1).astype(np.float32)).astype(np.float64)


def logit_s(u: np.ndarray, p: float, c: float) -> np.ndarray:
    up = np.power(np.clip(u, 0, 1), p)
    return up / (up + c * np.power(np.clip(1 - u, 0, 1), p))


def training_curve(rng: np.random.Generator) -> tuple[str, Curve]:
    kind = str(rng.choice(["srgb", "srgb-pow", "gamma", "log", "s"], p=[0.3, 0.25, 0.15, 0.1, 0.2]))
    a, g = rng.uniform(0.5, 1.5), rng.uniform(1.2, 3.0)
    k = np.exp(rng.uniform(np.log(4), np.log(400)))
    p, c = rng.uniform(0.8, 1.6), np.exp(rng.uniform(-0.7, 0.7))
    curves: dict[str, Curve] = {
        "srgb": srgb_curve,
        "srgb-pow": lambda h: srgb_curve(np.clip(h, 0, 1) ** (1 / a)),
        "gamma": lambda h: np.clip(h, 0, 1) ** (1 / g),
        "log": lambda h: np.log1p(k * np.clip(h, 0, 1)) / np.log1p(k),
        "s": lambda h: logit_s(srgb_curve(np.clip(h, 0, 1) ** (1 / a)), p, c),
    }
    return kind, curves[kind]


def best_exponent(curve: Curve) -> float:
    """e minimising Σ (e·log srgb_decode(c) − log curve⁻¹(c))² over 31 code values."""
    x = np.log2(srgb_decode(KNOTS.astype(np.float32)).astype(np.float64))
    code = np.maximum.accumulate(curve(GRID))
    y = np.log2(np.interp(KNOTS, code, GRID) + 2.0**-12)
    return float((x * y).sum() / (x * x).sum())


def photograph(h: np.ndarray, curve: Curve, rng: np.random.Generator | None) -> np.ndarray:
    """Linear ``h`` through ``curve`` as an 8-bit photo's code values; with ``rng``, sensor
    noise (70 % of shots) and JPEG at quality 60–98 (half of them)."""
    import cv2

    x = np.clip(h, 0, None)
    if rng is not None and rng.random() < 0.7:
        x = x + rng.normal(0, 1, x.shape) * rng.uniform(0, 0.006) * np.sqrt(x + 1e-3)
    code = np.rint(np.clip(curve(np.clip(x, 0, 1)), 0, 1) * 255).astype(np.uint8)
    if rng is not None and rng.random() < 0.5:
        q = int(rng.integers(60, 99))
        decoded = cv2.imdecode(cv2.imencode(".jpg", code, [cv2.IMWRITE_JPEG_QUALITY, q])[1], 1)
        if decoded is None:
            raise RuntimeError("JPEG decoding failed")
        code = decoded
    return code.astype(np.float32) / 255


def scene(path: Path) -> np.ndarray:
    """A scene's linear light, at most 640 px wide: an EXR render, or a photo decoded as
    sRGB."""
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


@dataclass
class Shots:
    features: np.ndarray  # (N, F)
    exponents: np.ndarray  # (N,) the best exponent of each shot's curve
    srgb: np.ndarray  # (N,) bool: shot through plain sRGB
    kept: list[tuple[np.ndarray, np.ndarray]]  # (linear, code) at half size, when asked


def shots(paths: list[Path], per: int, seed: int, keep: bool = False) -> Shots:
    rng = np.random.default_rng(seed)
    X, Y, S, kept = [], [], [], []
    for path in paths:
        a = scene(path)
        for _ in range(per):
            crop = random_crop(a, rng)
            crop = crop / (np.quantile(crop.max(2), rng.uniform(0.85, 0.99)) + 1e-6)
            kind, curve = training_curve(rng)
            code = photograph(crop, curve, rng)
            X.append(features(code))
            Y.append(best_exponent(curve))
            S.append(kind == "srgb")
            if keep:
                kept.append((crop[::2, ::2], code[::2, ::2]))
    return Shots(np.array(X), np.array(Y), np.array(S, bool), kept)


@dataclass
class Setting:
    ridge: float
    shrink: float
    gain_other: float  # PU21 change on validation's non-sRGB shots, dB
    gain_srgb: float  # and on its plain sRGB shots
    rmse: float = 0.0  # the unshrunk exponent's error on validation


def fit(
    data: Path,
    log: Callable[[str], None] = print,
    ridges: tuple[float, ...] = RIDGES,
    shrinks: tuple[float, ...] = SHRINKS,
    limit: float | None = SRGB_LIMIT_DB,
) -> tuple[CurvePrior, list[Setting], Setting]:
    """Fit on the training scenes, choose on the validation scenes; the prior, every setting
    tried and the chosen one: the most gain on non-sRGB shots with sRGB shots losing at most
    ``limit`` dB (shrink 0, plain sRGB, when none does; ``None``: no limit)."""
    from hdr_studio.training import metrics as M
    from hdr_studio.training.data.dataset import render_paths
    from hdr_studio.training.data.photos import photo_paths

    train = render_paths(data, "train") + photo_paths(data, "train")
    val = render_paths(data, "val") + photo_paths(data, "val")
    if not train or not val:
        raise FileNotFoundError(f"{data}: no training or validation scenes (hdr-studio data all)")
    t = shots(train, PER_TRAINING_SCENE, 1)
    v = shots(val, PER_VALIDATION_SCENE, 2, keep=True)
    log(f"{len(t.exponents)} training shots of {len(train)} scenes, {len(v.kept)} validation")
    mean, scale = t.features.mean(0), t.features.std(0) + 1e-6
    A = np.c_[(t.features - mean) / scale, np.ones(len(t.features))]
    B = np.c_[(v.features - mean) / scale, np.ones(len(v.features))]

    def pu21(es: np.ndarray, which: np.ndarray) -> float:
        pairs = [(hc, e) for hc, e, w in zip(v.kept, es, which, strict=True) if w]
        return float(np.mean([M.pu21_psnr(srgb_decode(c) ** e, h) for (h, c), e in pairs]))

    ones = np.ones(len(v.kept))
    base_other, base_srgb = pu21(ones, ~v.srgb), pu21(ones, v.srgb)
    settings, weights = [], {}
    for lam in ridges:
        reg = lam * np.eye(A.shape[1])
        reg[-1, -1] = 0.0  # the bias is not shrunk
        w = np.linalg.solve(A.T @ A + reg, A.T @ t.exponents)
        weights[lam] = w
        raw = B @ w
        rmse = float(np.sqrt(np.mean((raw - v.exponents) ** 2)))
        for shrink in shrinks:
            es = np.clip(1 + shrink * (raw - 1), 0.5, 1.5)
            gains = pu21(es, ~v.srgb) - base_other, pu21(es, v.srgb) - base_srgb
            s = Setting(lam, shrink, *gains, rmse)
            settings.append(s)
            log(f"ridge {lam:g} shrink {shrink}: {s.gain_other:+.2f} / {s.gain_srgb:+.2f} dB")
    within = [s for s in settings if limit is None or s.gain_srgb >= -limit]
    chosen = max(within, key=lambda s: s.gain_other) if within else Setting(ridges[0], 0, 0, 0)
    prior = CurvePrior(mean, scale, weights[chosen.ridge], chosen.shrink)
    return prior, settings, chosen


def card(settings: list[Setting], chosen: Setting, data: Path) -> str:
    listed = settings if chosen in settings else [*settings, chosen]  # shrink 0: sRGB
    rows = "\n".join(
        f"| {s.ridge:g} | {s.shrink} | {s.gain_other:+.2f} | {s.gain_srgb:+.2f} |"
        + (" chosen |" if s is chosen else " |")
        for s in listed
    )
    return f"""# Curve prior (`--curve auto`)

What it is: a ridge regression from a photo's tonal statistics to the exponent e of
`srgb_decode(code) ** e`, shrunk toward sRGB. `--curve auto` uses it only where no curve is
kept for the photo's camera. **An option, not the default**: one photo says little about its
curve (bench/QUALITY.md, "Why one photo says little about its curve"); a measured curve does
far better.

Fitted by `hdr-studio curve-prior` on crops of the training scenes of `{data.name}/` through
training curves (sRGB; sRGB of H^(1/a); gamma; log; a logit S). Ridge and shrink chosen on
the validation scenes through the same curves: the most gain on non-sRGB shots with plain
sRGB shots losing at most {SRGB_LIMIT_DB} dB. Held-out figures: bench/QUALITY.md,
"`--curve auto`".

| ridge | shrink | Δ PU21, other curves (dB) | Δ PU21, sRGB shots (dB) | |
|---|---|---|---|---|
{rows}
"""


def ship(data: Path, folder: Path, log: Callable[[str], None] = print) -> Path:
    """Fit and write ``curve_prior.safetensors`` and its card ``curve_prior.md`` into
    ``folder``; the weights' path."""
    prior, settings, chosen = fit(data, log)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "curve_prior.safetensors"
    meta = {"ridge": repr(chosen.ridge), "validation_gain_db": f"{chosen.gain_other:+.3f}"}
    save_prior(prior, path, {**meta, "validation_srgb_db": f"{chosen.gain_srgb:+.3f}"})
    (folder / "curve_prior.md").write_text(card(settings, chosen, data))
    log(
        f"chosen: ridge {chosen.ridge:g}, shrink {chosen.shrink} "
        f"({chosen.gain_other:+.2f} / {chosen.gain_srgb:+.2f} dB on validation); wrote {path}"
    )
    return path
