"""The curve ``--curve auto`` estimates from one photo (hdr_studio.core.curve_estimate): a
shipped prior on the exponent of sRGB, shrunk toward sRGB; its curve is a proper inverse
response, and a prior file that is not one is a one-line error."""

from __future__ import annotations

import numpy as np
import pytest

from hdr_studio.core import curve_estimate as ce
from hdr_studio.core.errors import InputError
from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import srgb_decode
from tests.helpers import SAMPLES


def ramp(h=120, w=200) -> np.ndarray:
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    y = np.linspace(0.2, 1, h, dtype=np.float32)[:, None, None]
    return np.clip(x * y * np.array([1.0, 0.8, 0.6], np.float32), 0, 1)


def test_features_are_a_fixed_vector_whatever_the_size():
    small, large = ce.features(ramp()), ce.features(ramp(900, 1500))
    assert small.shape == large.shape == (ce.FEATURE_COUNT,)
    assert np.all(np.isfinite(small)) and np.all(np.isfinite(large))
    np.testing.assert_allclose(small[:32].sum(), 1.0)  # the luminance histogram's shares


def test_estimated_curve_is_an_inverse_response():
    curve = ce.estimated_curve(ramp())
    t = curve.table
    assert t[0] == 0.0 and t[-1] == pytest.approx(1.0)
    assert np.all(np.diff(t) >= 0)
    e = float(curve.name.rsplit("^", 1)[1])
    prior = ce.shipped_prior()
    assert prior.low <= e <= prior.high
    code = np.linspace(0, 1, 11, dtype=np.float32)
    np.testing.assert_allclose(curve(code), srgb_decode(code) ** np.float32(e), atol=2e-4)
    assert ce.estimated_curve(ramp()).name == curve.name  # deterministic


def test_the_shipped_prior_stays_near_srgb_on_srgb_photos():
    """It was chosen so that sRGB photos lose at most 0.3 dB: on the README's samples (sRGB
    JPEGs) the exponent stays within a few hundredths of 1."""
    prior = ce.shipped_prior()
    assert 0 < prior.shrink <= 0.5
    for name in ("sunset_lomiri.jpg", "seeding_lomiri.jpg"):
        e = prior.exponent(read_image(SAMPLES / name).code)
        assert abs(e - 1) < 0.03, (name, e)


def test_a_prior_moves_the_exponent_by_its_shrink(tmp_path):
    prior = ce.shipped_prior()
    code = ramp()
    x = np.r_[(ce.features(code) - prior.mean) / prior.scale, 1.0]
    raw = float(x @ prior.weights)
    for shrink in (0.0, 0.5, 1.0):
        p = ce.CurvePrior(prior.mean, prior.scale, prior.weights, shrink)
        assert p.exponent(code) == pytest.approx(np.clip(1 + shrink * (raw - 1), 0.5, 1.5))
    path = tmp_path / "p.safetensors"
    ce.save_prior(ce.CurvePrior(prior.mean, prior.scale, prior.weights, 0.25), path)
    again = ce.load_prior(path)
    assert again.shrink == 0.25 and np.array_equal(again.weights, prior.weights)


def test_a_bad_prior_file_is_a_one_line_error(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file")
    with pytest.raises(InputError, match=r"curve prior junk\.safetensors: not readable"):
        ce.load_prior(junk)
    from safetensors.numpy import save_file

    odd = tmp_path / "odd.safetensors"
    for weights, why in ((9, "do not fit together"), (4, "made for other statistics")):
        arrays = {"mean": np.zeros(3), "scale": np.ones(3), "weights": np.zeros(weights)}
        save_file(arrays, str(odd), metadata={"shrink": "0.1"})
        with pytest.raises(InputError, match=why):
            ce.load_prior(odd)


def test_a_photo_one_pixel_high_is_estimated_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for shape in ((1, 1, 3), (1, 40, 3), (40, 1, 3)):
            curve = ce.estimated_curve(np.full(shape, 0.5, np.float32))
            assert np.all(np.diff(curve.table) >= 0)
