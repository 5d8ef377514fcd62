import numpy as np
import pytest

from hdr_studio.core.classical import ClassicalParams, reconstruct, reconstruct_classical
from hdr_studio.core.clipping import clip_masks
from hdr_studio.core.errors import Cancelled
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import CancelToken
from hdr_studio.core.transfer import srgb_decode
from hdr_studio.training.data.synthetic import expose, render_scene
from hdr_studio.training.metrics import log_l1, pq_psnr


def _image(code):
    code = np.ascontiguousarray(code, dtype=np.float32)
    return Image(linear=srgb_decode(code), code=code)


def _warm_highlight(h=80, w=120, peak=2.5):
    """A warm light falling off from the centre; red clips first, then green (and blue
    too when ``peak`` > 1/0.3)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt((x - w / 2) ** 2 + (y - h / 2) ** 2) / (w / 2)
    lum = peak * np.exp(-(r**2) * 3) + 0.05
    truth = lum[..., None] * np.array([1.0, 0.6, 0.3], np.float32)
    shot_code = np.round(np.clip(truth, 0, 1) ** (1 / 2.2) * 255) / 255
    return truth.astype(np.float32), shot_code.astype(np.float32)


def test_unclipped_image_is_returned_unchanged():
    code = np.full((30, 40, 3), 0.5, np.float32)
    im = _image(code)
    np.testing.assert_array_equal(reconstruct_classical(im), im.linear)


def test_output_equals_input_outside_feathered_mask_and_never_darkens():
    _, code = _warm_highlight()
    im = _image(code)
    out = reconstruct_classical(im)
    over, _ = clip_masks(code, over=0.98 - 0.02, mode="any")
    far = np.ones_like(over)
    ys, xs = np.nonzero(over)
    far[max(ys.min() - 8, 0) : ys.max() + 8, max(xs.min() - 8, 0) : xs.max() + 8] = False
    np.testing.assert_array_equal(out[far], im.linear[far])
    assert np.all(out >= im.linear - 1e-6)
    assert out.max() > 1.2  # highlights expanded above white


def test_partial_clip_restores_hue_of_the_light():
    _truth, code = _warm_highlight()
    im = _image(code)
    out = reconstruct_classical(im)
    red_only = (code[..., 0] >= 250 / 255) & (code[..., 1] < 0.9)
    ratio_in = im.linear[red_only][:, 0] / im.linear[red_only][:, 1]
    ratio_out = out[red_only][:, 0] / out[red_only][:, 1]
    truth_ratio = 1.0 / 0.6
    assert np.median(np.abs(ratio_out - truth_ratio)) < 0.5 * np.median(
        np.abs(ratio_in - truth_ratio)
    )


def test_beats_linearise_only_on_synthetic_scenes():
    gains, losses = [], []
    for seed in (7001, 7002, 7003):
        shot = expose(render_scene(seed, 128, 192))
        im = _image(shot.code)
        over, _ = clip_masks(shot.code, mode="any")
        none, ours = im.linear, reconstruct_classical(im)
        gains.append(pq_psnr(ours, shot.truth, over) - pq_psnr(none, shot.truth, over))
        losses.append(pq_psnr(none, shot.truth, ~over) - pq_psnr(ours, shot.truth, ~over))
        assert log_l1(ours, shot.truth, over) < log_l1(none, shot.truth, over)
    assert np.mean(gains) > 1.0
    assert np.mean(losses) < 0.5


def test_progress_and_cancel():
    _, code = _warm_highlight()
    im = _image(code)
    seen = []
    reconstruct_classical(im, progress=lambda f, m: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        reconstruct_classical(im, cancel=token)


def test_dispatch_and_params():
    _, code = _warm_highlight(peak=8.0)
    im = _image(code)
    np.testing.assert_array_equal(reconstruct(im, "none"), im.linear)
    gentle = reconstruct_classical(im, ClassicalParams(max_gain=1.5))
    strong = reconstruct_classical(im, ClassicalParams(max_gain=6.0))
    assert strong.max() > gentle.max()
    with pytest.raises(ValueError, match="unknown"):
        reconstruct(im, "magic")


def test_a_photo_turned_or_mirrored_gets_the_fill_turned_or_mirrored():
    """A portrait photo (Exif orientation 6) came back with its highlights' peak at 7.0
    where the same photo upright peaked at 2.9: the colour fill's pyramid shifted every
    level half a pixel towards one corner. Now it is the same to one pixel of grid."""
    from hdr_studio.core.reader import read_image
    from tests.helpers import SAMPLES

    photo = read_image(SAMPLES / "sunset_lomiri.jpg")
    upright = reconstruct_classical(photo)

    def turned(k: int) -> np.ndarray:
        img = Image.from_pixels(np.ascontiguousarray(np.rot90(photo.code, k)), levels=255)
        return np.rot90(reconstruct_classical(img), -k)

    for k in (1, 2):
        other = turned(k)
        lit = upright.max(axis=2) > 1.0
        assert abs(int(lit.sum()) - int((other.max(axis=2) > 1.0).sum())) < 0.01 * lit.sum()
        np.testing.assert_allclose(other.max(axis=(0, 1)), upright.max(axis=(0, 1)), rtol=0.05)
        stops = np.abs(np.log2(np.maximum(other[lit], 1e-4) / np.maximum(upright[lit], 1e-4)))
        assert float(stops.mean()) < 0.02, k
    mirrored = Image.from_pixels(np.ascontiguousarray(photo.code[:, ::-1]), levels=255)
    back = reconstruct_classical(mirrored)[:, ::-1]
    np.testing.assert_allclose(back.max(axis=(0, 1)), upright.max(axis=(0, 1)), rtol=0.05)


def test_push_pull_of_odd_sizes_is_mirror_exact():
    from hdr_studio.core.classical import push_pull

    rng = np.random.default_rng(3)
    x = rng.random((101, 151, 3), dtype=np.float32)
    w = (rng.random((101, 151)) > 0.8).astype(np.float32)
    a = push_pull(x, w)
    np.testing.assert_allclose(push_pull(x[:, ::-1], w[:, ::-1])[:, ::-1], a, atol=1e-5)
    np.testing.assert_allclose(push_pull(x[::-1], w[::-1])[::-1], a, atol=1e-3)
