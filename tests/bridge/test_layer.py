"""Layer buffers ↔ images (hdr_studio.core.layer): depths, orders, colour spaces, errors."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from hdr_studio.core.errors import InputError
from hdr_studio.core.icc import build_icc
from hdr_studio.core.image import Image
from hdr_studio.core.layer import (
    decode_layer,
    encode_layer,
    layer_format,
    space_from_name,
    split_selection,
)
from hdr_studio.core.selection import limit_to_selection
from hdr_studio.core.transfer import srgb_decode
from tests.bridge.conftest import layer, photo_u8


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sRGB-elle-V2-srgbtrc.icc", ("rec709", "srgb")),
        ("sRGB-elle-V2-g10.icc", ("rec709", "linear")),
        ("Rec2020-elle-V4-g10.icc", ("rec2020", "linear")),
        ("sRGB built-in", ("rec709", "srgb")),
        ("scRGB (linear)", ("rec709", "linear")),
        ("krita-2.5, lcms sRGB built-in with linear gamma TRC", ("rec709", "linear")),
        (
            "High Dynamic Range UHDTV Wide Color Gamut Display (Rec. 2020) - SMPTE ST 2084 PQ EOTF",
            ("rec2020", "pq"),
        ),
        ("ClayRGB-elle-V2-g22.icc", ("adobergb", "gamma:2.19921875")),
        ("srgb-linear", ("rec709", "linear")),
    ],
)
def test_krita_profile_names(name, expected):
    assert space_from_name(name) == expected


def test_unknown_space_is_one_line():
    with pytest.raises(InputError, match="unknown colour space 'ACES AP0'"):
        space_from_name("ACES AP0")


def test_u8_bgra_decodes_like_a_file():
    px = photo_u8()
    header, data = layer(px, "u8", "BGRA", "sRGB-elle-V2-srgbtrc.icc")
    image = decode_layer(layer_format(header), data)
    expected = Image.from_pixels(px[..., :3].astype(np.float32) / 255, levels=256)
    np.testing.assert_array_equal(image.code, expected.code)
    np.testing.assert_array_equal(image.linear, expected.linear)
    assert image.alpha is not None and image.alpha.min() == 1.0
    assert (image.primaries, image.transfer, image.bit_depth) == ("rec709", "srgb", 8)


def test_float_linear_layer_keeps_values_above_one():
    rgb = np.full((4, 5, 3), 3.5, np.float32)
    rgb[0, 0] = 0.25
    px = np.concatenate([rgb, np.ones((4, 5, 1), np.float32)], axis=2)
    header, data = layer(px, "f32", "RGBA", "Rec2020-elle-V4-g10.icc")
    image = decode_layer(layer_format(header), data)
    assert image.linear.max() == 3.5 and image.primaries == "rec2020"
    header16, data16 = layer(px.astype(np.float16), "f16", "RGBA", "scRGB (linear)")
    np.testing.assert_array_equal(decode_layer(layer_format(header16), data16).linear, image.linear)


def test_icc_profile_names_the_space():
    icc = build_icc("p3", "srgb", "Display P3")
    header, data = layer(photo_u8()[..., :3], "u8", "RGB", {"icc": base64.b64encode(icc).decode()})
    image = decode_layer(layer_format(header), data)
    assert (image.primaries, image.transfer) == ("p3", "srgb")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sample": "u32"}, "unknown sample type 'u32'"),
        ({"channels": 2}, "channels must be 3 or 4"),
        ({"order": "RGB"}, "does not fit 4 channels"),
        ({"width": 0}, "must be positive"),
        ({"colorspace": {"icc": "not base64!"}}, "not base64"),
        ({"colorspace": {"icc": base64.b64encode(b"x" * 200).decode()}}, "ICC profile"),
        ({"colorspace": {"primaries": "rec709", "transfer": "gamma:0"}}, "gamma must be"),
        ({"colorspace": 5}, "colorspace must be an object"),
        ({"width": float("inf")}, "bad layer header: OverflowError"),
    ],
)
def test_bad_headers(change, message):
    header, _ = layer(photo_u8())
    header.update(change)
    with pytest.raises(InputError, match=message):
        layer_format(header)


def test_length_and_nan_checks():
    header, data = layer(photo_u8())
    fmt = layer_format(header)
    with pytest.raises(InputError, match="pixel bytes"):
        decode_layer(fmt, data[:-1])
    px = np.ones((2, 2, 4), np.float32)
    px[1, 1, 0] = np.nan
    h2, d2 = layer(px, "f32", "RGBA", "srgb-linear")
    with pytest.raises(InputError, match="NaN or Inf"):
        decode_layer(layer_format(h2), d2)


def test_encode_orders_depths_and_transfers():
    rgb = np.array([[[0.0, 0.5, 2.0]]], np.float32)
    alpha = np.array([[0.5]], np.float32)
    f32 = np.frombuffer(encode_layer(rgb, alpha, "f32", "RGBA", "linear"), np.float32)
    np.testing.assert_array_equal(f32, [0.0, 0.5, 2.0, 0.5])  # above 1 kept
    u8 = np.frombuffer(encode_layer(rgb, alpha, "u8", "BGRA", "srgb"), np.uint8)
    assert list(u8) == [255, 188, 0, 128]  # B clipped to 1, G = sRGB(0.5), R, A
    back = srgb_decode(np.float32(188 / 255))
    assert abs(back - 0.5) < 0.005
    u16 = np.frombuffer(encode_layer(rgb, None, "u16", "RGB", "linear"), np.uint16)
    assert list(u16) == [0, 32768, 65535]


def test_selection_blends_over_the_original():
    header, data = layer(photo_u8(4, 4))
    fmt = layer_format(header)
    mask = np.zeros((4, 4), np.uint8)
    mask[:, :2] = 255
    mask[0, 2] = 128
    pixels, sel = split_selection(fmt, data + mask.tobytes(), True)
    assert len(pixels) == fmt.nbytes and sel[0, 0] == 1.0 and sel[0, 3] == 0.0
    result, original = np.full((4, 4, 3), 5.0, np.float32), np.zeros((4, 4, 3), np.float32)
    out = limit_to_selection(result, original, sel)
    assert out[0, 0, 0] == 5.0 and out[0, 3, 0] == 0.0 and abs(out[0, 2, 0] - 5 * 128 / 255) < 1e-5
    with pytest.raises(InputError, match="selection need"):
        split_selection(fmt, data, True)


def test_alpha_flag():
    px = photo_u8(4, 4)
    px[..., 3] = 7
    header, data = layer(px)
    assert decode_layer(layer_format(header), data).alpha[0, 0] == pytest.approx(7 / 255)
    padded = decode_layer(layer_format(dict(header, alpha=False)), data)
    assert padded.alpha is None  # RGBX: the 4th channel is padding
    with pytest.raises(InputError, match="alpha must be"):
        layer_format(dict(header, channels=3, order="RGB", alpha=True))


@pytest.mark.parametrize("sample", ["u8", "u16"])
@pytest.mark.parametrize("order", ["RGBA", "BGRA", "RGB", "BGR"])
@pytest.mark.parametrize("space", ["srgb", "adobergb"])
def test_integer_layers_decode_straight_from_their_integers(sample, order, space):
    """The table path from the integers gives what the float path gives for k / (levels −
    1): every field of the image, alpha included."""
    import dataclasses

    top = 255 if sample == "u8" else 65535
    dtype = np.uint8 if sample == "u8" else np.uint16
    rng = np.random.default_rng(7)
    px = rng.integers(0, top + 1, (120, 160, len(order)), dtype=dtype)  # ≥ 4096: OpenCV's
    header = {
        "width": 160,
        "height": 120,
        "channels": len(order),
        "sample": sample,
        "order": order,
        "colorspace": {"name": space},
    }
    fmt = layer_format(header)
    got = decode_layer(fmt, px.tobytes())
    rgba = px[..., [2, 1, 0, 3][: len(order)]] if order.startswith("BGR") else px
    code = rgba[..., :3].astype(np.float32) / np.float32(top)
    alpha = rgba[..., 3].astype(np.float32) / np.float32(top) if len(order) == 4 else None
    want = Image.from_pixels(
        code,
        fmt.primaries,
        fmt.transfer,
        alpha=alpha,
        levels=top + 1,
        bit_depth=8 if sample == "u8" else 16,
        source_format="layer",
    )
    for f in dataclasses.fields(Image):
        a, b = getattr(got, f.name), getattr(want, f.name)
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, f.name


@pytest.mark.parametrize("sample", ["u8", "u16", "f32", "f16"])
@pytest.mark.parametrize("order", ["RGBA", "BGRA", "RGB", "BGR"])
@pytest.mark.parametrize("transfer", ["linear", "srgb"])
@pytest.mark.parametrize("with_alpha", [False, True])
def test_answers_encode_as_the_plain_definition(sample, order, transfer, with_alpha):
    """Result samples (OpenCV's quantisation and channel shuffles on large layers) are the
    plain definition's: code values in ``order``, alpha or 1, integers clipped, × top and
    rounded half to even; the input untouched."""
    from hdr_studio.core.layer import encode_layer_array
    from hdr_studio.core.transfer import encode

    rng = np.random.default_rng(11)
    rgb = rng.random((96, 128, 3), dtype=np.float32) * 1.6 - 0.3
    rgb[0, : 256 // 2, 0] = (np.arange(128) + 0.5) / 255  # halfway cases of 8 bits
    alpha = rng.random((96, 128), dtype=np.float32) if with_alpha else None
    kept = rgb.copy()
    got = encode_layer_array(rgb, alpha, sample, order, transfer)
    code = encode(rgb, transfer) if transfer != "linear" else rgb
    want = np.empty((96, 128, len(order)), np.float32)
    want[..., :3] = code[..., ::-1] if order.startswith("BGR") else code
    if len(order) == 4:
        want[..., 3] = 1.0 if alpha is None else alpha
    if sample in ("u8", "u16"):
        top = 255 if sample == "u8" else 65535
        want = np.rint(np.clip(want, 0, 1) * np.float32(top)).astype(
            np.uint8 if sample == "u8" else np.uint16
        )
    elif sample == "f16":
        want = want.astype(np.float16)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    assert np.array_equal(rgb, kept)


@pytest.mark.parametrize("order", ["RGBA", "RGB"])
def test_half_samples_saturate_at_half_max_never_infinite(order):
    """An f16 answer of a value beyond half's range is 65504 (a host cannot paint with
    infinity); the job's peak tells a client to ask f32 instead."""
    from hdr_studio.core.layer import HALF_MAX, encode_layer_array, peak_value

    rgb = np.full((80, 64, 3), 2.0, np.float32)  # ≥ 4096 pixels: the OpenCV path for RGBA
    rgb[3, 5] = (1e5, -1e6, 70000.0)
    got = encode_layer_array(rgb, None, "f16", order)
    assert got.dtype == np.float16 and np.isfinite(got).all()
    assert got[3, 5, :3].tolist() == [HALF_MAX, -HALF_MAX, HALF_MAX]
    assert got[0, 0, :3].tolist() == [2.0, 2.0, 2.0]
    assert peak_value(rgb) == 1e5 and peak_value(np.zeros((0, 3), np.float32)) == 0.0
    rgb[0, 0, 0] = np.inf
    assert peak_value(rgb) > 3e38


