import contextlib
import os
import struct
import zlib

import numpy as np
import OpenImageIO as oiio
import pytest

from hdr_studio.core import export as ex
from hdr_studio.core.errors import OutputError
from hdr_studio.core.image import Image
from hdr_studio.core.jxl_metadata import metadata_boxes, read_spec_of_boxes
from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import pq_decode
from tests.helpers import SAMPLES, gradient, write


@pytest.fixture
def hdr():
    """Linear HDR with values to 6× SDR white (1.0 = white), Rec.709."""
    return (gradient(40, 56) ** 2 * 6.0).astype(np.float32)


@pytest.fixture
def source(tmp_path, hdr):
    p = write(tmp_path / "src.jpg", (np.clip(hdr, 0, 1) ** (1 / 2.2) * 255).astype(np.uint8))
    im = read_image(p)
    im.metadata["Make"] = ("string", "TestCam")
    return im


def _png_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks, i = {}, 8
    while i < len(data):
        (n,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        chunks[kind] = data[i + 8 : i + 8 + n]
        i += 12 + n
    return chunks


def test_png_pq_rec2020_cicp_and_round_trip(tmp_path, source, hdr):
    out = ex.write_result(hdr, tmp_path / "o.png", source)
    chunks = _png_chunks(out.read_bytes())
    assert chunks[b"cICP"] == bytes([9, 16, 0, 1])
    assert chunks[b"IHDR"][8] == 16  # bit depth
    back = read_image(out)
    assert (back.primaries, back.transfer, back.bit_depth) == ("rec2020", "pq", 16)
    from hdr_studio.core.gamut import convert_primaries

    expected = convert_primaries(hdr, "rec709", "rec2020")
    # Below the roll-off knee the PQ round trip is exact up to 16-bit quantisation.
    low = expected.max(axis=2) < 1.5
    np.testing.assert_allclose(back.linear[low], expected[low], rtol=2e-3, atol=2e-5)
    assert back.linear.max() > 4.0  # HDR really present (4× SDR white and more)


def test_pq_peak_is_rolled_off_not_clipped(tmp_path, source):
    ramp = np.linspace(0.0, 30.0, 56 * 40, dtype=np.float32).reshape(40, 56, 1)
    ramp = np.repeat(ramp, 3, axis=2)
    out = ex.write_result(
        ramp, tmp_path / "p.png", source, options=ex.ExportOptions(peak_nits=1000)
    )
    sig = oiio.ImageInput.open(str(out)).read_image(oiio.UINT16)[..., 0].astype(np.float32)
    nits = pq_decode(sig.ravel() / 65535.0)
    assert nits.max() <= 1000 * 1.01
    assert np.all(np.diff(sig.ravel()) >= -1)  # monotonic up to one 16-bit code (rounding)
    top = sig.ravel()[nits > 900]
    assert np.unique(top).size > 10  # still a gradient near the peak


def test_reference_white_and_peak_options(tmp_path, source, hdr):
    opts = ex.ExportOptions(reference_white=100, peak_nits=4000)
    back = read_image(ex.write_result(hdr, tmp_path / "w.png", source, options=opts))
    # Read back assumes 203 cd/m² white: values scale by 100/203.
    ratio = back.linear[hdr.max(axis=2) > 0.5].sum() / hdr[hdr.max(axis=2) > 0.5].sum()
    assert ratio == pytest.approx(100 / 203, rel=0.02)
    with pytest.raises(ValueError, match="peak"):
        ex.ExportOptions(peak_nits=50)


def test_avif_10bit_pq_nclx(tmp_path, source, hdr):
    out = ex.write_result(hdr, tmp_path / "o.avif", source)
    data = out.read_bytes()
    i = data.find(b"colrnclx")
    assert i > 0
    assert struct.unpack(">HHH", data[i + 8 : i + 14]) == (9, 16, 9)
    back = read_image(out)
    assert (back.primaries, back.transfer, back.bit_depth) == ("rec2020", "pq", 10)
    assert back.linear.max() > 4.0
    lum_in, lum_out = hdr.mean(), back.linear.mean()
    assert lum_out == pytest.approx(lum_in, rel=0.05)


def test_jxl_pq(tmp_path, source, hdr):
    out = ex.write_result(hdr, tmp_path / "o.jxl", source)
    spec = oiio.ImageInput.open(str(out)).spec()
    assert tuple(spec.getattribute("CICP")) == (9, 16, 0, 1)
    back = read_image(out)
    assert back.transfer == "pq" and back.linear.max() > 4.0


def test_ultrahdr_jpeg_has_a_gain_map(tmp_path, source, hdr):
    """The gain-map JPEG: an MPF secondary image with hdrgm XMP at the content's headroom,
    read back as the HDR result by our reader and by libultrahdr (imagecodecs)."""
    out = ex.write_result(hdr, tmp_path / "o.jpg", source)
    data = out.read_bytes()
    assert data.count(b"\xff\xd8\xff") >= 2 and b"hdrgm:GainMapMax" in data
    back = read_image(out)
    assert back.gain_map is not None
    # the content's headroom: the brightest channel of what the PQ file holds (limited to
    # 1000 cd/m² in Rec.2020), in the base's primaries
    from hdr_studio.core.gamut import convert_primaries

    pq = read_image(ex.write_result(hdr, tmp_path / "o.png", source))
    peak = float(convert_primaries(pq.linear, pq.primaries, source.primaries).max())
    assert back.gain_map.headroom_stops == pytest.approx(np.log2(peak), abs=0.05)
    assert back.metadata["Make"][1] == "TestCam"  # the source's metadata carried
    lit = (hdr.max(axis=2) > 0.05) & (hdr.max(axis=2) < 2.0)  # below the roll-off
    ratio = back.linear[lit] / np.maximum(hdr[lit], 1e-3)
    assert np.median(ratio) == pytest.approx(1.0, abs=0.02)
    imagecodecs = pytest.importorskip("imagecodecs")
    assert imagecodecs.ultrahdr_check(data)
    theirs = imagecodecs.ultrahdr_decode(data, dtype=np.float16).astype(np.float32)[..., :3]
    assert np.median(theirs[lit] / np.maximum(hdr[lit], 1e-3)) == pytest.approx(1.0, abs=0.03)


def test_ultrahdr_base_is_the_photo_as_it_was(tmp_path):
    """A viewer without HDR shows the base: the SDR rendition the SDR outputs get (the photo
    itself below white), not a tone map that darkens it."""
    import cv2

    photo = read_image(SAMPLES / "sunset_lomiri.jpg")
    hdr = photo.linear.copy()
    hdr[photo.code.max(axis=2) > 0.98] *= 3.0  # a result brighter than white where it clipped
    out = ex.write_result(hdr, tmp_path / "o.jpg", photo)
    base = cv2.imdecode(np.frombuffer(out.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    diff = np.abs(base[..., ::-1].astype(np.float32) - photo.code * 255)
    assert float(diff.mean()) < 2.5  # JPEG's own loss


def test_exr_half_linear_with_chromaticities(tmp_path, source, hdr):
    out = ex.write_result(hdr, tmp_path / "o.exr", source)
    inp = oiio.ImageInput.open(str(out))
    spec = inp.spec()
    assert str(spec.format) == "half"
    chroma = spec.getattribute("chromaticities")
    np.testing.assert_allclose(
        chroma, [0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290], atol=1e-4
    )
    px = inp.read_image(oiio.FLOAT)
    np.testing.assert_allclose(px, hdr, rtol=1e-3, atol=1e-4)  # nothing clipped
    assert spec.getattribute("Make") == "TestCam"  # metadata carried over


def test_float_tiff_and_radiance(tmp_path, source, hdr):
    for ext in ("tif", "hdr"):
        back = read_image(ex.write_result(hdr, tmp_path / f"o.{ext}", source))
        assert back.transfer == "linear" and back.linear.max() > 5.5


@pytest.mark.parametrize(
    ("fmt", "ext", "depth"),
    [("png-sdr", "png", 16), ("jpeg-sdr", "jpg", 8), ("tiff-sdr", "tif", 16)],
)
def test_sdr_formats(tmp_path, source, hdr, fmt, ext, depth):
    out = ex.write_result(hdr, tmp_path / f"o.{ext}", source, fmt=fmt)
    back = read_image(out)
    assert back.transfer == "srgb" and back.bit_depth == depth
    assert back.code.max() <= 1.0 and back.code.max() > 0.95  # peak tone-mapped to white
    # Dark tones are left alone by the roll-off.
    dark = hdr.max(axis=2) < 0.05
    np.testing.assert_allclose(back.linear[dark], hdr[dark], atol=0.01)


def test_alpha_is_kept_where_the_format_can(tmp_path, hdr):
    rgba = np.concatenate(
        [(np.clip(hdr, 0, 1) * 255).astype(np.uint8), np.full((40, 56, 1), 100, np.uint8)], axis=2
    )
    src = read_image(write(tmp_path / "a.png", rgba))
    back = read_image(ex.write_result(src.linear, tmp_path / "o.png", src))
    assert back.alpha is not None
    np.testing.assert_allclose(back.alpha, 100 / 255, atol=1e-4)


def test_format_selection_and_errors(tmp_path, source, hdr):
    assert ex.format_for_path(tmp_path / "x.PNG") == "png-pq"
    assert ex.format_for_path(tmp_path / "x.jpg") == "jpeg-uhdr"
    with pytest.raises(OutputError, match="unknown output extension"):
        ex.format_for_path(tmp_path / "x.bmp")
    with pytest.raises(OutputError, match="needs extension"):
        ex.format_for_path(tmp_path / "x.png", "exr")
    with pytest.raises(OutputError, match="unknown format"):
        ex.format_for_path(tmp_path / "x.png", "gif")


def test_never_overwrites_the_source_or_an_existing_file(tmp_path, source, hdr):
    before = source.source_path.read_bytes()
    with pytest.raises(OutputError, match="source"):
        ex.write_result(hdr, source.source_path, source, fmt="jpeg-sdr", force=True)
    assert source.source_path.read_bytes() == before
    target = tmp_path / "exists.png"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="--force"):
        ex.write_result(hdr, target, source)
    assert target.read_bytes() == b"keep me"
    ex.write_result(hdr, target, source, force=True)
    assert target.read_bytes() != b"keep me"
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_failed_write_leaves_no_file_and_no_temporary(tmp_path, source):
    bad = np.full((40, 56, 3), np.nan, np.float32)
    target = tmp_path / "o.jpg"
    # NaN pixels make libultrahdr fail or fall back; either way nothing may be left behind.
    with contextlib.suppress(OutputError, ValueError):
        ex.write_result(bad[:1, :1], target, source)
    leftovers = [p for p in os.listdir(tmp_path) if p.startswith(".o.")]
    assert leftovers == []
    with pytest.raises(OutputError, match="does not exist"):
        ex.write_result(bad, tmp_path / "nope" / "o.png", source)


def test_write_array_kinds(tmp_path):
    a = np.random.default_rng(0).random((8, 9, 3)).astype(np.float32)
    back = read_image(ex.write_array(a, tmp_path / "a.exr", "exr"))
    np.testing.assert_allclose(back.linear, a, atol=1e-3)
    back = read_image(ex.write_array(a, tmp_path / "a.png", "png16"))
    np.testing.assert_allclose(back.code, a, atol=1e-4)
    with pytest.raises(ValueError, match="kind"):
        ex.write_array(a, tmp_path / "a.bmp", "bmp")


def test_metadata_survives_and_orientation_is_reset(tmp_path, source, hdr):
    out = ex.write_result(hdr, tmp_path / "m.jpg", source, fmt="jpeg-sdr")
    spec = oiio.ImageInput.open(str(out)).spec()
    assert spec.getattribute("Make") == "TestCam"
    assert spec.get_int_attribute("Orientation", 1) == 1
    assert "HDR Studio" in spec.get_string_attribute("Software")


def test_a_tiff_is_dated_by_its_photo_s_capture_time_when_it_has_no_other(tmp_path, hdr):
    """A photo with only a capture time got an empty DateTime tag (what keeps the write
    time out, so the same input gives the same bytes), which exiftool calls invalid."""
    code = np.full((8, 8, 3), 0.5, np.float32)
    photo = Image(linear=code**2.2, code=code)
    photo.metadata["Exif:DateTimeOriginal"] = ("string", "2024:05:06 07:08:09")
    out = ex.write_result(hdr[:8, :8], tmp_path / "d.tif", photo, fmt="tiff-float")
    spec = oiio.ImageInput.open(str(out)).spec()
    assert spec.get_string_attribute("DateTime") == "2024:05:06 07:08:09"
    again = ex.write_result(hdr[:8, :8], tmp_path / "e.tif", photo, fmt="tiff-float")
    assert again.read_bytes() == out.read_bytes()  # still no write time


def test_an_exr_with_the_invented_channel_reads_back_with_a_plain_note(tmp_path, source, hdr):
    """From a new user's pass: the app's own EXR (with its "invented" map) reopened with
    "ignored extra channels invented", as if the file were odd."""
    options = ex.ExportOptions(invented_channel=True)
    out = ex.write_result(hdr, tmp_path / "i.exr", source, fmt="exr", options=options)
    back = read_image(out)
    np.testing.assert_allclose(back.linear, hdr, rtol=1e-3, atol=1e-3)
    assert not any("ignored extra channels" in n for n in back.notes)
    assert any("'invented' channel" in n for n in back.notes)


_ = zlib  # PNG chunk CRCs are not checked here; OIIO's reader validates them.


@pytest.mark.parametrize("fmt", sorted(ex.FORMATS))
def test_a_format_carries_metadata_iff_its_record_says_so(tmp_path, source, hdr, fmt):
    """Each record's ``metadata`` tells the truth: the source's camera (Exif Make) is in
    the written file exactly when the record claims it (read back by OpenImageIO, and
    looked for in the bytes, which also finds a tag OpenImageIO's reader would skip)."""
    source.metadata["Artist"] = ("string", "Photographer Q")
    data = ex.encode_result(hdr, source, fmt, ex.ExportOptions())
    path = tmp_path / f"m{ex.FORMATS[fmt].extensions[0]}"
    path.write_bytes(data)
    inp = oiio.ImageInput.open(str(path))
    if inp is None:  # this OpenImageIO has no AVIF reader
        oiio.geterror()
        read_back = False
    else:
        read_back = inp.spec().get_string_attribute("Make") == "TestCam"
        inp.close()
    # JPEG XL keeps Exif and XMP in boxes OpenImageIO's reader skips: looked for
    # unpacked, and read back through core.jxl_metadata
    exif, xmp = metadata_boxes(data)
    unpacked = data + (exif or b"") + (xmp or b"")
    in_bytes = b"TestCam" in unpacked and b"Photographer Q" in unpacked
    boxes = read_spec_of_boxes(data)
    read_back = read_back or (boxes is not None and boxes.get_string_attribute("Make") == "TestCam")
    assert read_back == in_bytes == ex.FORMATS[fmt].metadata, fmt
    assert (read_image(path).metadata.get("Make", ("", ""))[1] == "TestCam") == read_back or (
        fmt == "avif-pq"
    )


def test_float_tiff_of_a_wide_gamut_photo_reads_back_as_its_colours(tmp_path, hdr):
    """A float TIFF cannot say its primaries where readers look: a Display P3 result is
    written in Rec.709 (what lies outside it negative, nothing clipped), so it reads back
    as the same colours as the EXR that tags its primaries."""
    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.image import Image

    p3 = Image.from_pixels(hdr, "p3", "linear", is_float=True)
    tif = read_image(ex.write_result(hdr, tmp_path / "o.tif", p3))
    exr = read_image(ex.write_result(hdr, tmp_path / "o.exr", p3))
    assert tif.primaries == "rec709" and exr.primaries == "p3"
    np.testing.assert_allclose(
        tif.linear, convert_primaries(exr.linear, "p3", "rec709"), rtol=2e-3, atol=2e-3
    )
    saturated = np.zeros((4, 4, 3), np.float32)
    saturated[..., 1] = 1.0  # P3 green lies outside Rec.709
    back = read_image(ex.write_result(saturated, tmp_path / "g.tif", Image.from_pixels(
        saturated, "p3", "linear", is_float=True)))  # fmt: skip
    assert back.linear.min() < -0.05  # kept as negative values, not clipped


@pytest.mark.parametrize("ext", ["jpg", "sdr.jpg", "png"])
def test_sdr_outputs_of_a_wide_gamut_photo_keep_its_colours(tmp_path, ext):
    """A Display P3 photo (a phone's) or a Rec.2020 one (a raw, an HDR file): its SDR
    outputs and its Ultra HDR JPEG (base and HDR rendition) are in Display P3 with the
    profile embedded, so a green outside sRGB stays as saturated (it was clipped to the
    sRGB gamut). An sRGB photo stays untagged sRGB."""
    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.image import Image

    px = np.full((16, 16, 3), 0.05, np.float32)
    px[:8, :, 1] = 0.7  # P3 green, far outside Rec.709
    px[8:, :8] = (2.0, 1.5, 0.3)  # an orange above white (HDR in the Ultra HDR JPEG)
    fmt = {"jpg": "jpeg-uhdr", "sdr.jpg": "jpeg-sdr", "png": "png-sdr"}[ext]
    for primaries in ("p3", "rec2020"):
        lin = px if primaries == "p3" else convert_primaries(px, "p3", "rec2020")
        src = Image.from_pixels(lin, primaries, "linear", is_float=True)
        back = read_image(ex.write_result(lin, tmp_path / f"{primaries}.{ext}", src, fmt=fmt))
        assert back.primaries == "p3", (fmt, primaries)
        if ext == "png":  # the profile alone: no sRGB, gAMA or cHRM chunk beside it
            chunks = _png_chunks((tmp_path / f"{primaries}.{ext}").read_bytes())
            assert b"iCCP" in chunks and not {b"sRGB", b"gAMA", b"cHRM"} & set(chunks)
        green = back.linear[2:6, 2:14]
        assert np.median(green[..., 1]) == pytest.approx(0.7, rel=0.08)  # tone map keeps it
        # its red as it was (0.13 after the sRGB gamut clip, read back in P3)
        assert float(np.median(green[..., 0])) == pytest.approx(0.05, abs=0.015)
        if fmt == "jpeg-uhdr":
            orange = np.median(back.linear[10:14, 2:6], axis=(0, 1))
            np.testing.assert_allclose(orange, (2.0, 1.5, 0.3), rtol=0.1)
    adobe = convert_primaries(px, "p3", "adobergb")
    back = read_image(ex.write_result(adobe, tmp_path / f"a.{ext}", Image.from_pixels(
        adobe, "adobergb", "linear", is_float=True), fmt=fmt))  # fmt: skip
    assert back.primaries == "adobergb"  # a camera set to Adobe RGB keeps it
    np.testing.assert_allclose(
        np.median(back.linear[2:6, 2:14], axis=(0, 1)),
        np.median(adobe[2:6, 2:14], axis=(0, 1)),
        rtol=0.1,
        atol=0.01,
    )
    srgb = Image.from_pixels(px * 0.5, "rec709", "linear", is_float=True)
    back = read_image(ex.write_result(px * 0.5, tmp_path / f"709.{ext}", srgb, fmt=fmt))
    assert back.primaries == "rec709"
    spec = oiio.ImageInput.open(str(tmp_path / f"709.{ext}")).spec()
    assert spec.getattribute("ICCProfile") is None  # untagged sRGB, as before


def test_the_ultrahdr_base_is_the_sdr_jpeg(tmp_path, source, hdr):
    """One SDR rendition: the Ultra HDR JPEG's base decodes to the same pixels as the SDR
    JPEG of the same result (same quality), and these are the sRGB codes of the tone map."""
    import cv2

    opts = ex.ExportOptions(quality=100)
    uhdr = ex.write_result(hdr, tmp_path / "u.jpg", source, fmt="jpeg-uhdr", options=opts)
    sdr = ex.write_result(hdr, tmp_path / "s.jpg", source, fmt="jpeg-sdr", options=opts)
    a, b = (cv2.imdecode(np.frombuffer(p.read_bytes(), np.uint8), 1) for p in (uhdr, sdr))
    assert np.array_equal(a, b)
    exact = ex._quantise(ex.sdr_code(hdr, source.primaries, opts), 8)[..., ::-1]
    # JPEG's chroma subsampling moves single pixels of this saturated noise, not the means
    np.testing.assert_allclose(a.mean(axis=(0, 1)), exact.mean(axis=(0, 1)), atol=1.0)


def test_jpeg_xl_takes_the_quality(tmp_path, source, hdr):
    """JPEG XL was always lossless: --quality now applies as cjxl's does (100 lossless)."""
    sizes, backs = {}, {}
    for q in (100, 80):
        out = ex.write_result(
            hdr, tmp_path / f"q{q}.jxl", source, options=ex.ExportOptions(quality=q)
        )
        sizes[q], backs[q] = out.stat().st_size, read_image(out)
    exact = ex._quantise(ex.pq_rec2020(hdr, source.primaries, ex.ExportOptions()), 16)
    spec_px = oiio.ImageInput.open(str(tmp_path / "q100.jxl")).read_image(oiio.UINT16)
    assert np.array_equal(spec_px, exact)  # lossless at 100
    assert sizes[80] < 0.5 * sizes[100]
    assert backs[80].transfer == "pq" and backs[80].primaries == "rec2020"


def test_radiance_of_a_wide_gamut_photo_has_no_wrong_colours(tmp_path):
    """RGBE cannot hold a negative value: a P3 red written as Rec.709 (green −0.01) came
    back with green 0.99. Now what lies outside Rec.709 is clipped at 0 there."""
    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.image import Image

    px = np.zeros((4, 4, 3), np.float32)
    px[..., 0] = 0.7  # P3 red: outside Rec.709
    px[2:, :] = (1.0, 0.5, 0.25)  # inside it
    back = read_image(ex.write_result(px, tmp_path / "r.hdr", Image.from_pixels(
        px, "p3", "linear", is_float=True)))  # fmt: skip
    assert back.linear.min() >= 0.0
    want = np.maximum(convert_primaries(px, "p3", "rec709"), 0)
    np.testing.assert_allclose(back.linear, want, rtol=0.02, atol=0.01)


@pytest.mark.parametrize("ext", ["png", "jpg", "exr", "sdr.jpg"])
def test_exif_fields_read_as_small_integers_are_carried(tmp_path, source, hdr, ext):
    """OpenImageIO reads ISO, metering mode, flash… as uint16 and its writers dropped them
    written back so: every output lost the ISO."""
    source.metadata["Exif:PhotographicSensitivity"] = ("uint16", 400)
    source.metadata["Exif:MeteringMode"] = ("uint16", 5)
    fmt = "jpeg-sdr" if ext == "sdr.jpg" else None
    out = ex.write_result(hdr, tmp_path / f"o.{ext}", source, fmt=fmt)
    spec = oiio.ImageInput.open(str(out)).spec()
    assert spec.getattribute("Exif:PhotographicSensitivity") == 400
    assert spec.getattribute("Exif:MeteringMode") == 5


def test_exr_alpha_is_premultiplied_as_compositors_read_it(tmp_path, hdr):
    """OpenEXR's colour is premultiplied by its alpha: it was written straight (colour
    where alpha is 0), so a compositor showed a fringe. Read back, it is straight again."""
    alpha = np.zeros(hdr.shape[:2], np.float32)
    alpha[:, 20:] = 0.5
    alpha[:, 40:] = 1.0
    src = Image.from_pixels(hdr, "rec709", "linear", is_float=True, alpha=alpha)
    out = ex.write_result(hdr, tmp_path / "a.exr", src)
    raw = oiio.ImageInput.open(str(out)).read_image(oiio.FLOAT)
    np.testing.assert_allclose(raw[..., :3], hdr * alpha[..., None], rtol=2e-3, atol=1e-3)
    assert np.all(raw[:, :20, :3] == 0)  # no colour where nothing is covered
    back = read_image(out)
    covered = alpha > 0
    np.testing.assert_allclose(back.linear[covered], hdr[covered], rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(back.alpha, alpha, atol=1e-3)


@pytest.mark.parametrize("ext", ["exr", "png"])
def test_an_hdr_export_reports_the_photos_under_exposure(tmp_path, ext):
    """A reconstructed EXR reported twice its photo's under-exposed share (its codes are
    relative to its own peak), a PQ export none (its codes are PQ signal). Judged on light
    relative to diffuse white, both report the photo's."""
    from hdr_studio.api.analysis import analyse

    photo = read_image(SAMPLES / "sunset_lomiri.jpg")
    hdr = photo.linear.copy()
    hdr[photo.code.max(axis=2) > 0.98] *= 4.0  # a result with light above white
    out = ex.write_result(hdr, tmp_path / f"r.{ext}", photo)
    mine, theirs = analyse(photo).stats, analyse(out).stats
    if ext == "png":  # PQ in Rec.2020: per channel, the photo's light in those primaries
        from hdr_studio.core.gamut import convert_primaries

        lin = convert_primaries(photo.linear, "rec709", "rec2020")
        mine = analyse(Image.from_pixels(lin, "rec2020", "linear", is_float=True)).stats
    assert theirs.under_any == pytest.approx(mine.under_any, rel=0.1, abs=2e-5), ext
    assert theirs.under_any > 0.5 * mine.under_any > 0


def _photo_with_location(tmp_path, hdr):
    """A JPEG whose Exif says where it was taken (GPS) and IPTC names the city, read back."""
    px = (np.clip(hdr, 0, 1) ** (1 / 2.2) * 255).astype(np.uint8)
    spec = oiio.ImageSpec(px.shape[1], px.shape[0], 3, oiio.UINT8)
    spec.attribute("Make", "TestCam")
    spec.attribute("GPS:LatitudeRef", "N")
    spec.attribute("GPS:Latitude", oiio.TypeDesc("float[3]"), (43.0, 2.0, 30.0))
    spec.attribute("GPS:LongitudeRef", "W")
    spec.attribute("GPS:Longitude", oiio.TypeDesc("float[3]"), (4.0, 50.0, 0.0))
    spec.attribute("IPTC:City", "Cangas de Onís")
    path = tmp_path / "located.jpg"
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), spec) and out.write_image(px) and out.close()
    return read_image(path)


@pytest.mark.parametrize("fmt", [f for f in sorted(ex.FORMATS) if ex.FORMATS[f].metadata])
def test_the_location_is_left_out_when_asked(tmp_path, hdr, fmt):
    """Every output carried the photo's GPS position, with no way to leave it out but
    exiftool; ``strip_location`` drops the GPS block and IPTC place names, nothing else."""
    photo = _photo_with_location(tmp_path, hdr)
    assert "GPS:Latitude" in photo.metadata and "IPTC:City" in photo.metadata
    for strip in (False, True):
        data = ex.encode_result(hdr, photo, fmt, ex.ExportOptions(strip_location=strip))
        path = tmp_path / f"o{int(strip)}{ex.FORMATS[fmt].extensions[0]}"
        path.write_bytes(data)
        back = read_image(path).metadata  # JPEG XL's boxes too (core.jxl_metadata)
        assert back["Make"][1] == "TestCam", fmt
        located = any(n.startswith("GPS:") for n in back) or "IPTC:City" in back
        assert located != strip, (fmt, strip, sorted(n for n in back if "GPS" in n))


def test_an_ultra_hdr_file_holds_the_highlights_the_pq_files_hold(tmp_path):
    """A P3 photo brighter than the peak: the Ultra HDR file rolled its highlights off in
    Display P3 while the PQ files do it in Rec.2020, so they came back 0.9× the PNG's
    (a new user compared the two). Both now agree within the gain map's precision."""
    from hdr_studio.core.gamut import convert_primaries

    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    hue = np.stack([0.6 + 0.4 * np.cos(x / 9), 0.3 + 0.7 * x / 63, 0.5 + 0.4 * np.sin(y / 7)], -1)
    lin = hue * np.linspace(0.5, 20.0, 48, dtype=np.float32)[:, None, None]  # to 20× white
    p3 = Image.from_pixels(lin, "p3", "linear", is_float=True)
    back = {}
    for fmt, ext in (("jpeg-uhdr", "jpg"), ("png-pq", "png")):
        out = read_image(ex.write_result(lin, tmp_path / f"o.{ext}", p3, fmt=fmt))
        back[fmt] = convert_primaries(out.linear, out.primaries, "rec2020") @ np.float32(
            [0.2627, 0.6780, 0.0593]
        )
    bright = back["png-pq"] > 1.0
    ratio = back["jpeg-uhdr"][bright] / back["png-pq"][bright]
    assert bright.sum() > 500
    assert abs(float(np.median(ratio)) - 1.0) < 0.01 and np.percentile(ratio, 5) > 0.97


def test_a_radiance_file_is_as_bright_as_the_openexr(tmp_path):
    """RGBE's writer truncates to 8-bit mantissas: a .hdr came back 0.4–0.6 % darker than
    the OpenEXR of the same result (a new user compared them). It now rounds."""
    rng = np.random.default_rng(5)
    lin = rng.uniform(0.02, 12.0, (32, 48, 3)).astype(np.float32)
    lin[..., 1] = lin[..., 0] * rng.uniform(0.6, 1.0, (32, 48)).astype(np.float32)
    source = Image.from_pixels(lin, "rec709", "linear", is_float=True)
    back = read_image(ex.write_result(lin, tmp_path / "o.hdr", source)).linear
    top = lin.max(axis=2)
    err = back.max(axis=2) / top - 1
    assert abs(float(err.mean())) < 0.001 and float(np.abs(err).max()) < 0.0042


@pytest.mark.parametrize("fmt", ["tiff-sdr", "tiff-float", "png-sdr", "jpeg-sdr", "exr"])
def test_the_lens_is_carried_right_or_not_at_all(tmp_path, source, hdr, fmt):
    """OpenImageIO's TIFF writer turned a lens specification of 1.54-5.1 mm f/1.6-2.4
    into "0-1.94 mm f/?-2.32": wrong metadata is worse than none, so TIFF leaves it out."""
    source.metadata["Exif:LensSpecification"] = ("float[4]", (1.54, 5.1, 1.6, 2.4))
    source.metadata["GPS:Latitude"] = ("float[3]", (43.0, 2.0, 30.5))
    ext = ex.FORMATS[fmt].extensions[0]
    spec = oiio.ImageInput.open(
        str(ex.write_result(hdr, tmp_path / f"o{ext}", source, fmt=fmt))
    ).spec()
    lens = spec.getattribute("Exif:LensSpecification")
    if lens is not None or not fmt.startswith("tiff"):
        np.testing.assert_allclose(lens, (1.54, 5.1, 1.6, 2.4), rtol=1e-3)
    np.testing.assert_allclose(spec.getattribute("GPS:Latitude"), (43.0, 2.0, 30.5), rtol=1e-3)


def test_an_ultra_hdr_file_has_one_xmp_packet_after_its_exif(tmp_path):
    """A photo whose metadata has XMP (a rating, a city) gave an Ultra HDR file two XMP
    packets, which XMP allows one of: a reader keeping one lost the rating and place or
    the gain map. And the container's XMP came before the Exif, which is to be first."""
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    lin = np.stack([x / 16, y / 12, (x + y) / 28], -1).astype(np.float32)
    source = Image.from_pixels(lin, "rec709", "linear", is_float=True)
    source.metadata.update(
        {
            "Make": ("string", "Canon"),
            "IPTC:City": ("string", "Cangas"),
            "IPTC:Rating": ("int", 4),
        }
    )
    path = ex.write_result(lin, tmp_path / "o.jpg", source, fmt="jpeg-uhdr")
    data = path.read_bytes()
    segments, i = [], 2
    while data[i + 1] != 0xDA:
        (n,) = struct.unpack(">H", data[i + 2 : i + 4])
        segments.append((data[i + 1], data[i + 4 : i + 2 + n]))
        i += 2 + n
    xmp = [p for m, p in segments if m == 0xE1 and p.startswith(b"http://ns.adobe.com/xap")]
    assert len(xmp) == 1, [p[:40] for _m, p in segments]
    assert b"hdrgm:Version" in xmp[0] and b"Container:Directory" in xmp[0]
    assert b'photoshop:City="Cangas"' in xmp[0] and b'xmp:Rating="4"' in xmp[0]
    order = [p[:4] for m, p in segments if m == 0xE1]
    assert order.index(b"Exif") < order.index(b"http")
    back = read_image(path)
    assert back.gain_map is not None and back.linear.max() > 3.0
    assert back.metadata["IPTC:City"][1] == "Cangas" and back.metadata["IPTC:Rating"][1] == 4
