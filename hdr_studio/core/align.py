"""Aligning the shots of a hand-held exposure bracket before a camera curve is measured from
them (:mod:`hdr_studio.core.response` needs every pixel to show the same point of the scene
in every shot).

Exposures differ, so the shots are compared as median threshold bitmaps (Ward, "Fast, robust
image registration for compositing high dynamic range photographs from hand-held exposures",
2003): each shot's grey levels split at its own median, which falls on the same scene points
whatever the exposure and the camera curve (any monotone curve keeps the order of levels),
with levels within a few codes of the median left out (noise flips them). The shift is found
coarse to fine on an image pyramid: every shift within a few pixels at the coarsest level,
then ±1 pixel at each finer one; a shift is scored by the fraction of disagreeing bits where
both shots' bits count, over the area they share, so borders do not bias it.

Shots are aligned one to the next in order of exposure (neighbours differ least) and the
shifts add up to the middle shot. Photos above 2 MP are aligned to within the pixel of a
2 MP copy, the grid the curve's samples are drawn on. Integer translation only: a hand-held
bracket fired in a burst mostly translates; a rotation or a moving subject shows in the
fit's residual.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: grey levels this close to a shot's median are left out of the comparison
EXCLUDE = 4
#: the pyramid's coarsest level is at least this many pixels on its short side
COARSEST = 64
#: every shift of up to this fraction of the coarsest level's short side is tried there (at
#: least 2 px): about ±5 % of the short side in all
SEARCH = 0.05
#: shots are compared at this many quantiles (bitmaps) at once
QUANTILES = 3
#: the finest level compared has at most this many pixels (larger photos: a shift to within
#: 2–4 px, finer than the grid the curve's samples are drawn from)
FINEST = 2_000_000


def _grey(shot: np.ndarray) -> np.ndarray:
    import cv2

    if shot.ndim == 3 and shot.dtype == np.uint8:
        return cv2.cvtColor(shot, cv2.COLOR_RGB2GRAY)  # Rec.601 weights, integer: fast
    return shot.astype(np.float32).mean(2) if shot.ndim == 3 else shot.astype(np.float32)


def _thresholds(a: np.ndarray, b: np.ndarray) -> list[tuple[float, float]]:
    """Grey levels that split both shots at the same quantile (the same scene points, as the
    curve is monotone), at quantiles where neither shot is near black or clipping: a bright
    shot's median may be clipped, a dark one's lost in noise."""
    qs = np.linspace(0.1, 0.9, 17)
    ta, tb = np.quantile(a, qs), np.quantile(b, qs)
    room = np.minimum(np.minimum(ta, tb), 255 - np.maximum(ta, tb))
    best = np.argsort(-room, kind="stable")[:QUANTILES]
    return [(float(ta[i]), float(tb[i])) for i in sorted(best) if room[i] > 2 * EXCLUDE] or [
        (float(np.median(a)), float(np.median(b)))
    ]


def _bitmap(grey: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    return grey > threshold, np.abs(grey - threshold) > EXCLUDE


def _pyramid(grey: np.ndarray) -> list[np.ndarray]:
    import cv2

    levels: list[np.ndarray] = [grey.astype(np.float32)]
    while min(levels[-1].shape) >= 2 * COARSEST:
        g = levels[-1]
        levels.append(
            cv2.resize(g, (g.shape[1] // 2, g.shape[0] // 2), interpolation=cv2.INTER_AREA)
        )
    return levels


def _windows(
    shape: tuple[int, int], dx: int, dy: int
) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
    """Where ``a[y, x]`` and ``b[y + dy, x + dx]`` both exist: the slices of a and of b."""
    h, w = shape
    ya, yb = slice(max(0, -dy), min(h, h - dy)), slice(max(0, dy), min(h, h + dy))
    xa, xb = slice(max(0, -dx), min(w, w - dx)), slice(max(0, dx), min(w, w + dx))
    return (ya, xa), (yb, xb)


def _disagreement(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], dx: int, dy: int
) -> float:
    wa, wb = _windows(a[0].shape, dx, dy)
    counted = a[1][wa] & b[1][wb]
    n = int(counted.sum())
    if n < 0.05 * a[0].size:  # too little shared to tell
        return np.inf
    return float(((a[0][wa] ^ b[0][wb]) & counted).sum()) / n


def shift_between(reference: np.ndarray, shot: np.ndarray) -> tuple[int, int]:
    """The integer shift ``(dx, dy)`` with ``shot[y + dy, x + dx]`` showing what
    ``reference[y, x]`` shows (both code levels of the same size, any exposure)."""
    ref, other = _pyramid(_grey(reference)), _pyramid(_grey(shot))
    finest = next(i for i, g in enumerate(ref) if g.size <= FINEST or i == len(ref) - 1)
    splits = _thresholds(ref[finest], other[finest])
    dx = dy = 0
    for level in range(len(ref) - 1, finest - 1, -1):
        pairs = [(_bitmap(ref[level], ta), _bitmap(other[level], tb)) for ta, tb in splits]
        reach = max(2, round(SEARCH * min(ref[level].shape))) if level == len(ref) - 1 else 1
        if level < len(ref) - 1:
            dx, dy = 2 * dx, 2 * dy
        tries = [
            (
                sum(_disagreement(a, b, dx + i, dy + j) for a, b in pairs),
                abs(i) + abs(j),
                dx + i,
                dy + j,
            )
            for j in range(-reach, reach + 1)
            for i in range(-reach, reach + 1)
        ]
        _, _, dx, dy = min(tries)  # ties: the smallest move
    return dx << finest, dy << finest


def align_bracket(
    shots: Sequence[np.ndarray], exposures: Sequence[float]
) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    """``shots`` shifted onto the middle exposure's shot and cropped to the area all of them
    show, with each shot's shift ``(dx, dy)`` in pixels (in the shots' order)."""
    from hdr_studio.core.errors import InputError

    if len({s.shape for s in shots}) > 1:
        raise InputError("the bracket's shots differ in size (they must be the same scene)")
    order = list(np.argsort(np.asarray(exposures, np.float64)))
    middle = len(order) // 2
    shifts: dict[int, tuple[int, int]] = {int(order[middle]): (0, 0)}
    for step in (-1, 1):  # outward from the middle: each shot onto its neighbour
        k = middle + step
        while 0 <= k < len(order):
            nearer = int(order[k - step])
            dx, dy = shift_between(shots[nearer], shots[int(order[k])])
            px, py = shifts[nearer]
            shifts[int(order[k])] = (px + dx, py + dy)
            k += step
    h, w = shots[0].shape[:2]
    left = max(0, *(-dx for dx, _ in shifts.values()))
    right = min(w, *(w - dx for dx, _ in shifts.values()))
    top = max(0, *(-dy for _, dy in shifts.values()))
    bottom = min(h, *(h - dy for _, dy in shifts.values()))
    if right - left < w // 2 or bottom - top < h // 2:
        raise InputError("the bracket's shots overlap by less than half: are they one scene?")
    listed = [shifts[i] for i in range(len(shots))]
    aligned = [
        np.ascontiguousarray(s[top + dy : bottom + dy, left + dx : right + dx])
        for s, (dx, dy) in zip(shots, listed, strict=True)
    ]
    return aligned, listed
