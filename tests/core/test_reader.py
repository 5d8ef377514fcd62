import struct
import zlib

import numpy as np
import OpenImageIO as oiio
import pytest

from hdr_studio.core.errors import InputError
from hdr_studio.core.icc import build_icc
from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import gamma_decode, srgb_decode
from tests.helpers import SAMPLE_FILES, gradient, write


@pytest.fixture
def img():
    return gradient()


def test_jpeg_8bit_srgb(tmp_path, img):
    p = write(tmp_path / "a.jpg", (img * 255).round().astype(np.uint8))
    im = read_image(p)
    assert im.linear.shape == (48, 64, 3) and im.linear.dtype == np.float32
    assert (im.bit_depth, im.transfer, im.primaries, im.source_format) == (
        8,
        "srgb",
        "rec709",
        "jpeg",
    )
    np.testing.assert_allclose(im.linear, srgb_decode(im.code), rtol=1e-6)
    assert im.source_path == p and im.white == 1.0


@pytest.mark.parametrize(("dtype", "scale", "depth"), [(np.uint8, 255, 8), (np.uint16, 65535, 16)])
@pytest.mark.parametrize("ext", ["png", "tif"])
def test_integer_png_tiff_exact_code_values(tmp_path, img, dtype, scale, depth, ext):
    q = (img * scale).round().astype(dtype)
    im = read_image(write(tmp_path / f"a.{ext}", q))
    assert im.bit_depth == depth
    np.testing.assert_array_equal(im.code, q.astype(np.float32) / np.float32(scale))


@pytest.mark.parametrize("ext", ["exr", "tif", "hdr"])
def test_float_files_are_linear_and_unclamped(tmp_path, img, ext):
    hdr = img * 6.0
    im = read_image(write(tmp_path / f"a.{ext}", hdr.astype(np.float32)))
    assert im.transfer == "linear"
    # RGBE shares one exponent per pixel: error up to 1/128 of the pixel's largest channel.
    atol = hdr.max(axis=2, keepdims=True) / 100 if ext == "hdr" else 1e-6
    assert np.all(np.abs(im.linear - hdr) <= atol + 1e-6 * hdr)
    assert im.linear.max() > 5.0


def test_webp(tmp_path, img):
    im = read_image(write(tmp_path / "a.webp", (img * 255).round().astype(np.uint8)))
    assert im.linear.shape == (48, 64, 3) and im.source_format == "webp"


def test_exif_orientation_is_applied(tmp_path):
    px = np.zeros((20, 40, 3), np.uint8)
    px[:, :20, 0] = 255  # left half red
    px[:, 20:, 2] = 255  # right half blue
    im = read_image(write(tmp_path / "o.tif", px, Orientation=6))  # display rotated 90° CW
    assert im.linear.shape == (40, 20, 3)
    assert im.linear[5, 10, 0] == 1.0 and im.linear[35, 10, 2] == 1.0


@pytest.mark.parametrize(
    ("primaries", "transfer", "decoder"),
    [
        ("p3", "srgb", srgb_decode),
        ("adobergb", "gamma:2.2", lambda c: gamma_decode(c, 2.2)),
        ("rec709", "srgb", srgb_decode),
    ],
)
def test_embedded_icc_profile_is_honoured(tmp_path, img, primaries, transfer, decoder):
    icc = np.frombuffer(build_icc(primaries, transfer, "x"), dtype=np.uint8)
    q = (img * 255).round().astype(np.uint8)
    p = write(tmp_path / "icc.png", q, ICCProfile=(oiio.TypeDesc(f"uint8[{icc.size}]"), icc))
    im = read_image(p)
    assert (im.primaries, im.transfer) == (primaries, transfer)
    np.testing.assert_allclose(im.linear, decoder(q.astype(np.float32) / 255), rtol=1e-5)


def test_an_icc_profile_of_no_engine_space_is_converted_by_littlecms(tmp_path):
    """A ProPhoto (ROMM) photo was read as sRGB: its greens came out ~30 % too weak."""
    from hdr_studio.core import cms

    icc = np.frombuffer(cms.Profile.named("prophoto").icc(), dtype=np.uint8)
    px = np.zeros((4, 6, 3), np.uint8)
    px[0], px[1], px[2], px[3] = [0, 200, 0], [128, 128, 128], [255, 255, 255], [200, 40, 30]
    tag = (oiio.TypeDesc(f"uint8[{icc.size}]"), icc)
    im = read_image(write(tmp_path / "prophoto.png", px, ICCProfile=tag))
    assert (im.primaries, im.transfer) == ("rec2020", "linear")
    assert im.notes == ["colour converted from 'prophoto' by LittleCMS"]
    want = cms.convert(px / np.float32(255), cms.Profile.named("prophoto"), cms.working())
    np.testing.assert_allclose(im.linear, want, atol=1e-5)
    np.testing.assert_array_equal(im.code, px / np.float32(255))  # clipping: the file's codes
    assert im.linear[0, 0, 1] > 0.6 and im.linear[0, 0, 0] < 0  # beyond Rec.2020's green
    # An ICC profile LittleCMS cannot read either: sRGB assumed, and said.
    bad = np.frombuffer(b"not an ICC profile at all", dtype=np.uint8)
    im = read_image(
        write(tmp_path / "bad.tif", px, ICCProfile=(oiio.TypeDesc(f"uint8[{bad.size}]"), bad))
    )
    assert (im.primaries, im.transfer) == ("rec709", "srgb")
    assert any("assuming sRGB" in n for n in im.notes)


