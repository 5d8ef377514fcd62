import numpy as np
import pytest

from hdr_studio.training.data.camera import (
    CameraParams,
    camera_curve,
    declip_pair,
    sample_params,
    shoot,
)
from hdr_studio.training.data.patches import patch_metric, select_patches
from hdr_studio.training.data.synthetic import render_scene


def _params(**kw):
    base = dict(
        quantile=0.9,
        curve="srgb",
        gamma=2.2,
        sig_n=0.9,
        sig_a=0.6,
        noise=0.0,
        hue=0.0,
        saturation=1.0,
        jpeg_quality=None,
    )
    base.update(kw)
    return CameraParams(**base)


def test_exposure_puts_the_quantile_at_white_and_quantises():
    scene = render_scene(11, 128, 192)
    rng = np.random.default_rng(0)
    for q in (0.85, 0.95):
        shot = shoot(scene, rng, _params(quantile=q))
        clipped = (shot.truth.max(axis=2) > 1.0).mean()
        assert clipped == pytest.approx(1 - q, abs=0.01)
        levels = shot.code * 255
        np.testing.assert_allclose(levels, np.round(levels), atol=1e-4)
        assert shot.code.max() == 1.0 and shot.truth.max() > 1.5


@pytest.mark.parametrize("curve", ["srgb", "gamma", "sigmoid"])
def test_camera_curves_are_monotonic_from_black_to_white(curve):
    x = np.linspace(0, 1, 1001, dtype=np.float32)
    y = camera_curve(x, _params(curve=curve))
    assert y[0] == pytest.approx(0, abs=1e-6) and y[-1] == pytest.approx(1, abs=1e-5)
    assert np.all(np.diff(y) >= 0)


def test_jitter_noise_and_jpeg_are_reproducible():
    scene = render_scene(12, 96, 128)
    params = _params(noise=0.01, hue=0.1, saturation=1.2, jpeg_quality=70)
    a = shoot(scene, np.random.default_rng(5), params)
    b = shoot(scene, np.random.default_rng(5), params)
    np.testing.assert_array_equal(a.code, b.code)
    plain = shoot(scene, np.random.default_rng(5), _params())
    assert np.abs(a.code - plain.code).mean() > 0.002  # jitter, noise and JPEG did something
    # Hue rotation keeps luminance-ish grey level: grey pixels stay grey.
    grey = np.full((4, 4, 3), 0.5, np.float32)
    g = shoot(grey, np.random.default_rng(1), _params(hue=0.3, saturation=1.5, quantile=0.5))
    assert np.ptp(g.truth, axis=2).max() < 1e-5


def test_sampled_params_follow_the_recipe():
    rng = np.random.default_rng(3)
    ps = [sample_params(rng) for _ in range(400)]
    normal = [p for p in ps if not p.under_exposed]
    assert all(0.85 <= p.quantile <= 0.95 for p in normal)
    assert 0.03 < np.mean([p.under_exposed for p in ps]) < 0.2
    assert {p.curve for p in ps} == {"srgb", "gamma", "sigmoid"}
    assert any(p.jpeg_quality is None for p in ps) and any(p.jpeg_quality for p in ps)


def test_declipnet_recipe():
    photo = (np.random.default_rng(0).random((32, 48, 3)) * 255).astype(np.uint8)
    rng = np.random.default_rng(9)
    x, y, (under, over) = declip_pair(photo, rng)
    assert 1 <= under <= 80 and 175 <= over <= 255
    assert x.min() == 0.0 and x.max() == 1.0
    inside = (photo > under) & (photo < over)
    np.testing.assert_allclose(x[inside], y[inside], atol=1e-6)
    assert y.max() > 1.0 or (over == 255 and y.min() < 0.0)


def test_patch_metric_prefers_texture_in_saturated_areas():
    rng = np.random.default_rng(2)
    smooth = np.full((64, 64, 3), 20.0, np.float32)
    textured = smooth * (1 + 0.5 * rng.random((64, 64, 1)).astype(np.float32))
    saturated = np.zeros((64, 64), np.float32)  # M = 0: all saturated
    assert patch_metric(textured, saturated) > 10 * patch_metric(smooth, saturated) + 1e-3
    assert patch_metric(textured, np.ones((64, 64), np.float32)) == 0.0  # nothing saturated
    hdr = np.concatenate([smooth, textured], axis=1)
    mask = np.zeros((64, 128), np.float32)
    picks = select_patches(hdr, mask, size=64, stride=64, threshold=0.01)
    assert [(y, x) for y, x, _ in picks] == [(0, 64)]


def test_extra_scene_kinds_are_hdr_partly_clipped_and_reproducible():
    """The wider procedural kinds (night lights, sunlit clouds, backlit subjects, neon): each
    is finite, non-negative, has light far above the exposure's white, clips some pixels in
    only one or two channels through the virtual camera, and repeats from its seed."""
    from hdr_studio.training.data.synthetic import EXTRA_KINDS, expose, render_extra_scene

    for seed in range(len(EXTRA_KINDS)):
        scene = render_extra_scene(seed, 96, 128)
        assert scene.shape == (96, 128, 3) and scene.dtype == np.float32
        assert np.isfinite(scene).all() and scene.min() >= 0
        shot = expose(scene, 0.92)
        assert shot.truth.max() > 4.0, EXTRA_KINDS[seed]  # real highlights beyond white
        clipped = shot.code >= 1.0
        partly = clipped.any(axis=2) & ~clipped.all(axis=2)
        assert partly.any(), EXTRA_KINDS[seed]
        np.testing.assert_array_equal(scene, render_extra_scene(seed, 96, 128))
    assert not np.array_equal(render_extra_scene(0, 96, 128), render_extra_scene(4, 96, 128))


def test_pool_loads_the_extra_kinds():
    from hdr_studio.training.samplers import HdrPool

    pool = HdrPool.load([], synthetic=2, extra=4)
    assert len(pool.scenes) == 6


def test_patch_metric_base_layer_matches_opencvs_bilateral_filter():
    """Santos' σc = 100 makes the range kernel flat on log luminance, so the fast spatial
    base layer must agree with cv2.bilateralFilter on real HDR-like content."""
    import cv2

    from hdr_studio.training.data.patches import _spatial_base

    rng = np.random.default_rng(5)
    scene = np.exp(rng.normal(0, 2.5, (96, 128))).astype(np.float32)
    scene = cv2.GaussianBlur(scene, (0, 0), 3) * 50  # bright blobs up to thousands
    lum = np.log(scene + 1).astype(np.float32)
    ref = cv2.bilateralFilter(lum, -1, 100.0, 10.0)
    assert np.abs(_spatial_base(lum, 10.0) - ref).max() < 0.01
    # and the score is the same up to that error
    mask = (scene < 20).astype(np.float32)
    hdr = np.repeat(scene[..., None], 3, axis=2)
    fast = patch_metric(hdr, mask)
    slow = patch_metric(hdr, mask, sigma_color=49.0)  # below the switch: the real filter
    assert fast == pytest.approx(slow, rel=0.02, abs=1e-3)
