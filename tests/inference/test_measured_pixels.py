"""Unclipped pixels stay the photo's own (issue #28): a pixel that neither clipped nor lies
in the band a method treats as nearly clipped comes out as the linearised input exactly —
for every method, tile size and precision; and a near-white pixel further than SEED_REACH
from anything that clipped is exact too (a bright wall that never reached the clip)."""

from __future__ import annotations

import numpy as np
import pytest

from hdr_studio.api.engine import run_method
from hdr_studio.core.fill import SEED_REACH, at_clip, near_clip
from hdr_studio.core.image import Image


def _photo() -> Image:
    rng = np.random.default_rng(11)
    yy, xx = np.mgrid[0:96, 0:160].astype(np.float32)
    code = 0.35 + 0.25 * np.sin(xx / 9)[..., None] * np.array([1, 0.7, 0.4], np.float32)
    code = code + rng.normal(0, 0.02, code.shape)
    code[:, 100:] = 249 / 255 + rng.normal(0, 0.002, (96, 60, 3))  # a bright wall, not clipped
    lamp = np.hypot(yy - 40, xx - 45) < 12
    code[lamp] = 1.0  # a lamp that clipped
    ring = (np.hypot(yy - 40, xx - 45) < 15) & ~lamp
    code[ring] = 0.975  # its rim, in the band
    code = np.round(np.clip(code, 0, 1) * 255) / 255
    return Image.from_pixels(code.astype(np.float32))


CASES = [
    (m, t, p) for m in ("masked", "drht", "hybrid") for t in (None, 96) for p in ("fp32", "bf16")
] + [("classical", None, None)]


@pytest.mark.parametrize(("method", "tile", "precision"), CASES)
def test_measured_pixels_come_out_exactly(method, tile, precision):
    image = _photo()
    kwargs = {} if precision is None else {"tile": tile, "precision": precision}
    hdr = run_method(image, method, device="cpu", **kwargs).hdr
    assert hdr is not None
    outside = ~near_clip(image.code)
    np.testing.assert_array_equal(hdr[outside], image.linear[outside])
    lamp = at_clip(image)
    assert (hdr[lamp].max(axis=1) > image.linear[lamp].max(axis=1)).mean() > 0.5
    if method != "classical":  # the networks' fill: only at the rim of what clipped
        wall = np.zeros(outside.shape, bool)
        wall[:, 100 + int(np.ceil(SEED_REACH[1])) + 1 :] = True
        assert (~outside[wall]).mean() > 0.9  # the wall is in the band ...
        np.testing.assert_array_equal(hdr[wall], image.linear[wall])  # ... and left alone
