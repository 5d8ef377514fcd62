"""The false-colour view of luminance in stops above diffuse white."""

import numpy as np

from hdr_studio.core.false_colour import BANDS, false_colour, stops_above_white


def test_each_stop_above_white_has_its_band_and_below_white_is_grey():
    levels = np.array([0.0, 0.25, 0.99, 1.0, 1.5, 2.5, 5, 9, 17, 33, 65, 129, 1e5], np.float32)
    img = np.repeat(levels[None, :, None], 3, axis=2)
    fc = false_colour(img)
    for i in range(3):  # below diffuse white: grey, brighter with luminance
        assert fc[0, i, 0] == fc[0, i, 1] == fc[0, i, 2]
    assert fc[0, 0, 0] < fc[0, 1, 0] < fc[0, 2, 0]
    np.testing.assert_array_equal(fc[0, 3], BANDS[0])  # exactly white: the first band
    np.testing.assert_array_equal(fc[0, 4], BANDS[0])
    np.testing.assert_array_equal(fc[0, 5], BANDS[1])
    np.testing.assert_array_equal(fc[0, 6], BANDS[2])
    np.testing.assert_array_equal(fc[0, 11], BANDS[7])
    np.testing.assert_array_equal(fc[0, 12], BANDS[7])


def test_stops_use_luminance_not_the_brightest_channel():
    red = np.array([[[4.0, 0.0, 0.0]]], np.float32)
    assert stops_above_white(red)[0, 0] < 0  # 4 × 0.2126 < 1
    assert np.isneginf(stops_above_white(np.zeros((1, 1, 3), np.float32))[0, 0])
