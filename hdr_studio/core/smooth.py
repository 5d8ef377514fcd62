"""Smoothing values that live on a mask's pixels only (numpy + OpenCV, no Qt, no torch).

:func:`smooth_in_mask` is a normalised Gaussian convolution restricted to the mask: each
masked pixel gets the Gaussian-weighted mean of the values at the masked pixels around it;
pixels outside the mask neither contribute nor receive. It works on a grid coarse enough
that the Gaussian spans a few cells (values binned to the grid, blurred there, read back by
bilinear interpolation), so its cost does not grow with the blur's width and its memory is
the grid's plus the masked pixels' — a wide blur of a 24 MP picture's clipped areas takes
milliseconds.
"""

from __future__ import annotations

import numpy as np

#: Grid cells per Gaussian sigma: fine enough that binning and bilinear reading change the
#: result little (the blur is wide), coarse enough to be cheap.
CELLS_PER_SIGMA = 4.0


def smooth_in_mask(mask: np.ndarray, values: np.ndarray, sigma: float) -> np.ndarray:
    """The Gaussian-weighted mean (``sigma`` in pixels) of ``values`` over the pixels of
    ``mask`` around each of them. ``mask``: (H, W) bool; ``values``: (N, C) float32, one row
    per masked pixel in row-major order (``a[mask]``). Returns (N, C) float32."""
    import cv2

    values = np.asarray(values, np.float32)
    if mask.ndim != 2 or values.ndim != 2 or values.shape[0] != int(np.count_nonzero(mask)):
        raise ValueError("values must hold one row per pixel of the mask")
    if sigma < 0:
        raise ValueError(f"sigma must be ≥ 0, got {sigma}")
    n, c = values.shape
    if n == 0 or sigma <= 0.25:
        return values.copy()
    h, w = mask.shape
    f = min(1.0, CELLS_PER_SIGMA / sigma)  # grid cells per pixel
    gh, gw = max(1, round(h * f)), max(1, round(w * f))
    ys, xs = np.nonzero(mask)
    cell = np.minimum(ys * gh // h, gh - 1) * gw + np.minimum(xs * gw // w, gw - 1)
    grid = np.empty((gh, gw, c + 1), np.float32)
    for k in range(c):
        grid[..., k] = np.bincount(cell, values[:, k], gh * gw).reshape(gh, gw)
    grid[..., c] = np.bincount(cell, None, gh * gw).reshape(gh, gw)
    grid = cv2.GaussianBlur(grid, (0, 0), sigmaX=sigma * gw / w, sigmaY=sigma * gh / h)
    # Read back bilinearly, cell centres at (i + 0.5) / f − 0.5 in pixels (on a full-size
    # grid that is each pixel's own cell).
    gy = np.clip((ys + 0.5) * (gh / h) - 0.5, 0, gh - 1)
    gx = np.clip((xs + 0.5) * (gw / w) - 0.5, 0, gw - 1)
    y0, x0 = np.floor(gy).astype(np.intp), np.floor(gx).astype(np.intp)
    y1, x1 = np.minimum(y0 + 1, gh - 1), np.minimum(x0 + 1, gw - 1)
    ty, tx = (gy - y0).astype(np.float32)[:, None], (gx - x0).astype(np.float32)[:, None]
    picked = (grid[y0, x0] * (1 - ty) + grid[y1, x0] * ty) * (1 - tx) + (
        grid[y0, x1] * (1 - ty) + grid[y1, x1] * ty
    ) * tx
    weight = picked[:, c : c + 1]
    return np.where(weight > 1e-12, picked[:, :c] / np.maximum(weight, 1e-12), values)
