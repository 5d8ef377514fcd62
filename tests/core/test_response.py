"""Measuring a camera's curve from an exposure bracket: the core fit (Debevec–Malik) on
synthetic brackets through known camera responses."""

from __future__ import annotations

import numpy as np
import pytest

from hdr_studio.core.errors import InputError
from hdr_studio.core.response import measure_response
from hdr_studio.core.transfer import srgb_encode


def scene(h: int = 192, w: int = 256) -> np.ndarray:
    """Linear radiance ramping over 10 stops left to right, a different colour per row band,
    with a few flat patches: every code level is met in some shot of a ±2 EV bracket."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    ramp = 2.0 ** (10.0 * x / (w - 1) - 8.0)
    hue = np.stack(
        [1 + 0.6 * np.sin(y / 9), 1 + 0.6 * np.sin(y / 9 + 2), 1 + 0.6 * np.sin(y / 9 + 4)], 2
    )
    img = ramp[..., None] * hue / 1.6
    img[10:30, 10:30] = 0.3
    img[60:80, 90:110] = [0.05, 0.02, 0.01]
    return img


def sigmoid(h: np.ndarray, n: float = 1.1, s: float = 0.5) -> np.ndarray:
    """The HDR-CNN virtual camera's response (code from linear light)."""
    x = np.clip(h, 0, 1) ** n
    return (1 + s) * x / (x + s)


def shoot(radiance, camera, exposures, noise=0.002, seed=0):
    rng = np.random.default_rng(seed)
    return [
        np.rint(
            np.clip(
                camera(np.clip(radiance * t + rng.normal(0, noise, radiance.shape), 0, 1)), 0, 1
            )
            * 255
        ).astype(np.uint8)
        for t in exposures
    ]


def true_inverse(camera, code):
    grid = np.linspace(0, 1, 8193)
    return np.interp(code, camera(grid), grid)


@pytest.mark.parametrize(
    "camera",
    [sigmoid, lambda h: srgb_encode(np.clip(h, 0, 1).astype(np.float32)), lambda h: h ** (1 / 1.6)],
    ids=["sigmoid", "srgb", "gamma1.6"],
)
def test_recovers_the_response(camera):
    exposures = [0.25, 1.0, 4.0]
    fit = measure_response(shoot(scene(), camera, exposures), [e * 3 for e in exposures])
    code = np.linspace(0.05, 1, 20)
    got = fit.curve(code.astype(np.float32))
    want = true_inverse(camera, code)
    assert np.max(np.abs(got - want)) < 0.025, np.c_[code, got, want]
    assert fit.curve(np.float32(0)) == 0 and fit.curve(np.float32(1)) == 1
    assert fit.residual < 0.1
    assert fit.exposures == pytest.approx((1 / 16, 1 / 4, 1.0))  # brightest shot 1


def test_order_and_units_do_not_matter():
    shots = shoot(scene(), sigmoid, [1.0, 0.25, 4.0])
    a = measure_response(shots, [1 / 60, 1 / 240, 1 / 15]).curve.table
    b = measure_response(shots[::-1], [4.0, 1.0, 16.0][::-1]).curve.table
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_wrong_exposures_show_in_the_residual():
    shots = shoot(scene(), sigmoid, [0.25, 1.0, 4.0])
    good = measure_response(shots, [0.25, 1.0, 4.0]).residual
    moved = [shots[0], np.roll(shots[1], 20, axis=1), shots[2]]
    assert measure_response(moved, [0.25, 1.0, 4.0]).residual > 2 * good


def test_brackets_it_cannot_measure():
    shots = shoot(scene(), sigmoid, [0.5, 1.0])
    with pytest.raises(InputError, match="two or more shots"):
        measure_response(shots[:1], [1.0])
    with pytest.raises(InputError, match="differ in size"):
        measure_response([shots[0], shots[1][:-1]], [0.5, 1.0])
    with pytest.raises(InputError, match="at least 2/3 EV"):
        measure_response(shots, [1.0, 1.2])
    with pytest.raises(InputError, match="positive"):
        measure_response(shots, [0.0, 1.0])
    white = [np.full((40, 40, 3), 255, np.uint8)] * 2
    with pytest.raises(InputError, match="unclipped"):
        measure_response(white, [1.0, 4.0])


def test_a_bracket_that_measures_too_little_of_the_range_is_refused():
    dark = scene() * 0.002  # every shot nearly black: codes below ~40 only
    with pytest.raises(InputError, match="too little of the tonal range"):
        measure_response(shoot(dark, sigmoid, [0.25, 1.0, 4.0]), [0.25, 1.0, 4.0])


def test_black_stays_black_and_darks_keep_their_light():
    camera = lambda h: srgb_encode(np.clip(h, 0, 1).astype(np.float32))  # noqa: E731
    fit = measure_response(shoot(scene(), camera, [0.25, 1.0, 4.0]), [0.25, 1.0, 4.0])
    assert fit.curve(np.float32(0)) == 0
    code = np.array([0.03, 0.05, 0.1], np.float32)
    ratio = fit.curve(code) / true_inverse(camera, code)
    assert np.all(np.abs(ratio - 1) < 0.2), ratio  # not pulled down by a black offset
    assert fit.levels[0] < 10 and fit.levels[1] > 235


def test_a_moving_subject_barely_bends_the_curve():
    """A block that shows something else in the dark and bright shots (a subject that moved):
    the robust refits discount its readings; the plain fit bends toward them. The residual
    weighs every reading alike, so it still says the shots disagree."""
    from tests.core.test_align import textured

    radiance = textured()
    other = np.roll(radiance, (120, 160), (0, 1)) * 2.5
    moved = radiance.copy()
    moved[40:120, 60:140] = other[40:120, 60:140]
    exposures = [0.25, 1.0, 4.0]
    shots = [
        shoot(moved if t != 1.0 else radiance, sigmoid, [t], seed=i)[0]
        for i, t in enumerate(exposures)
    ]
    code = np.linspace(0.05, 1, 40).astype(np.float32)
    want = true_inverse(sigmoid, code)
    robust = measure_response(shots, exposures)
    plain = measure_response(shots, exposures, robust=0)
    robust_error = np.max(np.abs(robust.curve(code) - want))
    assert robust_error < 0.05  # a clean bracket: 0.005; the plain fit here: 0.56
    assert np.max(np.abs(plain.curve(code) - want)) > 5 * robust_error
    clean = measure_response(shoot(radiance, sigmoid, exposures), exposures)
    assert robust.residual > 3 * clean.residual
