"""Clipped regions by width (hdr_studio.core.regions)."""

import cv2
import numpy as np
import pytest

from hdr_studio.core.regions import coarse_weight, region_inradius


def test_inradius_per_region_and_the_frame_does_not_bound_a_region():
    m = np.zeros((100, 200), bool)
    m[10:21, 10:40] = True  # 11 rows: inradius ~6
    m[40:90, 100:190] = True  # 50 rows: inradius ~25
    m[0:8, 60:90] = True  # touches the top edge: 8 rows, inradius ~8 (not ~4)
    r = region_inradius(m)
    assert r[0, 0] == 0 and r[30, 60] == 0
    assert r[10, 10] == r[15, 25] and 5 <= r[15, 25] <= 6.5  # one value per region
    assert 23 <= r[40, 100] <= 26
    assert 7 <= r[0, 60] <= 8.5
    assert region_inradius(np.zeros((5, 5), bool)).max() == 0
    assert (region_inradius(np.ones((5, 7), bool)) == 7).all()


def test_coarse_weight_ramp():
    m = np.zeros((100, 200), bool)
    m[10:21, 10:40] = True
    m[40:90, 100:190] = True
    w = coarse_weight(m, 4, 12)
    assert w[0, 0] == 0 and w[50, 150] == 1
    assert 0 < w[15, 20] < 0.5
    with pytest.raises(ValueError):
        coarse_weight(m, 5, 5)


def test_fill_boxes_grow_merge_and_clip():
    from hdr_studio.core.regions import fill_boxes

    m = np.zeros((400, 600), bool)
    assert fill_boxes(m) == []
    m[10:20, 10:20] = True
    m[300:310, 500:520] = True
    assert fill_boxes(m, margin=16) == [(0, 0, 36, 36), (484, 284, 536, 326)]
    # Boxes that overlap once grown are one.
    assert fill_boxes(m, margin=300) == [(0, 0, 600, 400)]


def test_coarse_weight_inside_is_the_weight_at_the_mask_pixels():
    rng = np.random.default_rng(3)
    m = cv2.dilate((rng.random((90, 120)) < 0.01).astype(np.uint8), np.ones((9, 9), np.uint8))
    m = m.astype(bool)
    np.testing.assert_array_equal(coarse_weight(m, 1, 3, inside=True), coarse_weight(m, 1, 3)[m])
    assert coarse_weight(np.zeros((4, 4), bool), 1, 3, inside=True).shape == (0,)
