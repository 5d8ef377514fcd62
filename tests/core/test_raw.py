"""Camera raw files: synthetic DNGs with known truth, real raws of three makers, truncated and
unsupported ones; the sensor clip mask; raw highlight reconstruction."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.core.dng import write_dng
from hdr_studio.core.errors import InputError
from hdr_studio.core.raw_highlights import clip_to_white, recover_partial, recovered_image
from hdr_studio.core.reader import read_image
from hdr_studio.training.data.sensor import simulate_raw
from hdr_studio.training.metrics import pu21_psnr
from tests.helpers import CLI, run_without, write

pytest.importorskip("rawpy")

DATA = Path(__file__).parents[1] / "data" / "raw"


def scene(h=96, w=128):
    """A smooth textured scene with a warm light (R, G clip; B survives), a white light
    (all clip) and dark surroundings."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    s = np.stack(
        [0.20 + 0.08 * np.sin(xx / 9), 0.25 + 0.05 * np.cos(yy / 7), 0.15 + 0.04 * np.sin(yy / 5)],
        axis=-1,
    )
    light = np.exp(-((yy - 40) ** 2 + (xx - 40) ** 2) / 300.0)[..., None]
    s = s + light * np.array([4.0, 1.6, 0.5], np.float32)
    s[60:80, 90:115] = 6.0
    return s


@pytest.fixture
def simulated(tmp_path):
    sim = simulate_raw(scene(), exposure=1.0, seed=3)
    return sim, read_image(sim.write(tmp_path / "sim.dng"))


def test_synthetic_dng_decodes_to_the_truth_where_nothing_clipped(simulated):
    sim, im = simulated
    assert (im.source_format, im.primaries, im.transfer) == ("raw", "rec2020", "linear")
    assert im.linear.shape == (96, 128, 3) and im.sensor_clip.dtype == bool
    truth = sim.truth_camera @ im.raw.camera_to_output.T
    ok = ~im.sensor_clip.any(axis=2)
    rel = np.abs(im.linear[ok] - truth[ok]) / (np.abs(truth[ok]) + 0.02)
    assert np.median(rel) < 0.03
    assert im.metadata["Make"] == ("string", "HDR Studio")
    np.testing.assert_allclose(im.raw.white_balance, 1.0 / sim.neutral, rtol=1e-3)


