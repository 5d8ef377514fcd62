"""HEIC/HEIF (pillow-heif), AVIF and JPEG XL with their transfer and primaries (PQ and HLG
are HDR input), and gain-map HDR photos (Ultra HDR written here and read back, Adobe's and
Apple's from other encoders, inconsistent metadata)."""

from pathlib import Path

import numpy as np
import pytest

from hdr_studio.core.errors import InputError
from hdr_studio.core.export import write_result
from hdr_studio.core.gamut import convert_primaries
from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import hlg_decode, pq_encode
from hdr_studio.training.metrics import pu21_psnr
from tests.helpers import CLI, SAMPLES, gradient, run_without

HDR_PHOTOS = Path(__file__).parents[1] / "data" / "hdr-photos"
heif = pytest.importorskip("pillow_heif")


def _exif(make: str, model: str) -> bytes:
    from PIL import Image as PILImage

    exif = PILImage.Exif()
    exif[0x010F], exif[0x0110] = make, model
    return exif.tobytes()


def _heic(path: Path, pixels: np.ndarray, nclx=None, exif=None) -> Path:
    mode = "RGB" if pixels.dtype == np.uint8 else "RGB;16"
    h, w = pixels.shape[:2]
    f = heif.from_bytes(mode=mode, size=(w, h), data=np.ascontiguousarray(pixels).tobytes())
    kw = {"quality": -1}
    if nclx:
        kw["nclx_profile"] = nclx
    if exif:
        kw["exif"] = exif
    f.save(path, **kw)
    return path


def test_heic_8bit_srgb_with_camera_metadata(tmp_path):
    px = (gradient() * 255).round().astype(np.uint8)
    im = read_image(_heic(tmp_path / "a.heic", px, exif=_exif("Apple", "iPhone 15 Pro")))
    assert (im.source_format, im.bit_depth, im.transfer, im.primaries) == (
        "heif",
        8,
        "srgb",
        "rec709",
    )
    assert im.metadata["Make"] == ("string", "Apple")
    assert np.abs(im.code - px / 255.0).mean() < 0.02  # lossless enough at quality -1


