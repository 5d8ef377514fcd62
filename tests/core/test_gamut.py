import numpy as np
import pytest

from hdr_studio.core import gamut


def test_rec709_to_rec2020_matches_bt2087():
    m = gamut.rgb_to_rgb_matrix("rec709", "rec2020")
    bt2087 = np.array(
        [[0.6274, 0.3293, 0.0433], [0.0691, 0.9195, 0.0114], [0.0164, 0.0880, 0.8956]]
    )
    np.testing.assert_allclose(m, bt2087, atol=1e-4)


@pytest.mark.parametrize("src", list(gamut.PRIMARIES))
@pytest.mark.parametrize("dst", list(gamut.PRIMARIES))
def test_white_is_preserved_and_round_trip(src, dst):
    white = np.ones((1, 1, 3), np.float32)
    # Adobe RGB's published matrix is rounded to 5 digits: white holds to 1e-4.
    np.testing.assert_allclose(gamut.convert_primaries(white, src, dst), white, atol=1e-4)
    px = np.random.default_rng(0).random((4, 5, 3)).astype(np.float32) * 4
    back = gamut.convert_primaries(gamut.convert_primaries(px, src, dst), dst, src)
    np.testing.assert_allclose(back, px, rtol=1e-4, atol=1e-5)


def test_out_of_gamut_goes_negative_not_clipped():
    p3_green = np.array([[[0.0, 1.0, 0.0]]], np.float32)
    out = gamut.convert_primaries(p3_green, "p3", "rec709")
    assert out.min() < 0


def test_identify_primaries_and_luminance():
    for name in gamut.PRIMARIES:
        assert gamut.identify_primaries(gamut.xy_primaries(name)) == name
    assert gamut.identify_primaries(np.array([[0.5, 0.5], [0.2, 0.2], [0.1, 0.1]])) is None
    assert gamut.luminance(np.ones(3, np.float32)) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="unknown primaries"):
        gamut.rgb_to_xyz_matrix("prophoto")
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\)"):
        gamut.apply_matrix(np.zeros((2, 2)), np.eye(3))
