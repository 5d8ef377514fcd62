"""The fill policy every network shares (numpy composites, no network): calibration gains,
Santos' blend, the coarse pass's reach."""

from __future__ import annotations

import numpy as np
import pytest

from hdr_studio.core.fill import (
    SEED_REACH,
    Calibration,
    at_clip,
    keep_measured,
    keep_unclipped,
    log_ratio,
    near_clip,
    sdr_changes,
    seed_proximity,
)
from hdr_studio.core.image import Image
from hdr_studio.core.transfer import srgb_decode


def test_metadata_round_trip_and_defaults():
    assert Calibration.from_metadata({}) == Calibration(1.0, 1.0, 1.0)
    cal = Calibration(hdr=0.7, over=0.2, under=0.1)
    assert Calibration.from_metadata({"calibration": cal.to_metadata()}) == cal
    with pytest.raises(ValueError):
        Calibration.from_metadata({"calibration": "not json"})


def test_keep_unclipped_gains_scale_the_change_per_clip_level():
    code = np.array([[[0.0, 0.5, 1.0]]], np.float32)
    net = np.array([[[0.2, 0.9, 1.4]]], np.float32)
    raw = keep_unclipped(code, net)
    np.testing.assert_allclose(raw, [[[0.2, 0.5, 1.4]]], atol=1e-6)  # mid-tone untouched
    cal = keep_unclipped(code, net, Calibration(over=0.25, under=0.5))
    np.testing.assert_allclose(cal, [[[0.1, 0.5, 1.1]]], atol=1e-6)
    np.testing.assert_array_equal(keep_unclipped(code, net, Calibration(over=0, under=0)), code)
    # a network that goes below black gives black, never negative light
    dark = keep_unclipped(code, np.array([[[-0.2, 0.5, 1.0]]], np.float32))
    assert dark[0, 0, 0] == 0.0


class _Img:
    """The fields keep_measured reads (code values, their linear decode, no sensor mask)."""

    sensor_clip = None

    def __init__(self, code: np.ndarray) -> None:
        from hdr_studio.core.transfer import srgb_decode

        self.code = code
        self.linear = srgb_decode(code)


def test_keep_measured_gain_is_a_log_ratio_exponent():
    code = np.array([[[1.0, 1.0, 0.5]]], np.float32)
    img = _Img(code)
    hdr = np.array([[[4.0, 0.5, 9.0]]], np.float32)
    raw = keep_measured(img, hdr)
    # Clipped channels: the estimate, never below the measurement; unclipped: measured.
    np.testing.assert_allclose(raw, [[[4.0, 1.0, img.linear[0, 0, 2]]]], rtol=1e-6)
    half = keep_measured(img, hdr, 0.5)
    np.testing.assert_allclose(half, [[[2.0, 1.0, img.linear[0, 0, 2]]]], rtol=1e-5)
    np.testing.assert_allclose(keep_measured(img, hdr, 0.0), img.linear, rtol=1e-6)


def test_pixels_clipped_in_every_channel_get_no_invented_hue():
    """All three channels clipped: the fill keeps the measured colour (white here) and the
    mean log ratio of the channels; one channel clipped: the network's value for it stays."""
    from hdr_studio.core.image import Image
    from hdr_studio.core.transfer import srgb_decode

    code = np.full((4, 4, 3), 0.5, np.float32)
    code[0, 0] = 1.0  # white: every channel clipped
    code[1, 1] = (1.0, 0.5, 0.3)  # red clipped only
    image = Image(linear=srgb_decode(code), code=code)
    fill = np.broadcast_to(np.array([4.0, 2.0, 1.0], np.float32), code.shape).copy()
    fill[1, 1] = (3.0, 0.0, 0.0)
    out = keep_measured(image, fill, 1.0)
    np.testing.assert_allclose(out[0, 0], [2.0, 2.0, 2.0], rtol=1e-5)  # exp(mean(log 4, 2, 1))
    np.testing.assert_allclose(out[1, 1], [3.0, *image.linear[1, 1, 1:]], rtol=1e-5)
    np.testing.assert_allclose(out[2, 2], image.linear[2, 2], rtol=1e-6)