@pytest.mark.parametrize("transfer", [16, 18])
def test_heic_10bit_pq_and_hlg_are_hdr(tmp_path, transfer, capsys):
    ramp = np.linspace(0.0, 1.0, 64 * 48 * 3).reshape(48, 64, 3)
    px = (np.round(ramp * 1023).astype(np.uint16) << 6).astype(np.uint16)
    nclx = {
        "color_primaries": 9,
        "transfer_characteristics": transfer,
        "matrix_coefficients": 9,
        "full_range_flag": 1,
    }
    im = read_image(_heic(tmp_path / "p.heic", px, nclx))
    assert im.bit_depth == 10 and im.primaries == "rec2020"
    assert im.transfer == ("pq" if transfer == 16 else "hlg")
    assert im.linear.max() > 4.0  # far above SDR white: HDR input
    assert im.already_linear is False
    import json

    from hdr_studio.cli import main

    assert main(["analyze", str(tmp_path / "p.heic"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hdr_photo"] == {"encoding": im.transfer}
    assert main(["analyze", str(tmp_path / "p.heic")]) == 0
    assert "HDR photo: " + im.transfer.upper() in capsys.readouterr().out


def test_hlg_reference_white_is_sdr_white():
    white = hlg_decode(np.full((1, 1, 3), 0.75, np.float32))
    assert abs(float(white[0, 0, 0]) - 203.0) < 0.5  # BT.2408: 75 % HLG = 203 cd/m²


def test_avif_hlg_and_real_pq_avif(tmp_path):
    import imagecodecs

    q = np.full((16, 16, 3), 767, np.uint16)  # 0.75 of 10 bits
    data = imagecodecs.avif_encode(
        q, level=100, bitspersample=10, primaries=9, transfer=18, matrix=9
    )
    (tmp_path / "h.avif").write_bytes(data)
    im = read_image(tmp_path / "h.avif")
    assert im.transfer == "hlg" and abs(float(im.linear.mean()) - 1.0) < 0.02
    cosmos = read_image(HDR_PHOTOS / "cosmos1650_yuv444_10bpc_p3pq.avif")
    assert (cosmos.transfer, cosmos.primaries, cosmos.bit_depth) == ("pq", "p3", 10)
    assert cosmos.linear.max() > 5.0


def test_jpeg_xl_pq_is_read_as_hdr(tmp_path):
    import OpenImageIO as oiio

    nits = np.linspace(0, 1000, 32 * 24 * 3, dtype=np.float32).reshape(24, 32, 3)
    q = np.round(pq_encode(nits) * 65535).astype(np.uint16)
    spec = oiio.ImageSpec(32, 24, 3, oiio.UINT16)
    spec.attribute("oiio:ColorSpace", "pq_rec2020_display")
    out = oiio.ImageOutput.create(str(tmp_path / "p.jxl"))
    assert out.open(str(tmp_path / "p.jxl"), spec) and out.write_image(q)
    out.close()
    im = read_image(tmp_path / "p.jxl")
    assert im.transfer == "pq" and im.primaries == "rec2020"
    assert abs(float(im.linear.max()) - 1000 / 203) < 0.05


def test_heic_without_decoder_says_what_to_install(tmp_path):
    p = _heic(tmp_path / "a.heic", (gradient() * 255).astype(np.uint8))
    r = run_without(("pillow_heif",), CLI, "analyze", str(p))
    assert r.returncode == 2 and "pip install 'hdr-studio[heif]'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def _hdr_source():
    src = read_image(SAMPLES / "sunset_lomiri.jpg")
    lin = src.linear * np.float32(3.0)
    return src, lin


def test_ultra_hdr_round_trip_reads_back_its_hdr_source(tmp_path):
    src, lin = _hdr_source()
    out = write_result(lin, tmp_path / "u.jpg", src, fmt="jpeg-uhdr")
    im = read_image(out)
    assert im.gain_map is not None and im.gain_map.sdr.transfer == "srgb"
    assert im.gain_map.sdr.linear.shape == im.linear.shape
    truth = convert_primaries(lin, "rec709", im.primaries)
    ours = pu21_psnr(im.linear, truth)
    # OpenImageIO's own Ultra HDR decode (libultrahdr) of the same file, as a yardstick.
    import OpenImageIO as oiio

    inp = oiio.ImageInput.open(str(out))
    theirs = pu21_psnr(np.asarray(inp.read_image(oiio.FLOAT))[..., :3], truth)
    inp.close()
    assert ours >= 40.0 and ours >= theirs - 0.5, (ours, theirs)


@pytest.mark.parametrize(
    ("name", "kind", "headroom"),
    [
        ("seine_sdr_gainmap_srgb.jpg", "hdrgm", 1.3),
        ("paris_exif_xmp_gainmap_bigendian.jpg", "hdrgm", 3.5),
        ("apple_gainmap_new.jpg", "apple", None),
    ],
)
def test_gain_map_jpegs_from_other_encoders(name, kind, headroom):
    im = read_image(HDR_PHOTOS / name)
    info = im.gain_map
    assert info is not None and info.kind == kind and im.transfer == "linear"
    if headroom is not None:
        assert abs(info.headroom_stops - headroom) < 1e-6
    sdr = info.sdr
    assert sdr.linear.shape == im.linear.shape and sdr.linear.max() <= 1.0
    # The HDR rendition lifts the highlights above SDR white and never darkens much.
    assert im.linear.max() > 1.5
    bright = sdr.linear.max(axis=2) > 0.8
    assert np.median(im.linear.max(axis=2)[bright] / sdr.linear.max(axis=2)[bright]) > 1.1


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        (b'hdrgm:HDRCapacityMax="1.3"', b'hdrgm:HDRCapacityMax="0.0"', "HDRCapacityMax"),
        (b"<rdf:li>1.277177</rdf:li>", b"<rdf:li>-9.27717</rdf:li>", "below GainMapMin"),
        (b"<rdf:li>0.953784</rdf:li>", b"<rdf:li>-0.95378</rdf:li>", "gamma"),
    ],
)
def test_inconsistent_gain_map_metadata_is_a_one_line_input_error(tmp_path, old, new, why):
    data = (HDR_PHOTOS / "seine_sdr_gainmap_srgb.jpg").read_bytes()
    assert data.count(old) == 1 and len(old) == len(new)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(data.replace(old, new))
    with pytest.raises(InputError) as err:
        read_image(bad)
    assert "inconsistent gain-map metadata" in str(err.value) and why in str(err.value)
    assert "\n" not in str(err.value)


def test_cli_says_a_photo_is_already_hdr_and_still_reconstructs(tmp_path, capsys):
    from hdr_studio.cli import main

    path = HDR_PHOTOS / "seine_sdr_gainmap_srgb.jpg"
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "HDR photo: Ultra HDR / Adobe gain map, 1.30 stops" in out
    assert (
        main(["reconstruct", str(path), "-o", str(tmp_path / "o.exr"), "--method", "classical"])
        == 0
    )
    assert (tmp_path / "o.exr").exists()
    for fmt, ext in (("png-pq", "png"), ("jpeg-uhdr", "jpg")):
        dst = tmp_path / f"re.{ext}"
        assert (
            main(["reconstruct", str(path), "-o", str(dst), "--method", "none", "--format", fmt])
            == 0
        )


def _box(kind: bytes, body: bytes, full: tuple[int, int] | None = None) -> bytes:
    import struct

    if full is not None:
        body = bytes([full[0]]) + full[1].to_bytes(3, "big") + body
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _iso_payload(gain_max: float, headroom: float) -> bytes:
    import struct

    den = 1_000_000
    flags = 0x00  # one channel, separate denominators
    head = struct.pack(">HHB", 0, 0, flags)
    heads = struct.pack(">IIII", 0, 1, round(headroom * den), den)
    channel = struct.pack(">iIiIIIiIiI", 0, 1, round(gain_max * den), den, 1, 1, 0, 1, 0, 1)
    return head + heads + channel


def test_iso_21496_tmap_item_in_heif_is_found():
    """A HEIF 'meta' box written here: item 1 the base, 2 the gain map, 3 a 'tmap' whose
    payload (in 'idat', construction method 1) is ISO 21496-1 metadata."""
    import struct

    from hdr_studio.core.gainmap import heif_tmap

    def infe(item: int, kind: bytes) -> bytes:
        return _box(b"infe", struct.pack(">HH", item, 0) + kind + b"\x00", (2, 0))

    payload = b"\x00" + _iso_payload(gain_max=2.5, headroom=2.5)
    iinf = _box(
        b"iinf",
        struct.pack(">H", 3) + infe(1, b"hvc1") + infe(2, b"hvc1") + infe(3, b"tmap"),
        (0, 0),
    )
    iref = _box(b"iref", _box(b"dimg", struct.pack(">HHHH", 3, 2, 1, 2)), (0, 0))
    # iloc v1: offset 4 bytes, length 4 bytes, base 0, index 0; item 3 from idat.
    iloc_body = bytes([0x44, 0x00]) + struct.pack(">H", 1)
    iloc_body += struct.pack(">HHHH", 3, 1, 0, 1) + struct.pack(">II", 0, len(payload))
    iloc = _box(b"iloc", iloc_body, (1, 0))
    idat = _box(b"idat", payload)
    meta = _box(b"meta", _box(b"hdlr", b"\x00" * 20, (0, 0)) + iinf + iref + iloc + idat, (0, 0))
    data = _box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + meta
    params, gain_item = heif_tmap(data)
    assert gain_item == 2
    assert params.gain_max == (2.5, 2.5, 2.5) and params.capacity_max == 2.5
    assert heif_tmap(_box(b"ftyp", b"heic\x00\x00\x00\x00")) is None


def test_heic_with_an_unreadable_icc_profile_is_read_as_srgb(tmp_path):
    """An ICC profile that cannot be parsed leaves the photo sRGB with a note (it handed
    the image no colour space at all, found by the type check)."""
    px = (gradient(24, 32) * 255).astype(np.uint8)
    f = heif.from_bytes(mode="RGB", size=(32, 24), data=np.ascontiguousarray(px).tobytes())
    path = tmp_path / "bad-icc.heic"
    f.save(str(path), quality=-1, icc_profile=b"not an ICC profile at all" * 8)
    image = read_image(path)
    assert (image.primaries, image.transfer) == ("rec709", "srgb")
    assert any("ICC" in note for note in image.notes)


def test_heic_keeps_where_it_was_taken(tmp_path):
    """A phone's HEIC names where it was taken in its Exif's GPS block: the outputs lost it
    (only the camera and exposure blocks were read), where a JPEG's is carried."""
    import OpenImageIO as oiio
    from PIL import Image as PILImage

    exif = PILImage.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    exif[0x8825] = {
        1: "N",
        2: (43.0, 18.0, 5.25),
        3: "W",
        4: (2.0, 6.0, 0.0),
        5: b"\x00",
        6: 1520.5,
        0x1D: "2024:05:01",
    }
    px = (gradient() * 255).round().astype(np.uint8)
    im = read_image(_heic(tmp_path / "g.heic", px, exif=exif.tobytes()))
    assert im.metadata["GPS:Latitude"] == ("float[3]", (43.0, 18.0, 5.25))
    assert im.metadata["GPS:LongitudeRef"] == ("string", "W")
    assert im.metadata["GPS:Altitude"] == ("float", 1520.5)
    assert im.metadata["GPS:DateStamp"] == ("string", "2024:05:01")
    out = write_result(im.linear, tmp_path / "g.jpg", im, fmt="jpeg-sdr")
    spec = oiio.ImageInput.open(str(out)).spec()
    np.testing.assert_allclose(spec.getattribute("GPS:Latitude"), (43.0, 18.0, 5.25), atol=1e-3)
    assert spec.getattribute("GPS:LatitudeRef") == "N" and spec.getattribute("Make") == "Apple"
