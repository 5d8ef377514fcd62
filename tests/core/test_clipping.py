import numpy as np
import pytest

from hdr_studio.core import clipping as c


@pytest.fixture
def code():
    """4×4 image: row 0 all-over, row 1 red-only over, row 2 all-under, row 3 mid grey."""
    a = np.full((4, 4, 3), 0.5, np.float32)
    a[0] = 1.0
    a[1] = (1.0, 0.6, 0.3)
    a[2] = 0.0
    a[3, 0] = (0.99, 0.99, 0.5)  # two channels over 250/255
    return a


def test_channel_masks_and_modes(code):
    over, under = c.channel_masks(code)
    assert over.shape == (4, 4, 3) and over.dtype == bool
    assert c.combine(over, "all").sum() == 4
    assert c.combine(over, "any").sum() == 9
    assert c.combine(under, "all").sum() == 4
    o_all, u_any = c.clip_masks(code, mode="all")[0], c.clip_masks(code, mode="any")[1]
    assert o_all[0].all() and not o_all[1].any() and u_any[2].all()


def test_thresholds_are_parameters(code):
    over, _ = c.clip_masks(code, over=0.55, mode="any")
    assert over[1].all() and over[3, 0] and not over[3, 1]
    with pytest.raises(ValueError, match="under-exposure threshold"):
        c.channel_masks(code, over=0.5, under=0.6)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        c.channel_masks(np.zeros((4, 4)))


def test_santos_mask_matches_beta():
    t = np.array([0.0, 0.5, 0.96, 0.98, 1.0], np.float32)
    np.testing.assert_allclose(c.santos_mask(t), [1, 1, 1, 0.5, 0], atol=1e-6)


def test_hybrid_mask_matches_eq1():
    base = np.array([[[0.5, 0.95, 1.0]]], np.float32)
    np.testing.assert_allclose(c.hybrid_mask(base, tau=0.9), [[[0, 0.5, 1]]], atol=1e-6)


def test_stats(code):
    s = c.clip_stats(code)
    assert s.over_per_channel == pytest.approx({"R": 9 / 16, "G": 5 / 16, "B": 4 / 16})
    assert s.over_any == pytest.approx(9 / 16) and s.over_all == pytest.approx(4 / 16)
    assert s.under_all == pytest.approx(4 / 16)
    assert s.over_regions == 2  # rows 0-1 touch; (3, 0) is cut off by the dark row 2
    assert [r.pixels for r in s.largest_over] == [8, 1]
    assert s.largest_over[0].bbox == (0, 0, 4, 2)
    d = s.to_dict()
    assert d["largest_over"][0]["pixels"] == 8


def test_region_count_and_sizes():
    code = np.full((20, 20, 3), 0.5, np.float32)
    code[1:3, 1:3] = 1.0  # 4 px
    code[10:15, 10:15] = 1.0  # 25 px
    code[18, 0] = 1.0  # 1 px
    s = c.clip_stats(code)
    assert s.over_regions == 3
    assert [r.pixels for r in s.largest_over] == [25, 4, 1]


def test_overlay_all_any_modes(code):
    ov = c.clip_overlay(code, mode="all", opacity=0.5)
    assert ov.shape == (4, 4, 4) and ov.dtype == np.uint8
    assert tuple(ov[0, 0]) == (255, 0, 0, 128)
    assert tuple(ov[2, 0]) == (0, 255, 0, 128)
    assert ov[1, 0, 3] == 0 and ov[3, 3, 3] == 0  # partial clip is not "all"
    ov_any = c.clip_overlay(code, mode="any")
    assert tuple(ov_any[1, 0]) == (255, 0, 0, 255)
    over, under = c.clip_masks(code, mode="any")
    np.testing.assert_array_equal(ov_any[..., 3] > 0, over | under)


def test_overlay_channel_mode_shows_which_channel(code):
    ov = c.clip_overlay(code, mode="channel")
    assert tuple(ov[0, 0, :3]) == (255, 255, 255)  # all three clipped
    assert tuple(ov[1, 0, :3]) == (255, 0, 0)  # red only
    assert tuple(ov[3, 0, :3]) == (255, 255, 0)  # red + green
    assert tuple(ov[2, 0, :3]) == (0, 255, 0)  # all three under: DeclipNet green
    blue_under = np.full((1, 1, 3), 0.5, np.float32)
    blue_under[..., 2] = 0.0
    assert tuple(c.clip_overlay(blue_under, mode="channel")[0, 0, :3]) == (255, 255, 0)


def test_overlay_toggles_and_bad_args(code):
    ov = c.clip_overlay(code, show_over=False)
    assert ov[0, 0, 3] == 0 and ov[2, 0, 3] == 255
    with pytest.raises(ValueError, match="opacity"):
        c.clip_overlay(code, opacity=2)
    with pytest.raises(ValueError, match="mode"):
        c.clip_overlay(code, mode="some")


def _reference_overlay(code, mode, over, under):
    """Plain numpy statement of the overlay rules, to check the OpenCV implementation."""
    o, u = code >= np.float32(over), code <= np.float32(under)
    out = np.zeros((*code.shape[:2], 4), np.uint8)
    if mode in ("all", "any"):
        red = getattr(o, mode)(axis=2)
        green = getattr(u, mode)(axis=2) & ~red
        out[red] = (255, 0, 0, 255)
        out[green] = (0, 255, 0, 255)
        return out
    red_any = o.any(axis=2)
    under_any = u.any(axis=2) & ~red_any
    out[..., :3][red_any] = o[red_any] * 255
    out[..., :3][under_any] = (~u[under_any]) * 255
    out[u.all(axis=2) & under_any] = (0, 255, 0, 255)
    out[..., 3][red_any | under_any] = 255
    return out


@pytest.mark.parametrize("mode", ["all", "any", "channel"])
def test_overlay_matches_reference_on_random_codes(mode):
    rng = np.random.default_rng(5)
    levels = np.array([0, 2, 4, 5, 128, 249, 250, 255], np.float32) / 255
    code = levels[rng.integers(0, levels.size, (37, 53, 3))]
    ov = c.clip_overlay(code, mode=mode)
    np.testing.assert_array_equal(
        ov, _reference_overlay(code, mode, c.DEFAULT_OVER, c.DEFAULT_UNDER)
    )
    o, u = c.channel_masks(code)
    np.testing.assert_array_equal(o, code >= np.float32(250 / 255))  # 250/255 itself is clipped
    s = c.clip_stats(code)
    assert s.over_per_channel["G"] == pytest.approx(o[..., 1].mean())
    assert s.under_all == pytest.approx(u.all(axis=2).mean())