def test_narrow_areas_keep_the_full_size_fill_wide_ones_take_the_coarse_one():
    code = np.full((64, 96, 3), 0.5, np.float32)
    code[10:13, 10:13] = 1.0  # inradius ~2 px: the full-size fill
    code[20:60, 40:90] = 1.0  # inradius ~20 px: the coarse fill
    image = Image(linear=srgb_decode(code), code=code)
    fine = np.full_like(code, 2.0)
    coarse = log_ratio(np.full_like(code, 4.0), image.linear)
    out = keep_measured(image, fine, 1.0, coarse, (4.0, 12.0))
    np.testing.assert_allclose(out[11, 11], 2.0, rtol=1e-5)
    np.testing.assert_allclose(out[40, 65], 4.0, rtol=1e-5)
    np.testing.assert_allclose(out[0, 0], image.linear[0, 0], rtol=1e-6)
    no_coarse = keep_measured(image, fine, 1.0, None)
    np.testing.assert_allclose(no_coarse, np.where(code == 1.0, 2.0, image.linear), rtol=1e-5)


def test_near_clip_and_sdr_changes_name_every_pixel_the_composites_read():
    """The masks the tiled runner skips by: outside them the composites' results do not
    depend on the network output at all (two very different outputs, same pixels there);
    inside them they do."""
    rng = np.random.default_rng(7)
    code = np.round(rng.random((64, 80, 3)) ** 0.3 * 255).astype(np.float32) / 255
    code[:8] = 0.002  # crushed rows
    image = Image(linear=srgb_decode(code), code=code)
    a, b = 2 + rng.random((2, 64, 80, 3)).astype(np.float32) * 8  # above every measurement
    near = near_clip(code)
    assert 0.05 < near.mean() < 0.95
    ha, hb = keep_measured(image, a), keep_measured(image, b)
    np.testing.assert_array_equal(ha[~near], hb[~near])
    # of those, the ones within reach of a pixel that clipped take the fill ...
    reach = np.zeros(near.shape, bool)
    reach[near] = seed_proximity(at_clip(image), near, SEED_REACH) > 0
    assert (ha[reach] != hb[reach]).any(axis=1).all()
    # ... and a nearly clipped one away from them is the measurement, exactly
    assert (near & ~reach).any()
    np.testing.assert_array_equal(ha[near & ~reach], image.linear[near & ~reach])
    changes = sdr_changes(code)
    assert changes[:8].all() and 0.05 < changes[8:].mean() < 0.95
    sa, sb = keep_unclipped(code, a), keep_unclipped(code, b)
    np.testing.assert_array_equal(sa[~changes], sb[~changes])
    assert (sa[changes] != sb[changes]).any(axis=1).all()


def test_fill_smoothing_evens_a_blotchy_core_and_adds_no_colour_at_the_rim():
    """A clipped disc whose network estimate is noisy: with ``smooth`` the fully clipped core
    comes out smoother; at the rim, where one channel still measures, no clipped channel is
    pushed above the network's own estimate (a halo of the core's boost); nothing outside
    the pixels near the clip changes."""
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:128, 0:160].astype(np.float32)
    d = np.hypot(yy - 64, xx - 80)
    lin = np.stack([0.4 + 1.6 * np.exp(-((d / 30) ** 2))] * 3, axis=2)
    lin[..., 0] *= 0.8  # red measures where green and blue clipped, at the rim
    code = np.clip(lin, 0, 1) ** (1 / 2.2)
    code = (np.round(code * 255) / 255).astype(np.float32)
    image = Image(linear=srgb_decode(code), code=code)
    est = (lin * np.exp(rng.normal(0, 0.4, lin.shape))).astype(np.float32)
    plain = keep_measured(image, est)
    smooth = keep_measured(image, est, smooth=1 / 16)
    near = near_clip(code)
    np.testing.assert_array_equal(plain[~near], smooth[~near])
    full = code.min(axis=2) >= 1.0
    rim = near & (code.min(axis=2) <= 0.96)  # a channel below Santos' threshold: measured
    assert full.sum() > 200 and rim.sum() > 50
    assert np.log(smooth[full]).std() < 0.5 * np.log(plain[full]).std()
    assert (smooth[rim] <= plain[rim] * (1 + 1e-5)).all()


