"""Smoothing values on a mask's pixels (core.smooth) and the fill that uses it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from hdr_studio.core.smooth import smooth_in_mask


def _direct(mask: np.ndarray, values: np.ndarray, sigma: float) -> np.ndarray:
    """The same normalised convolution at full resolution, the slow way."""
    full = np.zeros((*mask.shape, values.shape[1] + 1), np.float32)
    full[mask, :-1] = values
    full[mask, -1] = 1
    blurred = cv2.GaussianBlur(full, (0, 0), sigma, borderType=cv2.BORDER_REFLECT_101)[mask]
    return blurred[:, :-1] / blurred[:, -1:]


def test_matches_a_full_resolution_normalised_convolution():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:240, 0:320]
    mask = ((yy - 100) ** 2 + (xx - 150) ** 2 < 70**2) | ((yy > 200) & (xx < 60))
    values = (np.sin(xx[mask] / 15.0)[:, None] + rng.normal(0, 0.5, (mask.sum(), 2))).astype(
        np.float32
    )
    for sigma in (2.0, 10.0):
        got = smooth_in_mask(mask, values, sigma)
        want = _direct(mask, values, sigma)
        assert np.abs(got - want).mean() < 0.05 * np.abs(want - want.mean()).mean() + 0.02
        assert got.std() < values.std()  # it did smooth


def test_constant_stays_constant_and_far_pixels_do_not_reach():
    mask = np.zeros((100, 400), bool)
    mask[40:60, 10:40] = True
    mask[40:60, 340:370] = True
    values = np.ones((mask.sum(), 3), np.float32)
    np.testing.assert_allclose(smooth_in_mask(mask, values, 5.0), 1.0, rtol=1e-5)
    left = np.nonzero(mask)[1] < 200
    values[~left] = 10.0  # the right patch, 300 px = 60 sigma away
    got = smooth_in_mask(mask, values, 5.0)
    np.testing.assert_allclose(got[left], 1.0, rtol=1e-4)
    np.testing.assert_allclose(got[~left], 10.0, rtol=1e-4)


def test_degenerate_and_bad_input():
    mask = np.zeros((8, 8), bool)
    assert smooth_in_mask(mask, np.zeros((0, 3), np.float32), 3.0).shape == (0, 3)
    mask[2, 2] = True
    v = np.array([[1.0, 2.0, 3.0]], np.float32)
    np.testing.assert_array_equal(smooth_in_mask(mask, v, 0.0), v)
    with pytest.raises(ValueError, match="one row per pixel"):
        smooth_in_mask(mask, np.zeros((2, 3), np.float32), 3.0)
    with pytest.raises(ValueError, match="sigma"):
        smooth_in_mask(mask, v, -1.0)


def _four_taps(mask: np.ndarray, values: np.ndarray, sigma: float) -> np.ndarray:
    """The grid blur read back with the plain bilinear formula, four cells per pixel."""
    h, w = mask.shape
    c = values.shape[1]
    f = min(1.0, 4.0 / sigma)
    gh, gw = max(1, round(h * f)), max(1, round(w * f))
    ys, xs = np.nonzero(mask)
    cell = np.minimum(ys * gh // h, gh - 1) * gw + np.minimum(xs * gw // w, gw - 1)
    grid = np.empty((gh, gw, c + 1), np.float32)
    for k in range(c):
        grid[..., k] = np.bincount(cell, values[:, k], gh * gw).reshape(gh, gw)
    grid[..., c] = np.bincount(cell, None, gh * gw).reshape(gh, gw)
    grid = cv2.GaussianBlur(grid, (0, 0), sigmaX=sigma * gw / w, sigmaY=sigma * gh / h)
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


@pytest.mark.parametrize("sigma", [0.3, 1.0, 3.9, 7.3, 40.0, 900.0])
def test_the_separable_read_back_gives_the_four_tap_values_exactly(sigma):
    """The grid is interpolated row by row, then along each row: the same float operations
    in the same order as the four-tap formula, so the same values to the bit."""
    rng = np.random.default_rng(int(sigma * 10))
    for h, w, density, c in ((97, 131, 0.3, 3), (240, 64, 0.02, 2), (1, 50, 0.9, 1)):
        mask = rng.random((h, w)) < density
        values = (rng.random((int(mask.sum()), c)) * 10).astype(np.float32)
        np.testing.assert_array_equal(
            smooth_in_mask(mask, values, sigma), _four_taps(mask, values, sigma)
        )


def test_the_callers_coordinates_give_the_same_result():
    rng = np.random.default_rng(5)
    mask = rng.random((60, 90)) < 0.3
    values = rng.random((int(mask.sum()), 3)).astype(np.float32)
    np.testing.assert_array_equal(
        smooth_in_mask(mask, values, 4.0, np.nonzero(mask)), smooth_in_mask(mask, values, 4.0)
    )
    with pytest.raises(ValueError):
        smooth_in_mask(mask, values[1:], 4.0, np.nonzero(mask))