def test_cicp_pq_png_is_decoded_to_linear(tmp_path):
    from hdr_studio.core.transfer import pq_encode

    nits = np.full((4, 4, 3), 406.0, np.float32)  # two times reference white
    q = (pq_encode(nits) * 65535).round().astype(np.uint16)
    im = read_image(write(tmp_path / "pq.png", q, oiio__ColorSpace="pq_rec2020_display"))
    assert (im.primaries, im.transfer) == ("rec2020", "pq")
    np.testing.assert_allclose(im.linear, 2.0, rtol=1e-3)


def test_greyscale_alpha_palette_cmyk(tmp_path, img):
    from PIL import Image as PILImage

    q = (img * 255).round().astype(np.uint8)
    grey = read_image(write(tmp_path / "g.png", q[..., :1]))
    assert grey.linear.shape == (48, 64, 3)
    assert np.array_equal(grey.code[..., 0], grey.code[..., 2])
    assert any("greyscale" in n for n in grey.notes)

    rgba = np.concatenate([q, np.full((48, 64, 1), 128, np.uint8)], axis=2)
    im = read_image(write(tmp_path / "a.png", rgba))
    assert im.alpha is not None and im.alpha[0, 0] == pytest.approx(128 / 255)
    np.testing.assert_array_equal(im.code, q.astype(np.float32) / 255)

    PILImage.fromarray(q).convert("P").save(tmp_path / "p.png")
    assert read_image(tmp_path / "p.png").linear.shape == (48, 64, 3)

    PILImage.fromarray(q).convert("CMYK").save(tmp_path / "c.jpg")
    im = read_image(tmp_path / "c.jpg")
    assert im.linear.shape == (48, 64, 3)
    assert any("CMYK" in n for n in im.notes)


def test_nan_and_inf_are_replaced_with_a_note(tmp_path, img):
    hdr = img.copy() * 2
    hdr[0, 0, 0] = np.nan
    hdr[1, 1, 1] = np.inf
    hdr[2, 2, 2] = -np.inf
    im = read_image(write(tmp_path / "n.exr", hdr))
    assert np.isfinite(im.linear).all()
    assert im.linear[0, 0, 0] == 0 and im.linear[2, 2, 2] == 0
    assert im.linear[1, 1, 1] == pytest.approx(np.nanmax(np.where(np.isinf(hdr), 0, hdr)))
    assert any("NaN" in n for n in im.notes)


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