def test_a_near_white_band_is_changed_only_at_the_rim_of_what_clipped():
    """Round three: on a plain sRGB photo a code of 250 is a measurement. A bright wall
    that never reaches the clip comes out exactly as measured; beside a clipped disc only
    the pixels within SEED_REACH of it take the fill; without seed_reach (eq. 1 alone) the
    whole band would."""
    yy, xx = np.mgrid[0:64, 0:96].astype(np.float32)
    code = np.full((64, 96, 3), 0.5, np.float32)
    code[:, 48:] = 250 / 255  # a near-white wall, right half
    disc = np.hypot(yy - 32, xx - 72) < 6
    code[disc] = 1.0  # a lamp on it that clipped
    code[:, :20] = 249 / 255  # another wall, far from any clip
    image = Image(linear=srgb_decode(code), code=code)
    est = image.linear * 4
    out = keep_measured(image, est)
    d = np.hypot(*np.meshgrid(np.arange(96) - 72.0, np.arange(64) - 32.0)[::-1]) - 6
    changed = (out != image.linear).any(axis=2)
    assert changed[disc].all()
    assert changed[(d > 0) & (d < 1.5) & (code[..., 0] > 0.96)].all()
    far = (d > SEED_REACH[1] + 1) & (code[..., 0] > 0.96)
    assert far.sum() > 1000 and not changed[far].any()
    assert not changed[:, :20].any()
    eq1 = keep_measured(image, est, seed_reach=None)
    assert (eq1 != image.linear).any(axis=2)[far].all()


def test_seed_proximity_falls_from_one_to_zero_over_the_reach():
    clipped = np.zeros((9, 40), bool)
    clipped[:, 0] = True
    near = np.ones((9, 40), bool)
    w = seed_proximity(clipped, near, (1.5, 3.0)).reshape(9, 40)[4]
    np.testing.assert_allclose(w[:5], [1, 1, 2 / 3, 0, 0], atol=1e-3)
    assert not seed_proximity(np.zeros((9, 40), bool), near, (1.5, 3.0)).any()


def test_keep_measured_takes_an_estimate_as_its_log_ratio():
    rng = np.random.default_rng(5)
    code = np.round(rng.random((32, 40, 3)) ** 0.2 * 255).astype(np.float32) / 255
    image = Image(linear=srgb_decode(code), code=code)
    est = image.linear * (1 + 3 * rng.random((32, 40, 3)).astype(np.float32))
    a = keep_measured(image, est, gain=0.9, smooth=1 / 32)
    b = keep_measured(image, log_ratio(est, image.linear), gain=0.9, smooth=1 / 32, is_ratio=True)
    np.testing.assert_allclose(a, b, rtol=1e-5)


def test_the_fill_finds_the_clipped_pixels_among_the_near_ones():
    """keep_measured looks for the pixels at the clip among those near it only, and hands the
    near pixels' coordinates on: the same rim weights as from the whole picture."""
    from hdr_studio.core.clipping import SANTOS_THRESHOLD
    from hdr_studio.core.fill import HARD_CLIP

    assert HARD_CLIP > SANTOS_THRESHOLD  # a pixel at the clip is always a near one
    rng = np.random.default_rng(3)
    code = np.round(rng.random((48, 64, 3)) ** 0.2 * 255).astype(np.float32) / 255
    image = Image(linear=srgb_decode(code), code=code)
    near = near_clip(code)
    clipped = at_clip(image)
    assert clipped.any() and not (clipped & ~near).any()
    where = np.nonzero(near)
    np.testing.assert_array_equal(
        seed_proximity(clipped, near, SEED_REACH, where), seed_proximity(clipped, near, SEED_REACH)
    )
    # a raw file's sensor mask is its own evidence: the rim follows it, not the codes
    sensor = np.zeros((48, 64, 3), bool)
    sensor[20:28, 30:40] = True
    raw = Image(linear=image.linear, code=code, sensor_clip=sensor)
    est = np.full_like(code, 9.0)
    assert not np.array_equal(keep_measured(raw, est), keep_measured(image, est))


