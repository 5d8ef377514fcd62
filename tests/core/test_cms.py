"""Colour management by ICC profile with LittleCMS (core/cms.py) and its use for host layers
(core/layer.py): named profiles against the standards' own formulas, float and unbounded,
profiles used for what they do (not their names), and a clear message for the unusable."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from hdr_studio.core import cms
from hdr_studio.core.errors import InputError
from hdr_studio.core.gamut import convert_primaries
from hdr_studio.core.layer import decode_layer, encode_source, layer_format
from hdr_studio.core.transfer import gamma_decode, pq_encode, srgb_decode

RAMP = np.random.default_rng(0).random((2000, 3)).astype(np.float32)


@pytest.mark.parametrize(
    ("name", "primaries", "decode"),
    [
        ("srgb", "rec709", srgb_decode),
        ("display-p3", "p3", srgb_decode),
        ("adobergb", "adobergb", lambda x: gamma_decode(x, 563 / 256)),
        ("rec2020-linear", "rec2020", lambda x: x),
    ],
)
def test_named_profiles_match_the_standards(name, primaries, decode):
    got = cms.convert(RAMP, cms.Profile.named(name), cms.working("rec2020"))
    want = convert_primaries(decode(RAMP), primaries, "rec2020")
    np.testing.assert_allclose(got, want, atol=2e-5)


def test_float_conversions_are_unbounded_and_invert():
    hdr = np.array([[4.0, 2.0, 0.5], [-0.1, 0.2, 0.3]], np.float32)
    got = cms.convert(hdr, cms.Profile.named("srgb-linear"), cms.working("rec2020"))
    np.testing.assert_allclose(got, convert_primaries(hdr, "rec709", "rec2020"), atol=1e-5)
    prophoto = cms.Profile.named("prophoto")
    there = cms.convert(RAMP, prophoto, cms.working())
    np.testing.assert_allclose(cms.convert(there, cms.working(), prophoto), RAMP, atol=1e-5)
    red = cms.convert(np.array([[1, 0, 0]], np.float32), prophoto, cms.working())
    assert red[0, 0] > 1.0  # ProPhoto's red lies beyond Rec.2020's: carried, not clipped


def test_profiles_round_trip_through_icc_bytes_with_their_description():
    p = cms.Profile.named("acescg", "ACEScg test")
    again = cms.Profile.from_icc(p.icc())
    assert again.description == "ACEScg test" and again.matrix_shaper
    with pytest.raises(cms.CmsError):
        cms.Profile.from_icc(b"not a profile at all" * 10)


def _header(icc: bytes, sample="u8", host="krita", **extra) -> dict:
    space = {"icc": base64.b64encode(icc).decode(), **extra}
    return {
        "width": 8,
        "height": 4,
        "channels": 3,
        "sample": sample,
        "order": "RGB",
        "colorspace": space,
        "host": host,
    }


@pytest.mark.parametrize(
    ("name", "engine_space"),
    [
        ("srgb", ("rec709", "srgb")),
        ("display-p3", ("p3", "srgb")),
        ("adobergb", ("adobergb", "gamma:2.2")),  # as the file reader reads 563/256
        ("prophoto", None),
        ("acescg", None),
        ("widergb", None),
    ],
)
def test_a_layer_is_decoded_by_what_its_profile_does(name, engine_space):
    """The engine's own space when the profile is exactly one of them (the same numbers as
    reading a file); LittleCMS to linear Rec.2020 otherwise. Results go back exactly."""
    profile = cms.Profile.named(name, f"{name} (test)")
    px = (np.random.default_rng(1).random((4, 8, 3)) * 255).astype(np.uint8)
    fmt = layer_format(_header(profile.icc()))
    image = decode_layer(fmt, px.tobytes())
    code = px.astype(np.float32) / 255
    np.testing.assert_array_equal(image.code, code)  # clipping judged on the layer's codes
    want = cms.convert(code, profile, cms.working("rec2020"))
    got = convert_primaries(image.linear, image.primaries, "rec2020")
    np.testing.assert_allclose(got, want, atol=2e-4)
    if engine_space is None:
        assert fmt.profile is not None and image.primaries == "rec2020"
    else:
        assert fmt.profile is None and (fmt.primaries, fmt.transfer) == engine_space
    np.testing.assert_allclose(encode_source(image.linear, fmt), code, atol=5e-4)


def test_esrgb_is_not_read_as_srgb():
    """#32: a profile named like sRGB but with another curve is used for its curve."""
    esrgb = cms.Profile.from_parameters("rec709", cms.gamma(1.0 / 0.45), "esRGB-like")
    fmt = layer_format(_header(esrgb.icc()))
    assert (fmt.primaries, fmt.transfer) != ("rec709", "srgb")
    code = np.full((4, 8, 3), 0.5, np.float32)
    image = decode_layer(fmt, (code * 255).astype(np.uint8).tobytes())
    assert abs(float(image.linear.mean()) - 0.5 ** (1 / 0.45) * (128 / 127.5) ** (1 / 0.45)) < 0.01


def test_a_pq_layer_is_hdr_with_its_own_white():
    pq_icc = cms.Profile.from_parameters(
        "rec2020", cms.LINEAR, "Rec2020 - SMPTE ST 2084 PQ EOTF"
    ).icc()
    nits = np.array([[[80.0, 80.0, 80.0], [400.0, 400.0, 400.0]]], np.float32)
    code = pq_encode(nits)
    header = dict(_header(pq_icc, "f32", white_nits=80), width=2, height=1)
    fmt = layer_format(header)
    image = decode_layer(fmt, code.astype("<f4").tobytes())
    np.testing.assert_allclose(image.linear[0, :, 0], [1.0, 5.0], rtol=1e-4)
    np.testing.assert_allclose(encode_source(image.linear, fmt), code, atol=1e-5)


@pytest.mark.parametrize(
    ("host", "advice"),
    [("krita", "Convert Image Color Space"), ("gimp", "Convert to Color Profile")],
)
def test_an_unusable_profile_says_what_to_do_in_the_host(host, advice):
    with pytest.raises(InputError, match=advice):
        layer_format(_header(b"\0" * 200, host=host))
    with pytest.raises(InputError, match=advice):
        layer_format({**_header(b"", host=host), "colorspace": {"name": "Mystery RGB"}})
