"""A camera's inverse response measured from an exposure bracket (Debevec & Malik, SIGGRAPH
1997, "Recovering high dynamic range radiance maps from photographs").

One photo cannot tell its camera's curve (bench/QUALITY.md, "Why one photo says little about
its curve"); two or more shots of the same still scene at known exposures can. A pixel of
radiance E shot for exposure t gives code Z = f(E·t), so with g = ln f⁻¹,
``g(Z) = ln E + ln t``: every pixel seen in several shots constrains the differences of g
between the codes it took. The least-squares solve over 256 code levels and a sample of
pixels, with a hat weight that trusts mid-tones over the clipped ends and a smoothness term
on g'', gives g up to a constant; the table is normalised to 0 → 0, 1 → 1 as every
:class:`~hdr_studio.core.curve.InverseCurve` is.

One curve for all three channels (the form ``--curve`` takes), fitted to the samples of all
three. The shots must be aligned (a tripod, or :mod:`hdr_studio.core.align` first); pixels
are sampled where the middle shot is smooth, so a pixel or two of shift barely matters, and
the fit's residual says when shots do not match. Readings that disagree with the rest (a
subject that moved between the shots) are discounted by robust refits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hdr_studio.core.curve import InverseCurve, curve_from_samples
from hdr_studio.core.errors import InputError

LEVELS = 256
#: smallest exposure ratio between the darkest and brightest shot (⅔ EV)
MIN_RATIO = 2 ** (2 / 3)
#: a shot's pixel whose brightest channel reaches this level, or lies within ``NEAR``
#: pixels of one, is not used: it may be clipped, or carry a clipped neighbour's JPEG error
CLIP_LEVEL = 250
#: the levels read unclipped at least ``MIN_READINGS`` times must span ``MIN_SPAN`` levels
#: and reach ``MIN_TOP``: the curve's top is normalised to 1, so it must be measured near it
MIN_READINGS = 5
MIN_SPAN = 128
MIN_TOP = 160
#: shots larger than this many pixels are sampled on a strided grid of about this size
SAMPLE_PIXELS = 2_000_000
NEAR = 4
#: robust refits: a reading this many code levels off the fit counts 1/√2 (Cauchy weights)
ROBUST_CODES = 8.0
#: refits that discount readings which disagree with the rest (something moved)
ROBUST_PASSES = 8


@dataclass(frozen=True)
class ResponseFit:
    """A measured inverse response and how well the bracket agreed with it."""

    curve: InverseCurve
    samples: int  # sample pixels × channels used
    residual: float  # RMS of the fit's data terms in stops (log2 units), weighted
    exposures: tuple[float, ...]  # the shots' relative exposures in their order, brightest 1
    levels: tuple[int, int] = (0, 255)  # the lowest and highest code level it measured


def _hat(z: np.ndarray) -> np.ndarray:
    """Debevec–Malik's weight: 0 at the ends (clipped, crushed), highest in the mid-tones."""
    return np.minimum(z, LEVELS - 1 - z).astype(np.float64)


def _near_clip(shot: np.ndarray) -> np.ndarray:
    """Pixels within ``NEAR`` pixels of one whose brightest channel reaches ``CLIP_LEVEL``:
    a JPEG spreads a clipped area's error (ringing, shared chroma) into its neighbours."""
    import cv2

    clipped = (shot.max(2) >= CLIP_LEVEL).astype(np.uint8)
    return cv2.dilate(clipped, np.ones((2 * NEAR + 1, 2 * NEAR + 1), np.uint8)).astype(bool)