def test_a_log_ratio_brought_up_where_read_is_the_whole_one_there():
    from hdr_studio.core.fill import LogRatio

    rng = np.random.default_rng(11)
    small = rng.random((7, 9, 3)).astype(np.float32)
    lazy = LogRatio(small, 40, 61)
    full = lazy.full()
    assert full.shape == lazy.shape == (40, 61, 3)
    ys, xs = np.nonzero(rng.random((40, 61)) < 0.4)
    np.testing.assert_allclose(lazy.at(ys, xs), full[ys, xs], atol=1e-6)
    # the fill reads it as it would read the whole array
    code = np.round(rng.random((40, 61, 3)) ** 0.2 * 255).astype(np.float32) / 255
    image = Image(linear=srgb_decode(code), code=code)
    # (at the same reach: by default a small copy's is wider, as the next test shows)
    given = dict(smooth=1 / 32, is_ratio=True, reach=(4.0, 12.0))
    np.testing.assert_allclose(
        keep_measured(image, lazy, coarse_ratio=lazy, **given),
        keep_measured(image, full, coarse_ratio=full, **given),
        rtol=1e-5,
    )


def test_the_coarse_pass_reach_is_counted_in_the_pixels_the_fill_was_made_at():
    """A fill made at a quarter of the side saw every region four times narrower: a region
    of inradius ~5 px mostly takes the coarse fill when the fill was made at full size, and
    keeps the working-size fill when it was made at a quarter of the side."""
    from hdr_studio.core.fill import COARSE_REACH, LogRatio, coarse_reach

    code = np.full((96, 120, 3), 0.5, np.float32)
    code[30:41, 40:51] = 1.0  # an 11 × 11 square: inradius 5–6 px
    image = Image(linear=srgb_decode(code), code=code)
    small = np.full((24, 30, 3), np.log(2.0), np.float32)  # the fill at a quarter of the side
    work = LogRatio(small, 96, 120)
    coarse = np.full((96, 120, 3), np.log(8.0), np.float32)
    assert coarse_reach(work) == (COARSE_REACH[0] * 4, COARSE_REACH[1] * 4)
    assert coarse_reach(work.full()) == COARSE_REACH
    assert COARSE_REACH[0] < 5 and 4 * COARSE_REACH[0] > 6  # the square lies between
    lin = image.linear[35, 45]
    kept = keep_measured(image, work, coarse_ratio=coarse, is_ratio=True)
    np.testing.assert_allclose(kept[35, 45], lin * 2.0, rtol=1e-5)
    as_full = keep_measured(image, work.full(), coarse_ratio=coarse, is_ratio=True)
    assert (as_full[35, 45] > lin * 3.0).all()  # well into the coarse pass's 8×


def test_the_fill_reads_a_view_of_some_channels_as_the_channels_themselves():
    rng = np.random.default_rng(12)
    code = np.round(rng.random((30, 40, 3)) ** 0.2 * 255).astype(np.float32) / 255
    image = Image(linear=srgb_decode(code), code=code)
    out = (2 + 8 * rng.random((30, 40, 6))).astype(np.float32)  # e.g. DRHT's HDR + SDR heads
    view = out[..., 0:3]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(
        keep_measured(image, view, smooth=1 / 32), keep_measured(image, view.copy(), smooth=1 / 32)
    )
