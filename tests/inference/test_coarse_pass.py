"""The coarse-scale pass of run_model: on pictures larger than the networks' working size a
wide clipped area is filled from a second run at that size, so its core is not left at the
clipping level inside a bright ring (the ring artefact); narrow areas keep the full-size
fill. Real shipped weights, synthetic pictures."""

from __future__ import annotations

import numpy as np

from hdr_studio.core.image import Image
from hdr_studio.core.transfer import srgb_decode
from hdr_studio.inference.pipeline import (
    WORK_SIDE,
    coarse_ratio,
    load_model,
    run_model,
    run_network,
)


def _sun(side: int) -> Image:
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    d = np.hypot(yy - side / 2, xx - side / 2) / side
    # A sky gradient with a wide disc far above white that the 8-bit code clips.
    lin = (0.15 + 0.1 * yy / side)[..., None] * np.array([0.7, 0.85, 1.0], np.float32)
    lin = lin + (6.0 * np.exp(-((d / 0.06) ** 4)))[..., None]
    code = np.clip(np.round(np.clip(lin, 0, 1) ** (1 / 2.2) * 255) / 255, 0, 1)
    code = code.astype(np.float32)
    return Image(linear=srgb_decode(code), code=code)


def test_small_pictures_have_no_coarse_pass():
    model = load_model("masked", "cpu")
    assert coarse_ratio(model, _sun(int(1.5 * WORK_SIDE))) is None


def test_coarse_pass_fills_the_core_of_a_wide_clipped_area():
    image = _sun(3 * WORK_SIDE)  # 960 px: the clipped disc is ~137 px wide
    model = load_model("masked", "cpu")
    with_coarse = run_model(image, "masked", device="cpu").hdr
    without = model.spec.finish(run_network(model, image), image, model.calibration).hdr
    assert with_coarse is not None and without is not None
    c = image.code.shape[0] // 2
    core = (slice(c - 20, c + 20), slice(c - 20, c + 20))
    assert (image.code[core] == 1.0).all()
    # Brighter in the core than the full-size fill, and no ring: the disc's border is not
    # brighter than its core (the full-size fill alone has that ring).
    yy, xx = np.mgrid[0 : 3 * WORK_SIDE, 0 : 3 * WORK_SIDE]
    r = np.hypot(yy - c, xx - c)
    border = (r > 50) & (r < 64)
    assert (image.code[border] == 1.0).all()
    assert without[border].mean() > without[core].mean()
    assert with_coarse[border].mean() <= with_coarse[core].mean()
    assert with_coarse[core].mean() > 1.2 * without[core].mean()
    assert with_coarse[core].mean() > 1.5
    sky = image.code.max(axis=2) < 0.9
    np.testing.assert_allclose(with_coarse[sky], image.linear[sky], rtol=1e-5, atol=1e-6)