def _sample(
    shots: list[np.ndarray], per_level: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Code levels (samples, shots) of pixels where the middle shot is smooth, spread evenly
    over that shot's code levels, each channel a sample of its own; and whether each shot's
    reading of it can be trusted (not at or near clipping)."""
    mid = shots[len(shots) // 2]
    y = mid.astype(np.float64).mean(2)
    grad = np.zeros_like(y)
    grad[1:-1, 1:-1] = np.maximum(
        np.abs(y[1:-1, 2:] - y[1:-1, :-2]), np.abs(y[2:, 1:-1] - y[:-2, 1:-1])
    )
    grad[[0, -1], :] = np.inf
    grad[:, [0, -1]] = np.inf
    smooth = grad <= np.quantile(grad[np.isfinite(grad)], 0.5)
    trusted = np.stack([~_near_clip(s).ravel() for s in shots], 1)
    candidates = rng.permutation(np.flatnonzero(smooth))  # shuffled: a random pick per bin
    flat = [s.reshape(-1, 3) for s in shots]
    picked: list[np.ndarray] = []
    ok: list[np.ndarray] = []
    for c in range(3):
        for by in flat:  # bins of every shot's levels: the bracket's whole range is met
            bins = by[candidates, c] // 4  # 64 bins of 4 code levels
            order = np.argsort(bins, kind="stable")
            sorted_bins = bins[order]
            rank = np.arange(len(order)) - np.searchsorted(sorted_bins, sorted_bins)
            take = candidates[order[rank < per_level]]
            if take.size:
                picked.append(np.stack([f[take, c] for f in flat], 1))
                ok.append(trusted[take])
    if not picked:
        raise InputError("the bracket has no smooth areas to measure the curve from")
    return np.concatenate(picked).astype(np.int64), np.concatenate(ok)


def _solve(z: np.ndarray, w: np.ndarray, log_t: np.ndarray, smoothness: float) -> np.ndarray:
    """g at the 256 levels: the least-squares solution of ``w·(g(z) − ln E − ln t) = 0``
    for every sample and shot, ``λ·w·g'' = 0`` and ``g(255) = 0``. Each sample's ln E
    appears in its own rows only, so it is eliminated in closed form (a Schur complement:
    for each sample, ``w_i² w_j² / Σw²`` off the levels ``z_i``, ``z_j`` it read) and a
    256 × 256 system is left."""
    w2 = w**2
    d = w2.sum(1)
    share = w2 / d[:, None]
    m = np.zeros((LEVELS, LEVELS))
    np.add.at(m, (z.ravel(), z.ravel()), w2.ravel())
    pairs = (*z.shape, z.shape[1])  # (sample, level read i, level read j)
    rows = np.broadcast_to(z[:, :, None], pairs).ravel()
    cols = np.broadcast_to(z[:, None, :], pairs).ravel()
    np.add.at(m, (rows, cols), -(share[:, :, None] * w2[:, None, :]).ravel())
    rhs = np.bincount(z.ravel(), (w2 * log_t).ravel(), LEVELS)
    rhs -= np.bincount(z.ravel(), (share * (w2 * log_t).sum(1)[:, None]).ravel(), LEVELS)
    levels = np.arange(1, LEVELS - 1)
    second = np.zeros((LEVELS - 2, LEVELS))
    ws = smoothness * (_hat(levels) + 1.0)  # +1: the ends are extrapolated smoothly
    second[levels - 1, levels - 1] = ws
    second[levels - 1, levels] = -2 * ws
    second[levels - 1, levels + 1] = ws
    m += second.T @ second
    m[LEVELS - 1, LEVELS - 1] += 1.0  # g(255) = 0: the white point
    return np.linalg.solve(m, rhs)


def _checked_exposures(shots: Sequence[np.ndarray], exposures: Sequence[float]) -> np.ndarray:
    """The exposures as float64, after the checks a bracket must pass (one-line
    :class:`InputError` otherwise)."""
    if len(shots) < 2 or len(shots) != len(exposures):
        raise InputError("measuring a camera curve needs two or more shots with their exposures")
    shape = shots[0].shape
    if any(s.shape != shape for s in shots) or len(shape) != 3 or shape[2] != 3:
        raise InputError(
            "the bracket's shots differ in size (they must be the same scene, aligned)"
        )
    t = np.asarray(exposures, np.float64)
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise InputError("exposures must be positive numbers")
    if t.max() / t.min() < MIN_RATIO:
        raise InputError(
            f"the shots' exposures span {np.log2(t.max() / t.min()):.2f} EV; a curve needs "
            "a bracket of at least 2/3 EV"
        )
    return t


def _robust_solve(
    z: np.ndarray, w: np.ndarray, log_t: np.ndarray, smoothness: float, robust: int
) -> np.ndarray:
    """The curve (ln light per code level): solved, then refitted ``robust`` times with the
    readings far from the fit (in code levels) discounted by a Cauchy weight."""
    trust = np.ones_like(w)  # 1, or less for readings that disagree with the rest (robust)
    g = np.empty(0)  # solved below at least once
    for refit in range(1 + robust):
        try:
            g = _solve(z, w * trust, log_t, smoothness)
        except np.linalg.LinAlgError:
            raise InputError(
                "the bracket does not determine a curve (too little overlap)"
            ) from None
        if not np.all(np.isfinite(g)):
            raise InputError("the bracket does not determine a curve (too little overlap)")
        if refit == robust:
            break
        wt2 = (w * trust) ** 2
        e = (wt2 * (g[z] - log_t[None, :])).sum(1) / np.maximum(wt2.sum(1), 1e-12)
        slope = np.maximum(np.gradient(g), 1e-4)  # ln light per code level
        r = (g[z] - e[:, None] - log_t[None, :]) / (ROBUST_CODES * slope[z])
        trust = 1.0 / np.sqrt(1.0 + r**2)  # Cauchy: w² scaled by 1 / (1 + r²)
    return g


def measure_response(
    shots: Sequence[np.ndarray],
    exposures: Sequence[float],
    smoothness: float = 100.0,
    per_level: int = 12,
    seed: int = 0,
    robust: int = ROBUST_PASSES,
) -> ResponseFit:
    """The inverse response from ``shots`` (integer code levels 0…255, (H, W, 3) each, the
    same still scene) taken at relative ``exposures`` (shutter time × gain, any unit).
    ``robust`` refits discount readings far from the fit (in code levels, so the noisy
    darks are not discounted for their large log errors): a subject that moved between the
    shots then barely bends the curve. The residual weighs every reading by the hat weight
    alone, so it still says when shots differ. One-line :class:`InputError` for a bracket it cannot
    measure."""
    t = _checked_exposures(shots, exposures)
    shape = shots[0].shape
    exposures_out = tuple(float(v) for v in t / t.max())  # in the shots' order
    order = np.argsort(t)
    # a strided subset (no averaging: that would mix code values) is plenty to sample from
    step = max(1, int(np.ceil(np.sqrt(shape[0] * shape[1] / SAMPLE_PIXELS))))
    shots = [
        np.asarray(shots[i])[::step, ::step].clip(0, LEVELS - 1).astype(np.int16) for i in order
    ]
    t = t[order] / t[order].max()
    z, trusted = _sample(shots, per_level, np.random.default_rng(seed))
    w = _hat(z) * trusted
    useful = (w > 0).sum(1) >= 2  # seen unclipped in two shots at least
    z, w = z[useful], w[useful]
    if len(z) < 50:
        raise InputError("the shots share too few unclipped pixels to measure a curve")
    seen = np.flatnonzero(np.bincount(z[w > 0], minlength=LEVELS) >= MIN_READINGS)
    low, high = (int(seen[0]), int(seen[-1])) if seen.size else (LEVELS, -1)
    if high - low < MIN_SPAN or high < MIN_TOP:
        raise InputError(
            "the bracket's shots measure too little of the tonal range "
            f"(codes {max(low, 0)}–{max(high, 0)} of 255): add a brighter or darker shot"
        )
    log_t = np.log(t)
    g = _robust_solve(z, w, log_t, smoothness, robust)
    e = ((w**2) * (g[z] - log_t[None, :])).sum(1) / (w**2).sum(1)  # each sample's ln E
    data = w * (g[z] - e[:, None] - log_t[None, :])
    residual = float(np.sqrt((data**2).sum() / (w**2).sum()) / np.log(2))
    linear = np.maximum.accumulate(np.exp(g - g.max()))
    linear[0] = 0.0  # black is black; the next levels keep their measured light
    curve = curve_from_samples("measured", np.arange(LEVELS) / (LEVELS - 1.0), linear)
    return ResponseFit(curve, len(z), residual, exposures_out, (low, high))