def test_bad_inputs_raise_one_line_input_errors(tmp_path, img):
    cases = {}
    cases["missing"] = tmp_path / "missing.png"
    (tmp_path / "empty.png").write_bytes(b"")
    cases["empty"] = tmp_path / "empty.png"
    (tmp_path / "text.jpg").write_text("this is not an image\n")
    cases["not an image"] = tmp_path / "text.jpg"
    good = write(tmp_path / "good.jpg", (img * 255).astype(np.uint8)).read_bytes()
    (tmp_path / "trunc.jpg").write_bytes(good[: len(good) // 2])
    cases["truncated"] = tmp_path / "trunc.jpg"
    (tmp_path / "huge.png").write_bytes(_png_claiming(100_000, 100_000))
    cases["absurd dimensions"] = tmp_path / "huge.png"
    cases["directory"] = tmp_path
    expected = {
        "missing": "no such file",
        "empty": "empty",
        "not an image": "not a readable image",
        "truncated": "truncated",
        # OIIO's own guard (header vs file size) or our pixel limit, whichever fires first.
        "absurd dimensions": ("above the limit", "header claims"),
        "directory": "directory",
    }
    for name, path in cases.items():
        with pytest.raises(InputError) as info:
            read_image(path)
        msg = str(info.value)
        wanted = expected[name] if isinstance(expected[name], tuple) else (expected[name],)
        assert "\n" not in msg and any(w in msg for w in wanted), (name, msg)
        assert info.value.exit_code == 2


def test_pixel_limit_is_a_parameter(tmp_path, img):
    p = write(tmp_path / "a.png", (img * 255).astype(np.uint8))
    with pytest.raises(InputError, match="--max-pixels"):
        read_image(p, max_pixels=1000)
    assert read_image(p, max_pixels=48 * 64).width == 64


def test_bundled_samples_are_real_clipped_photos():
    from hdr_studio.core.clipping import clip_stats

    assert len(SAMPLE_FILES) >= 3
    for path in SAMPLE_FILES:
        im = read_image(path)
        assert min(im.width, im.height) >= 600
        assert clip_stats(im.code).over_any > 0.01, path


def test_float_files_flag_only_their_ceiling_as_clipped(tmp_path, img):
    from hdr_studio.core.clipping import clip_stats

    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    sun = 50.0 * np.exp(-((x - 40) ** 2 + (y - 20) ** 2) / 18.0)
    hdr = (img * 2.0 + sun[..., None]).astype(np.float32)  # real HDR content, no ceiling
    assert clip_stats(read_image(write(tmp_path / "h.exr", hdr)).code).over_any < 0.01
    clipped = np.minimum(img * 3.0, 1.0).astype(np.float32)  # an SDR render clipped at 1.0
    assert clip_stats(read_image(write(tmp_path / "c.exr", clipped)).code).over_any > 0.2


def test_corruption_inside_the_file_is_an_input_error(tmp_path, img):
    p = write(tmp_path / "a.png", (img * 255).astype(np.uint8))
    data = bytearray(p.read_bytes())
    idat = data.find(b"IDAT")
    for i in range(idat + 20, idat + 60):
        data[i] ^= 0x5A  # flip bits in the compressed pixels: CRC and zlib both fail
    (tmp_path / "bad.png").write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"corrupt|truncated|not a readable"):
        read_image(tmp_path / "bad.png")


def test_reading_leaves_the_reference_count_of_none_alone():
    """A binding that touches None's refcount with the GIL released corrupts it once other
    threads run (the app reads on a worker); Python 3.11's None is not immortal."""
    import sys

    path = SAMPLE_FILES[0]
    read_image(path)
    before = sys.getrefcount(None)
    for _ in range(5):
        read_image(path)
    assert abs(sys.getrefcount(None) - before) < 50


def test_gif_plain_and_animated_read_their_first_frame(tmp_path):
    """OpenImageIO's GIF reader reports an alpha channel index past the last channel; GIFs
    are read (the first frame of an animation, with a note) instead of crashing."""
    from PIL import Image as PILImage

    rng = np.random.default_rng(3)
    a = (rng.random((40, 60, 3)) * 255).astype(np.uint8)
    PILImage.fromarray(a).save(tmp_path / "plain.gif")
    img = read_image(tmp_path / "plain.gif")
    assert img.width == 60 and img.height == 40 and img.source_format == "gif"
    frames = [PILImage.fromarray(np.full((20, 30, 3), v, np.uint8)) for v in (10, 130, 250)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    anim = read_image(tmp_path / "anim.gif")
    assert anim.code.max() == pytest.approx(10 / 255, abs=1e-6)  # the first frame
    assert any("several images" in n for n in anim.notes)


def test_out_of_range_exif_orientation_is_ignored_with_a_note(tmp_path):
    from PIL import Image as PILImage

    a = np.zeros((20, 30, 3), np.uint8)
    a[:, :5] = 255  # a bright left edge: stays left when the orientation is ignored
    im = PILImage.fromarray(a)
    exif = im.getexif()
    exif[0x0112] = 99
    im.save(tmp_path / "o.jpg", exif=exif, quality=95)
    img = read_image(tmp_path / "o.jpg")
    assert (img.width, img.height) == (30, 20)
    assert img.code[:, :3].mean() > 0.9 and img.code[:, -3:].mean() < 0.1
    assert any("invalid EXIF orientation (99)" in n for n in img.notes)


def test_one_bit_and_grey_alpha_files(tmp_path):
    from PIL import Image as PILImage

    a = (np.indices((16, 24)).sum(axis=0) % 2 * 255).astype(np.uint8)
    PILImage.fromarray(a).convert("1").save(tmp_path / "bw.png")
    PILImage.fromarray(a).convert("LA").save(tmp_path / "la.png")
    bw = read_image(tmp_path / "bw.png")
    assert set(np.unique(bw.code)) == {0.0, 1.0} and bw.alpha is None
    la = read_image(tmp_path / "la.png")
    assert la.alpha is not None and la.alpha.shape == (16, 24)
    np.testing.assert_array_equal(la.code[..., 0], la.code[..., 2])


def test_multi_part_exr_reads_its_first_part(tmp_path):
    import OpenImageIO as oiio

    path = tmp_path / "parts.exr"
    specs = [oiio.ImageSpec(8, 6, 3, oiio.FLOAT), oiio.ImageSpec(8, 6, 3, oiio.FLOAT)]
    for i, s in enumerate(specs):
        s.attribute("name", f"part{i}")
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), specs)
    out.write_image(np.full((6, 8, 3), 2.0, np.float32))
    assert out.open(str(path), specs[1], "AppendSubimage")
    out.write_image(np.full((6, 8, 3), 5.0, np.float32))
    out.close()
    img = read_image(path)
    assert img.linear.max() == pytest.approx(2.0)
    assert any("several images" in n for n in img.notes)