def test_half_samples_round_as_numpy_does_bit_for_bit():
    """Large f16 answers go through OpenCV: every float32 pattern (random bits, every half
    value, the halfway cases between them and their neighbours, subnormals, ±0) rounds to
    the half numpy's cast gives."""
    from hdr_studio.core.layer import HALF_MAX, _to_half

    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2**32, size=1 << 20, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    halves = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    h = halves[np.isfinite(halves)].astype(np.float32)
    h.sort()
    mid = ((h[:-1].astype(np.float64) + h[1:]) / 2).astype(np.float32)
    up, down = np.nextafter(mid, np.float32(np.inf)), np.nextafter(mid, np.float32(-np.inf))
    x = np.concatenate([x[np.isfinite(x)], h, mid, up, down, [0.0, -0.0]]).astype(np.float32)
    x = np.clip(x, -HALF_MAX, HALF_MAX)
    x = x[: len(x) // 64 * 64].reshape(-1, 16, 4)  # (rows, width, RGBA)
    got = _to_half(x.copy())
    assert got.shape == x.shape and got.dtype == np.float16
    np.testing.assert_array_equal(got.view(np.uint16), x.astype(np.float16).view(np.uint16))


def test_none_gives_the_linearised_input_itself_read_only():
    """``none`` copies nothing (a 12 MP copy is 0.1–0.3 s of a plug-in's wait) and the
    array it gives cannot be written through."""
    from hdr_studio.core.classical import reconstruct

    image = Image.from_pixels(photo_u8()[..., :3].astype(np.float32) / 255, levels=256)
    out = reconstruct(image, "none")
    assert np.shares_memory(out, image.linear) and np.array_equal(out, image.linear)
    with pytest.raises(ValueError):
        out[0, 0, 0] = 1.0
