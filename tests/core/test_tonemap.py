import numpy as np
import pytest

from hdr_studio.core.tonemap import eetf_bt2390, limit_peak, to_display_uint8, tonemap_to_sdr


def test_eetf_identity_below_knee_and_bounded_by_target():
    nits = np.geomspace(0.01, 4000, 2000).astype(np.float32)
    out = eetf_bt2390(nits, source_peak=4000, target_peak=1000)
    assert out.max() <= 1000 * 1.0001
    low = nits < 200
    np.testing.assert_array_equal(out[low], nits[low])
    assert np.all(np.diff(out) >= 0), "EETF must be monotonic"
    # Soft roll-off, not a hard clip: values above the target stay distinct.
    top = out[nits > 1000]
    assert np.unique(top).size > 0.9 * top.size


def test_eetf_identity_when_source_fits():
    nits = np.linspace(0, 800, 50).astype(np.float32)
    np.testing.assert_array_equal(eetf_bt2390(nits, 800, 1000), nits)


def test_eetf_is_continuous_at_the_knee():
    nits = np.geomspace(100, 4000, 20000).astype(np.float32)
    out = eetf_bt2390(nits, 4000, 1000)
    jumps = np.abs(np.diff(np.log(out)))
    assert jumps.max() < 5 * np.median(np.abs(np.diff(np.log(nits))))


def test_limit_peak_keeps_hue_ratios():
    rgb = np.array([[[4000.0, 2000.0, 1000.0], [100.0, 50.0, 10.0]]], np.float32)
    out = limit_peak(rgb, 1000)
    assert out.max() <= 1000.1
    np.testing.assert_allclose(out[0, 0] / out[0, 0, 0], rgb[0, 0] / rgb[0, 0, 0], rtol=1e-5)
    np.testing.assert_array_equal(out[0, 1], rgb[0, 1])


def test_tonemap_to_sdr_maps_peak_to_white_and_keeps_sdr():
    lin = np.array([[[0.18, 0.18, 0.18], [8.0, 8.0, 8.0]]], np.float32)
    code = tonemap_to_sdr(lin)
    assert code[0, 1, 0] == pytest.approx(1.0, abs=1e-3)
    assert 0.40 < code[0, 0, 0] < 0.50  # mid grey stays mid grey
    u8 = to_display_uint8(np.array([-1.0, 0.5, 2.0], np.float32))
    assert u8.tolist() == [0, 128, 255]


def test_sdr_result_of_a_picture_within_white_is_the_picture_itself():
    """Nothing above white: no roll-off, and the values exactly (not × white ÷ white, not
    through sRGB and back, each of which moved some samples by a bit)."""
    from hdr_studio.core.tonemap import tonemap_to_sdr_linear

    lin = np.random.default_rng(5).random((64, 96, 3), dtype=np.float32)
    out = tonemap_to_sdr_linear(lin)
    assert out is not lin and np.array_equal(out, lin)
    np.testing.assert_array_equal(tonemap_to_sdr_linear(lin, exposure_stops=-1.0), lin * 0.5)
    bright = lin * 4  # above white: rolled off to white, as before
    assert np.max(tonemap_to_sdr_linear(bright)) == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(tonemap_to_sdr(lin), tonemap_to_sdr(lin * 1.0))
