import numpy as np
import pytest

from hdr_studio.core.chromaticity import gamut_triangle, rgb_to_xy, spectral_locus, subsample_xy
from hdr_studio.core.gamut import xy_primaries


def test_white_and_primaries():
    xy = rgb_to_xy(np.ones((2, 2, 3), np.float32))
    np.testing.assert_allclose(xy, [[0.3127, 0.3290]] * 4, atol=1e-3)
    for name in ("rec709", "rec2020", "p3"):
        xy = rgb_to_xy(np.eye(3, dtype=np.float32), name)
        np.testing.assert_allclose(xy, xy_primaries(name), atol=1e-4)


def test_black_has_no_chromaticity_and_subsampling():
    px = np.zeros((10, 10, 3), np.float32)
    assert rgb_to_xy(px).shape == (0, 2)
    px = np.random.default_rng(1).random((300, 300, 3)).astype(np.float32)
    a = subsample_xy(px, max_points=1000)
    b = subsample_xy(px, max_points=1000)
    assert a.shape == (1000, 2)
    np.testing.assert_array_equal(a, b)


def test_locus_and_triangle():
    locus = spectral_locus()
    assert locus.shape[1] == 2 and locus.shape[0] > 50
    # 520 nm is near the top of the horseshoe.
    assert locus[:, 1].max() == pytest.approx(0.834, abs=0.01)
    tri = gamut_triangle("rec2020")
    assert tri.shape == (4, 2) and np.array_equal(tri[0], tri[-1])