def test_the_clip_mask_comes_from_the_sensor_per_channel(simulated):
    sim, im = simulated
    level = np.asarray(im.raw.clip_levels)
    over = sim.truth_camera >= 1.05 * level  # well past white: must be flagged
    under = sim.truth_camera <= 0.8 * level
    assert im.sensor_clip[over].all()
    # A channel far below its white is clipped only next to clipped photosites.
    import cv2

    near = cv2.dilate(over.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert not im.sensor_clip[under & ~near].any()
    # The warm light clips red but not blue: one mask per channel.
    r, _, b = (im.sensor_clip[40, 40, c] for c in range(3))
    assert r and not b
    # Code values carry the mask: 1.0 exactly where clipped, below any clip ramp elsewhere.
    assert (im.code[im.sensor_clip] == 1.0).all() and im.code[~im.sensor_clip].max() <= 0.94


def test_values_above_white_are_not_clipped(simulated):
    _, im = simulated
    camera = im.linear @ np.linalg.inv(im.raw.camera_to_output).T
    # Red saturates at its white-balance multiplier (> 1), not at 1.0.
    assert camera[..., 0].max() > 1.2 and im.raw.clip_levels[0] > 1.2


def test_orientation_from_the_file(tmp_path):
    cfa = np.full((30, 60), 1000, np.uint16)  # LibRaw refuses sides under 22
    cfa[:, :4] = 3000
    p = write_dng(tmp_path / "o.dng", cfa, black=0, white=4095, orientation=6)
    im = read_image(p)
    assert im.linear.shape == (60, 30, 3)
    assert im.linear[:2].mean() > 1.5 * im.linear[-2:].mean()  # the bright left edge is on top


def test_raw_highlight_reconstruction_beats_none_and_clip_at_white(simulated):
    sim, im = simulated
    matrix = im.raw.camera_to_output
    truth = sim.truth_camera @ matrix.T
    count = im.sensor_clip.sum(axis=2)
    partial = (count > 0) & (count < 3)
    assert partial.sum() > 50
    camera = im.linear @ np.linalg.inv(matrix).T
    rebuilt, full = recover_partial(camera, im.sensor_clip, im.raw.clip_levels)
    assert (full == (count == 3)).all()
    ours = pu21_psnr(rebuilt @ matrix.T, truth, partial)
    none = pu21_psnr(im.linear, truth, partial)
    clip = pu21_psnr(
        clip_to_white(camera, im.sensor_clip, im.raw.clip_levels) @ matrix.T, truth, partial
    )
    assert ours > none + 1.0 and ours > clip + 1.0, (ours, none, clip)
    # Clipped channels only grow; unclipped pixels are untouched.
    assert (rebuilt >= camera - 1e-6).all()
    np.testing.assert_array_equal(rebuilt[count == 0], camera[count == 0])
    rec = recovered_image(im)
    assert rec.raw is None and (rec.code[full] == 1.0).all()
    assert (rec.code[~full] <= 0.94).all()
    # Pixels with no channel clipped keep their values and code values exactly.
    np.testing.assert_array_equal(rec.linear[count == 0], im.linear[count == 0])
    np.testing.assert_array_equal(rec.code[count == 0], im.code[count == 0])
    np.testing.assert_allclose(rec.linear[partial], rebuilt[partial] @ matrix.T, rtol=1e-5)


def test_real_raws_of_three_makers():
    kodak = read_image(DATA / "RAW_KODAK_DC50.KDC")
    # OpenImageIO's TIFF reader gave this file's 96x64 thumbnail, silently.
    assert kodak.linear.shape == (512, 768, 3) and kodak.source_format == "raw"
    assert kodak.metadata["Make"][1] == "Eastman Kodak Company"
    assert np.isfinite(kodak.linear).all() and kodak.sensor_clip.shape == (512, 768, 3)
    bmd = read_image(DATA / "Blackmagic_Pocket_Cinema_Camera_4K.dng")
    # the DNG's default crop (DefaultCropOrigin 16, 8; DefaultCropSize 4096 × 2160): the
    # whole sensor read kept four black columns, counted as an under-exposed region
    assert bmd.linear.shape == (2160, 4096, 3) and bmd.raw is not None
    assert bmd.linear[:, -4:].mean() > 0.02 and bmd.sensor_clip.shape == (2160, 4096, 3)
    assert bmd.raw.white_balance[0] > 1.5 and np.isfinite(bmd.linear).all()
    assert bmd.sensor_clip.any() and not bmd.sensor_clip.all()
    # A Canon CRW (CIFF, not TIFF): no as-shot white balance LibRaw can use, no rgb_cam;
    # its sensor saturates over a cluster 4050-4079 of 4095, not on one plateau.
    canon = read_image(DATA / "RAW_CANON_D30_SRGB.CRW")
    assert canon.linear.shape == (1440, 2160, 3) and canon.raw is not None  # LibRaw's crop
    assert len(canon.notes) == 1 and "camera's own preview" in canon.notes[0]  # not daylight
    share = canon.sensor_clip.mean(axis=(0, 1))
    assert (share > 0.004).all() and (share < 0.02).all(), share  # the lighter's highlights
    red_cap = canon.linear[600:640, 1400:1450].mean(axis=(0, 1))  # through the camera matrix
    assert red_cap[0] > 2.5 * red_cap[1] and red_cap[0] > 2.5 * red_cap[2], red_cap


@pytest.mark.parametrize("path", sorted((DATA / "truncated").iterdir()), ids=lambda p: p.name)
def test_truncated_and_unsupported_raws_are_one_line_input_errors(path):
    with pytest.raises(InputError) as err:
        read_image(path)
    text = str(err.value)
    assert "\n" not in text and path.name in text
    assert "truncated" in text or "does not support" in text


def test_raw_without_libraw_says_what_to_install(tmp_path):
    r = run_without(("rawpy",), CLI, "analyze", str(DATA / "RAW_KODAK_DC50.KDC"))
    assert r.returncode == 2 and "pip install 'hdr-studio[raw]'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_network_fills_raw_only_around_what_clipped_in_all_three(tmp_path):
    pytest.importorskip("torch")
    from hdr_studio.api.engine import run_method
    from hdr_studio.core.regions import fill_boxes

    yy, xx = np.mgrid[0:300, 0:900].astype(np.float32)
    s = np.stack([0.2 + 0.05 * np.sin(xx / 13), 0.22 + 0.0 * yy, 0.18 + 0.04 * np.cos(yy / 9)], -1)
    s[140:160, 440:470] = 8.0  # one small light, clipped in every channel
    im = read_image(simulate_raw(s, exposure=1.0).write(tmp_path / "spot.dng"))
    rebuilt = recovered_image(im)
    (box,) = fill_boxes(rebuilt.code.min(axis=2) >= 1.0)
    out = run_method(im, "masked").hdr
    x0, y0, x1, y1 = box
    outside = np.ones(out.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert outside.mean() > 0.3
    np.testing.assert_array_equal(out[outside], rebuilt.linear[outside])
    inside = rebuilt.code.min(axis=2) >= 1.0
    assert out[inside].mean() > rebuilt.linear[inside].mean() * 1.2  # the light was filled


def test_a_photo_is_read_by_what_it_holds_not_its_name(tmp_path):
    """A raw renamed .jpg was refused ("not a JPEG file, magic number doesn't match"), and
    a JPEG or TIFF under a raw's or another name was misread: the first bytes decide."""
    from hdr_studio.core.reader import read_image, sniff

    crw = DATA / "RAW_CANON_D30_SRGB.CRW"
    as_jpeg = tmp_path / "holiday.jpg"
    shutil.copy(crw, as_jpeg)
    assert sniff(as_jpeg) == "raw"
    want = read_image(crw)
    got = read_image(as_jpeg)
    assert got.transfer == want.transfer == "linear" and got.linear.shape == want.linear.shape
    np.testing.assert_array_equal(got.linear, want.linear)

    dng_named = tmp_path / "IMG_0001.JPG"  # a TIFF-based raw (DNG) under a JPEG's name
    shutil.copy(DATA / "Blackmagic_Pocket_Cinema_Camera_4K.dng", dng_named)
    assert sniff(dng_named) == "raw-or-tiff"
    assert read_image(dng_named).linear.shape[:2] == (2160, 4096)  # its default crop

    px = (np.linspace(0, 1, 24 * 16 * 3).reshape(16, 24, 3) * 255).astype(np.uint8)
    jpeg_as_raw = write(tmp_path / "shot.jpg", px).rename(tmp_path / "shot.dng")
    assert sniff(jpeg_as_raw) == "jpeg" and read_image(jpeg_as_raw).code.shape == (16, 24, 3)
    tiff_as_png = write(tmp_path / "scan.tif", px).rename(tmp_path / "scan.png")
    assert sniff(tiff_as_png) == "raw-or-tiff"  # LibRaw refuses a plain TIFF: OpenImageIO
    np.testing.assert_array_equal(read_image(tiff_as_png).code, px / np.float32(255))


def test_a_crw_carries_its_camera_and_capture_time(tmp_path):
    """A Canon CRW's metadata is CIFF, not TIFF: its make, model, capture time and artist
    reached no output (the exposure did, from LibRaw)."""
    from hdr_studio.core.export import write_result

    photo = read_image(DATA / "RAW_CANON_D30_SRGB.CRW")
    md = photo.metadata
    assert md["Make"][1] == "Canon" and md["Model"][1] == "Canon EOS D30"
    assert md["Exif:DateTimeOriginal"][1] == "2002:11:24 15:11:22"
    assert md["Artist"][1] == "Marc-Andre Keune"
    back = read_image(write_result(photo.linear, tmp_path / "o.exr", photo)).metadata
    assert back["Model"][1] == "Canon EOS D30"
    assert "DateTime" not in read_image(DATA / "Blackmagic_Pocket_Cinema_Camera_4K.dng").metadata


def test_a_raw_without_as_shot_balance_is_balanced_as_its_preview():
    """The Canon D30's CRW holds no as-shot white balance: LibRaw's daylight balance gave
    it an orange cast (R/G 2.1, B/G 0.52 in its middle tones) where the camera's own
    preview is close to neutral (1.33, 0.80). Its preview now says what the camera chose."""
    import imagecodecs
    import rawpy

    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.raw import FROM_PREVIEW
    from hdr_studio.core.reader import read_image
    from hdr_studio.core.transfer import srgb_decode

    path = Path(__file__).parents[1] / "data" / "raw" / "RAW_CANON_D30_SRGB.CRW"
    image = read_image(path)
    assert FROM_PREVIEW in image.notes
    lin = convert_primaries(image.linear, image.primaries, "rec709")
    mid = (lin.max(-1) < 0.9) & (lin.min(-1) > 0.02)
    got = lin[mid].mean(0) / lin[mid].mean(0)[1]
    with rawpy.imread(str(path)) as raw:
        px = np.asarray(imagecodecs.jpeg8_decode(bytes(raw.extract_thumb().data)))
    ref = srgb_decode(px.astype(np.float32) / 255)
    ok = (ref.max(-1) < 0.9) & (ref.min(-1) > 0.02)
    want = ref[ok].mean(0) / ref[ok].mean(0)[1]
    np.testing.assert_allclose(got, want, atol=0.08)
    assert np.all(image.raw.clip_levels == image.raw.white_balance)  # clipping at its balance
