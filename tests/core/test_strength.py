"""Strength (the extrapolation's log ratio scaled) and the invented fraction."""

from __future__ import annotations

import numpy as np
import pytest

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.cli import main
from hdr_studio.core.reader import read_image
from hdr_studio.core.strength import apply_strength, invented_fraction
from tests.helpers import SAMPLES


def test_strength_scales_the_log_ratio():
    measured = np.array([[[0.5, 1.0, 1.0]]], np.float32)
    result = np.array([[[0.5, 4.0, 2.0]]], np.float32)
    assert apply_strength(result, measured, 1.0) is result
    np.testing.assert_allclose(apply_strength(result, measured, 0.0), measured)
    np.testing.assert_allclose(
        apply_strength(result, measured, 0.5), [[[0.5, 2.0, 2**0.5]]], rtol=1e-6
    )
    np.testing.assert_allclose(
        apply_strength(result, measured, 1.5), [[[0.5, 8.0, 2**1.5]]], rtol=1e-6
    )
    with pytest.raises(ValueError, match="strength"):
        apply_strength(result, measured, 2.0)


def test_invented_fraction():
    measured = np.array([[[0.5, 1.0, 1.0], [0.2, 0.2, 0.2]]], np.float32)
    result = np.array([[[0.5, 4.0, 2.0], [0.2, 0.2, 0.2]]], np.float32)
    np.testing.assert_allclose(invented_fraction(result, measured), [[0.75, 0.0]])


def test_engine_and_cli_strength(tmp_path):
    photo = SAMPLES / "sunset_lomiri.jpg"
    full = reconstruct(ReconstructRequest(input=photo, method="classical"))
    none = reconstruct(ReconstructRequest(input=photo, method="classical", strength=0.0))
    np.testing.assert_allclose(none.pixels, full.image.linear, rtol=1e-5, atol=1e-6)
    assert none.metadata["strength"] == 0.0
    out = tmp_path / "half.exr"
    assert (
        main(
            ["reconstruct", str(photo), "-o", str(out), "--method", "classical", "--strength", "50"]
        )
        == 0
    )
    half = reconstruct(ReconstructRequest(input=photo, method="classical", strength=0.5)).pixels
    np.testing.assert_allclose(read_image(out).linear, half, rtol=2e-3, atol=1e-3)
    assert full.pixels.max() > half.max() > full.image.linear.max()
    with pytest.raises(SystemExit):
        main(["reconstruct", str(photo), "-o", str(out), "--strength", "151"])
