"""The editor's strength: how far a reconstruction goes beyond what was measured. The
amount of extrapolation is the log ratio of the result to the measured (linearised) input;
strength ``s`` scales it: ``s = 1`` is the method's calibrated result, ``0`` the measured
input, ``1.5`` half as much again. Where result and measurement agree (unclipped pixels)
nothing changes, at any strength."""

from __future__ import annotations

import numpy as np

MIN_STRENGTH, MAX_STRENGTH = 0.0, 1.5
_EPS = np.float32(1e-6)


def apply_strength(result: np.ndarray, measured: np.ndarray, strength: float) -> np.ndarray:
    """``measured^(1−s) · result^s`` per channel (the log ratio scaled by ``s``) for linear
    (H, W, 3) float32 images; pixels equal in both are returned as they are."""
    if not MIN_STRENGTH <= strength <= MAX_STRENGTH:
        raise ValueError(f"strength must be in [{MIN_STRENGTH}, {MAX_STRENGTH}], got {strength}")
    if strength == 1.0:
        return result
    m = np.maximum(measured, _EPS)
    r = np.maximum(result, _EPS)
    out = m * np.exp(np.float32(strength) * np.log(r / m))
    return np.where(result == measured, result, out).astype(np.float32, copy=False)


#: Below this light (1 % of white) a gain is not counted as invention: the noise floor of
#: dark pixels would otherwise read as "all invented".
_FLOOR = np.float32(0.01)


def invented_fraction(result: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """(H, W) in [0, 1]: how much of each output pixel's light was invented rather than
    measured — (result − measured) / result on the channel that gained most (0 where the
    output is the measurement, 0.75 where it is four times the measured value); gains in
    pixels darker than 1 % of white count against that floor."""
    gain = np.maximum(result - np.maximum(measured, 0.0), 0.0)
    share = gain / np.maximum(result, _FLOOR)
    return np.clip(share, 0.0, 1.0).max(axis=2).astype(np.float32)


def scaled_spread(spread: np.ndarray, strength: float) -> np.ndarray:
    """The mirror passes' disagreement (stops, at strength 1) at ``strength``: a log ratio
    scaled by ``s`` scales its spread by ``s`` too."""
    return (np.asarray(spread, np.float32) * np.float32(strength)).astype(np.float32, copy=False)
