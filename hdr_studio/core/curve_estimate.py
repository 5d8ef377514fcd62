"""The camera curve estimated from one photo (``--curve auto`` where no curve is kept for the
photo's camera): a learned prior on the exponent e of ``srgb_decode(code) ** e``.

One photo says little about its curve: a contrastier scene through a flatter curve gives the
same code values (the exponential ambiguity, bench/QUALITY.md), so the estimate is a prior
learned from tonal statistics, shrunk toward sRGB so that plain sRGB photos lose at most
0.3 dB (the limit it was chosen under on validation). It is an option, never the default: a
measured curve (from a bracket, kept per camera) is what linearises a camera's JPEGs well.

The prior (feature mean and scale, ridge weights, shrink and bounds) ships as a safetensors
file fitted by ``hdr-studio curve-prior`` (:mod:`hdr_studio.training.curve_prior`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdr_studio.core.curve import TABLE_SIZE, InverseCurve
from hdr_studio.core.errors import InputError

#: The side the photo is reduced to before its statistics are taken.
SIDE = 384
#: How many statistics :func:`features` gives.
FEATURE_COUNT = 117
#: Where the shipped prior lives inside the package's resources.
PRIOR_PARTS = ("curves", "curve_prior.safetensors")


def features(code: np.ndarray) -> np.ndarray:
    """Tonal statistics a tone curve bends, of an ``(H, W, 3)`` photo's code values in 0…1:
    luminance and per-channel histograms, edge strength per brightness level (it follows the
    curve's slope in log light where scene contrast does not depend on level), saturation per
    level, clipped and crushed shares, mean, spread and median. float64, ``FEATURE_COUNT``
    values."""
    import cv2

    c = np.clip(np.asarray(code, np.float32), 0.0, 1.0)
    s = SIDE / max(c.shape[:2])
    if s < 1:
        size = (max(1, round(c.shape[1] * s)), max(1, round(c.shape[0] * s)))
        c = np.clip(cv2.resize(c, size, interpolation=cv2.INTER_AREA), 0.0, 1.0)
    y = c.mean(2)
    n = y.size
    parts: list[np.ndarray | list[float]] = [np.histogram(y, 32, (0, 1))[0] / n]
    parts += [np.histogram(c[..., i], 16, (0, 1))[0] / n for i in range(3)]
    g = np.hypot(np.diff(y, axis=1)[:-1], np.diff(y, axis=0)[:, :-1]).ravel()
    level = np.minimum((y[:-1, :-1].ravel() * 16).astype(int), 15)
    count = np.bincount(level, minlength=16)
    mean_g = float(g.mean()) if g.size else 0.0  # a photo one pixel high or wide has none
    profile = np.bincount(level, g / (mean_g + 1e-6), 16) / np.maximum(count, 1)
    parts.append(np.where(count > 0, np.log(profile + 1e-3), -8))
    sat = ((c.max(2) - c.min(2)) / np.maximum(c.max(2), 1e-3)).ravel()
    ly = np.minimum((y.ravel() * 16).astype(int), 15)
    cy = np.bincount(ly, minlength=16)
    parts.append(np.where(cy > 0, np.bincount(ly, sat, 16) / np.maximum(cy, 1), -1))
    parts.append(
        [
            float(np.mean(c.max(2) >= 0.999)),
            float(np.mean(c.max(2) <= 0.02)),
            float(y.mean()),
            float(y.std()),
            float(np.median(y)),
        ]
    )
    return np.concatenate([np.ravel(np.asarray(p, np.float64)) for p in parts])


@dataclass(frozen=True)
class CurvePrior:
    """Ridge regression from :func:`features` to the exponent, and how far to trust it."""

    mean: np.ndarray  # feature means of the training photos
    scale: np.ndarray  # and their spreads
    weights: np.ndarray  # ridge weights on the standardised features, the bias last
    shrink: float  # the estimate is 1 + shrink · (prediction − 1)
    low: float = 0.5  # bounds of the exponent
    high: float = 1.5

    def exponent(self, code: np.ndarray) -> float:
        x = np.r_[(features(code) - self.mean) / self.scale, 1.0]
        raw = float(x @ self.weights)
        return float(np.clip(1.0 + self.shrink * (raw - 1.0), self.low, self.high))

    def tensors(self) -> tuple[dict[str, np.ndarray], dict[str, str]]:
        """What :func:`save_prior` writes: arrays and text metadata."""
        arrays = {"mean": self.mean, "scale": self.scale, "weights": self.weights}
        meta = {"shrink": repr(self.shrink), "low": repr(self.low), "high": repr(self.high)}
        return {k: np.ascontiguousarray(v, np.float64) for k, v in arrays.items()}, meta


def save_prior(prior: CurvePrior, path: Path, metadata: dict[str, str] | None = None) -> None:
    from safetensors.numpy import save_file

    arrays, meta = prior.tensors()
    save_file(arrays, str(path), metadata={**(metadata or {}), **meta})


def load_prior(path: Path) -> CurvePrior:
    """The prior in ``path`` (safetensors); a one-line error when it is not one."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in ("mean", "scale", "weights")}
        prior = CurvePrior(
            arrays["mean"],
            arrays["scale"],
            arrays["weights"],
            float(meta["shrink"]),
            float(meta.get("low", 0.5)),
            float(meta.get("high", 1.5)),
        )
    except Exception as exc:  # safetensors raises an error type of its own
        raise InputError(f"curve prior {path.name}: not readable ({exc})") from None
    if not (prior.mean.shape == prior.scale.shape and prior.weights.size == prior.mean.size + 1):
        raise InputError(f"curve prior {path.name}: its arrays do not fit together")
    if prior.mean.size != FEATURE_COUNT:
        raise InputError(f"curve prior {path.name}: made for other statistics than these")
    return prior


def prior_path() -> Path:
    from hdr_studio.core.resources import package_resource

    return package_resource(*PRIOR_PARTS)


@functools.cache
def shipped_prior() -> CurvePrior:
    return load_prior(prior_path())


def estimated_curve(code: np.ndarray, prior: CurvePrior | None = None) -> InverseCurve:
    """The inverse response estimated for a photo with sRGB-declared code values ``code``:
    ``srgb_decode(code) ** e``, monotone, 0 → 0 and 1 → 1, named after its exponent."""
    from hdr_studio.core.transfer import srgb_decode

    e = (prior or shipped_prior()).exponent(code)
    table = srgb_decode(np.linspace(0.0, 1.0, TABLE_SIZE, dtype=np.float32)) ** np.float32(e)
    return InverseCurve(f"estimated from the photo: sRGB^{e:.3f}", table.astype(np.float32))
