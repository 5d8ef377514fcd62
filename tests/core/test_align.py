"""Aligning a hand-held bracket (median threshold bitmaps, coarse to fine): known shifts
between shots of different exposure through a camera curve are found, the shots cropped to
what they share, a tripod bracket left as it is."""

from __future__ import annotations

import numpy as np
import pytest

from hdr_studio.core.align import align_bracket, shift_between
from hdr_studio.core.errors import InputError
from tests.core.test_response import shoot, sigmoid


def textured(h: int = 240, w: int = 320, seed: int = 1) -> np.ndarray:
    """Linear radiance with structure at several scales (blobs, edges) over 8 stops."""
    import cv2

    rng = np.random.default_rng(seed)
    log = np.zeros((h, w), np.float32)
    for scale in (4, 12, 40):
        noise = rng.normal(0, 1, (h, w)).astype(np.float32)
        log += cv2.GaussianBlur(noise, (0, 0), scale) * scale / 3
    log = (log - log.min()) / (log.max() - log.min()) * 8.0 - 7.0
    tint = np.stack([np.ones((h, w)), 0.8 + 0.2 * np.sin(log), 0.7 + 0.3 * np.cos(log)], 2)
    return (2.0**log)[..., None] * tint


def move(img: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """The view moved so that ``moved[y + dy, x + dx] == img[y, x]`` (edges repeated)."""
    h, w = img.shape[:2]
    ys = np.clip(np.arange(h) - dy, 0, h - 1)
    xs = np.clip(np.arange(w) - dx, 0, w - 1)
    return img[ys][:, xs]


@pytest.mark.parametrize("dx,dy", [(0, 0), (5, -3), (-11, 7), (12, 2)])
def test_finds_the_shift_across_exposures(dx, dy):
    radiance = textured()
    dark, mid, bright = shoot(radiance, sigmoid, [0.25, 1.0, 4.0])
    (moved_bright,) = shoot(move(radiance, dx, dy), sigmoid, [4.0])
    assert shift_between(mid, moved_bright) == (dx, dy)
    (moved_dark,) = shoot(move(radiance, -dx, dy), sigmoid, [0.25])
    assert shift_between(mid, moved_dark) == (-dx, dy)
    assert shift_between(dark, bright) == (0, 0)


def test_aligns_and_crops_a_bracket():
    radiance = textured()
    exposures = [4.0, 0.25, 1.0]  # any order: the middle exposure is the reference
    views = [move(radiance, 6, -4), move(radiance, -3, 5), radiance]
    shots = [shoot(v, sigmoid, [t], noise=0)[0] for v, t in zip(views, exposures, strict=True)]
    aligned, shifts = align_bracket(shots, exposures)
    assert shifts == [(6, -4), (-3, 5), (0, 0)]
    assert all(a.shape == (240 - 9, 320 - 9, 3) for a in aligned)
    # the crops show the same scene: each matches the reference shot's crop exactly as the
    # same exposure of the same view would
    want = shoot(radiance, sigmoid, exposures, noise=0)
    for a, w in zip(aligned, want, strict=True):
        np.testing.assert_array_equal(a, w[4:-5, 3:-6])


def test_a_tripod_bracket_is_left_as_it_is():
    shots = shoot(textured(), sigmoid, [0.25, 1.0, 4.0])
    aligned, shifts = align_bracket(shots, [0.25, 1.0, 4.0])
    assert shifts == [(0, 0)] * 3
    assert all(np.array_equal(a, s) for a, s in zip(aligned, shots, strict=True))


def test_large_photos_are_aligned_on_a_smaller_copy():
    """Above 2 MP the finest level compared is a quarter or half size: within 4 px."""
    import cv2

    radiance = cv2.resize(textured(300, 400), (2400, 1800), interpolation=cv2.INTER_CUBIC)
    mid, bright = shoot(radiance, sigmoid, [1.0, 4.0], noise=0)
    (moved,) = shoot(move(radiance, 37, -21), sigmoid, [4.0], noise=0)
    dx, dy = shift_between(mid, moved)
    assert abs(dx - 37) <= 4 and abs(dy + 21) <= 4
    assert shift_between(mid, bright) == (0, 0)


def test_shots_that_barely_overlap_are_refused(monkeypatch):
    """The crop must keep half the photo each way. The search cannot reach that far on its
    own (about ±5 % of the short side), so the shift it reports is replaced here."""
    from hdr_studio.core import align

    monkeypatch.setattr(align, "shift_between", lambda a, b: (60, 0))
    with pytest.raises(InputError, match="overlap"):
        align.align_bracket([np.zeros((100, 100, 3), np.uint8)] * 2, [1.0, 4.0])
