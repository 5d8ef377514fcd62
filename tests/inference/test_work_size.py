"""The masked network fills a large picture at its working size (``work_pixels``) and the
fill's log ratio is brought up to full size: measured pixels stay exactly the picture's
own, and the fill is close to the one computed at full size."""

from __future__ import annotations

import numpy as np
import pytest

from hdr_studio.core.fill import near_clip
from hdr_studio.core.image import Image
from hdr_studio.inference.model_spec import work_scale
from hdr_studio.inference.pipeline import run_model
from hdr_studio.inference.registry import get_spec


def test_work_scale():
    assert work_scale(3000, 4000, 3_000_000) == pytest.approx(0.5)
    assert work_scale(1000, 1500, 3_000_000) == 1.0
    assert work_scale(3000, 4000, None) == 1.0
    assert get_spec("masked").work_pixels == 250_000


def _photo() -> Image:
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[0:240, 0:320].astype(np.float32)
    lin = 0.2 + 0.15 * np.sin(xx / 17)[..., None] * np.array([1, 0.8, 0.6], np.float32)
    for cy, cx, r, peak in ((60, 80, 18, 6.0), (150, 220, 30, 3.0), (200, 60, 8, 12.0)):
        d = np.hypot(yy - cy, xx - cx)
        lin = lin + (peak * np.exp(-((d / r) ** 2)))[..., None] * np.array([1, 0.9, 0.7])
    lin = lin + rng.normal(0, 0.01, lin.shape)
    code = np.round(np.clip(np.maximum(lin, 0) ** (1 / 2.2), 0, 1) * 255) / 255
    return Image.from_pixels(code.astype(np.float32))


def test_a_picture_above_the_working_size_keeps_its_measured_pixels(monkeypatch):
    image = _photo()
    full = run_model(image, "masked", device="cpu", precision="fp32").hdr
    spec_class = type(get_spec("masked"))
    monkeypatch.setattr(spec_class, "work_pixels", 240 * 320 // 4)  # half each way
    small = run_model(image, "masked", device="cpu", precision="fp32").hdr
    assert full is not None and small is not None
    near = near_clip(image.code)
    np.testing.assert_array_equal(small[~near], image.linear[~near])
    clipped = image.code.max(axis=2) >= 254 / 255
    assert clipped.sum() > 500
    # the fill raises what clipped, as the full-size fill does, and lands close to it
    assert (small[clipped].max(axis=1) > image.linear[clipped].max(axis=1)).mean() > 0.9
    diff = np.abs(np.log2(small[clipped].mean(axis=1) / full[clipped].mean(axis=1)))
    assert np.median(diff) < 0.25
