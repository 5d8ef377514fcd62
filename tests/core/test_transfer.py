import numpy as np
import pytest

from hdr_studio.core import transfer as tf
from hdr_studio.core._colour_science import colour


@pytest.mark.parametrize(("nits", "signal"), [(100, 0.5081), (203, 0.5807), (1000, 0.7518)])
def test_pq_reference_values(nits, signal):
    assert tf.pq_encode(np.float32(nits)) == pytest.approx(signal, abs=1e-4)
    assert tf.pq_decode(np.float32(signal)) == pytest.approx(nits, rel=2e-3)


def test_pq_matches_colour_science_and_round_trips():
    nits = np.geomspace(0.01, 10000, 200).astype(np.float32)
    ours = tf.pq_encode(nits)
    ref = colour().models.eotf_inverse_ST2084(nits.astype(np.float64))
    np.testing.assert_allclose(ours, ref, atol=1e-5)  # float32 vs colour's float64
    np.testing.assert_allclose(tf.pq_decode(ours), nits, rtol=2e-4)
    assert ours.dtype == np.float32


def test_pq_has_no_code_values_below_zero():
    assert tf.pq_encode(np.float32(-5.0)) == pytest.approx(tf.pq_encode(np.float32(0.0)))
    assert not np.isnan(tf.pq_encode(np.array([np.float32(-1)]))).any()


def test_srgb_matches_colour_science():
    x = np.linspace(0, 1, 1001).astype(np.float32)
    ref = colour().models.eotf_inverse_sRGB(x.astype(np.float64))
    np.testing.assert_allclose(tf.srgb_encode(x), ref, atol=2e-6)
    np.testing.assert_allclose(tf.srgb_decode(tf.srgb_encode(x)), x, atol=2e-6)


def test_srgb_never_clamps_hdr_or_negative_values():
    x = np.array([-0.5, 1.0, 4.0, 16.0], dtype=np.float32)
    enc = tf.srgb_encode(x)
    assert enc[0] < 0 and enc[2] > 1 and enc[3] > enc[2]
    np.testing.assert_allclose(tf.srgb_decode(enc), x, rtol=1e-5)


def test_named_dispatch_and_reference_white():
    x = np.array([0.0, 0.5, 1.0, 3.0], dtype=np.float32)
    for name in ("srgb", "linear", "gamma:2.2", "pq"):
        np.testing.assert_allclose(tf.decode(tf.encode(x, name), name), x, rtol=1e-3, atol=1e-6)
    # SDR white (1.0) sits at 203 cd/m² in PQ.
    assert tf.encode(np.float32(1.0), "pq") == pytest.approx(0.5807, abs=1e-4)
    with pytest.raises(ValueError, match="unknown transfer"):
        tf.decode(x, "hlg-ish")


def test_srgb_encode_u8_is_the_rounded_encode():
    """The table's 8-bit codes are round(255 · srgb_encode(x)) but within a hair of a
    rounding boundary, clipped to [0, 1] (no NaN here: callers check)."""
    from hdr_studio.core.transfer import srgb_encode, srgb_encode_u8

    x = np.random.default_rng(0).uniform(-0.1, 1.2, (300, 400, 3)).astype(np.float32)
    got = srgb_encode_u8(x)
    want = np.rint(srgb_encode(np.clip(x, 0, 1)) * 255).astype(np.uint8)
    assert got.dtype == np.uint8 and got.shape == x.shape
    assert np.abs(got.astype(int) - want).max() <= 1 and (got != want).mean() < 0.005
    levels = np.arange(256, dtype=np.float32) / 255
    from hdr_studio.core.transfer import srgb_decode

    assert np.array_equal(srgb_encode_u8(srgb_decode(levels)), np.arange(256))  # round trip
