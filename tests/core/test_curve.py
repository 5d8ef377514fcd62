"""Camera curves: parsing (srgb, gamma, measured tables), linearising, and the request."""

from __future__ import annotations

import numpy as np
import OpenImageIO as oiio
import pytest

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.cli import main
from hdr_studio.core.curve import apply_curve, parse_curve
from hdr_studio.core.errors import InputError
from hdr_studio.core.image import Image
from hdr_studio.core.transfer import srgb_decode
from tests.helpers import SAMPLES, gradient, write


def test_named_curves():
    x = np.linspace(0, 1, 11, dtype=np.float32)
    np.testing.assert_allclose(parse_curve("srgb")(x), srgb_decode(x), atol=1e-4)
    np.testing.assert_allclose(parse_curve("gamma:2.4")(x), x**2.4, atol=1e-4)
    assert parse_curve("gamma:2.4").name == "gamma:2.4"
    with pytest.raises(InputError, match="gamma must be"):
        parse_curve("gamma:9")
    with pytest.raises(InputError, match="not srgb, gamma:G or an existing file"):
        parse_curve("sigmoid")


def test_measured_tables(tmp_path):
    one = tmp_path / "one.txt"
    one.write_text("# inverse response\n" + "\n".join(f"{(i / 4) ** 2 * 10}" for i in range(5)))
    c = parse_curve(str(one))
    assert c(np.float32(0.0)) == 0 and c(np.float32(1.0)) == 1  # normalised
    assert abs(float(c(np.float32(0.5))) - 0.25) < 1e-3
    two = tmp_path / "two.csv"
    two.write_text("0,0\n0.5,0.2\n1,1\n")
    assert abs(float(parse_curve(str(two))(np.float32(0.5))) - 0.2) < 1e-3
    bad = tmp_path / "bad.csv"
    bad.write_text("0,0\n0.5,0.6\n0.7,0.4\n1,1\n")
    with pytest.raises(InputError, match="must not decrease"):
        parse_curve(str(bad))
    bad.write_text("a,b\n")
    with pytest.raises(InputError, match="not a table of numbers"):
        parse_curve(str(bad))
    rounded = tmp_path / "rounded.csv"  # a flat stretch written with rounding noise
    rounded.write_text("0,0\n0.4,0.50000006\n0.5,0.5\n1,1\n")
    assert float(parse_curve(str(rounded))(np.float32(0.45))) == pytest.approx(0.5, abs=1e-6)


def test_a_written_curve_reads_back_even_where_it_is_flat():
    """A measured curve flat over a stretch of codes (``np.maximum.accumulate``) is written
    as a table that reads back the same: interpolating a flat float32 table wobbles in the
    last bit, which the writer must not pass on as a decrease."""
    from hdr_studio.core.curve import curve_from_samples, curve_text

    x = np.linspace(0, 1, 256)
    y = np.minimum(x, 0.72335476) ** 1.3 + np.maximum(x - 0.9, 0)
    curve = curve_from_samples("flat", x, y)
    values = np.array([float(line.split()[1]) for line in curve_text(curve).splitlines()])
    assert np.all(np.diff(values) >= 0)


def test_apply_keeps_clipping_and_refuses_float():
    image = Image.from_pixels(gradient(), levels=None)
    curved = apply_curve(image, parse_curve("gamma:2.6"))
    np.testing.assert_allclose(curved.linear, np.clip(image.code, 0, 1) ** 2.6, atol=2e-4)
    top = image.code >= 1.0
    assert np.all(curved.code[top] == 1.0)
    assert curved.metadata["HDRStudio:InverseCurve"] == ("string", "gamma:2.6")
    hdr = Image.from_pixels(gradient() * 3, "rec709", "linear", is_float=True)
    with pytest.raises(InputError, match="already linear"):
        apply_curve(hdr, parse_curve("srgb"))
    # a PQ or HLG file's curve is a standard's, decoded exactly: a camera curve would have
    # read its codes as SDR and put its highlights below white (peak 40 → 0.96)
    for transfer in ("pq", "hlg"):
        coded = Image.from_pixels(gradient(), "rec2020", transfer, levels=1023)
        with pytest.raises(InputError, match=f"HDR already \\({transfer.upper()}\\)"):
            apply_curve(coded, parse_curve("gamma:2.2"))


def test_curve_through_the_request_and_cli(tmp_path):
    photo = SAMPLES / "sunset_lomiri.jpg"
    plain = reconstruct(ReconstructRequest(input=photo, method="none"))
    curved = reconstruct(ReconstructRequest(input=photo, method="none", curve="gamma:2.8"))
    assert curved.metadata["curve"] == "gamma:2.8"
    mid = (plain.image.code > 0.4) & (plain.image.code < 0.6)
    assert curved.pixels[mid].mean() < plain.pixels[mid].mean()  # a steeper curve: darker mids
    out = tmp_path / "c.exr"
    args = ["reconstruct", str(photo), "-o", str(out), "--method", "classical"]
    assert main([*args, "--curve", "gamma:2.8"]) == 0
    spec = oiio.ImageInput.open(str(out)).spec()
    assert spec.getattribute("HDRStudio:InverseCurve") == "gamma:2.8"
    assert main([*args, "--curve", "nonsense", "--force"]) == 2
    write(tmp_path / "f.exr", gradient() * 2)
    assert (
        main(
            [
                "reconstruct",
                str(tmp_path / "f.exr"),
                "-o",
                str(tmp_path / "g.exr"),
                "--curve",
                "srgb",
            ]
        )
        == 2
    )
