"""RGB primaries (all D65 white): Rec.709/sRGB, Display P3, Adobe RGB (1998), Rec.2020.

Matrices are the normalised primary matrices (SMPTE RP 177) of the primaries' CIE 1931 xy
chromaticities as their standards give them (ITU-R BT.709, BT.2020, SMPTE EG 432-1 for
Display P3); Adobe RGB (1998) uses the matrix its specification publishes (section 4.3.4.1).
They are computed here rather than taken from colour-science, which takes ~2 s to import:
every raw file and every PQ export would pay it. Conversions are plain 3×3 matrix products
on linear float32 ``(..., 3)`` arrays and never clip: colours outside the destination gamut
come out negative, as they should in a linear working space.
"""

from __future__ import annotations

import functools

import numpy as np

#: Our names → colour-science colourspace names.
PRIMARIES = {
    "rec709": "ITU-R BT.709",
    "p3": "Display P3",
    "adobergb": "Adobe RGB (1998)",
    "rec2020": "ITU-R BT.2020",
}

#: H.273 ColourPrimaries code points (used by PNG cICP, AVIF nclx, JPEG XL).
CICP_PRIMARIES = {"rec709": 1, "rec2020": 9, "p3": 12}


#: CIE 1931 xy of the red, green and blue primaries.
_XY = {
    "rec709": ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06)),
    "p3": ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060)),
    "adobergb": ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06)),
    "rec2020": ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046)),
}
#: CIE 1931 xy of D65 as these standards round it.
D65_XY = (0.3127, 0.3290)
#: Adobe RGB (1998) specification, 4.3.4.1: normalised XYZ of the primaries (columns).
_ADOBE_RGB_TO_XYZ = (
    (0.57667, 0.18556, 0.18823),
    (0.29734, 0.62736, 0.07529),
    (0.02703, 0.07069, 0.99134),
)


def _check(name: str) -> str:
    if name not in PRIMARIES:
        raise ValueError(f"unknown primaries {name!r}; expected one of {sorted(PRIMARIES)}")
    return name


@functools.cache
def rgb_to_xyz_matrix(primaries: str) -> np.ndarray:
    """3×3 matrix from linear RGB with ``primaries`` to CIE XYZ (D65, Y of white = 1)."""
    if _check(primaries) == "adobergb":
        return np.array(_ADOBE_RGB_TO_XYZ, dtype=np.float64)
    xy = xy_primaries(primaries)
    # Each primary's XYZ up to scale (x/y, 1, z/y), scaled so that R + G + B is the white.
    columns = np.stack([xy[:, 0] / xy[:, 1], np.ones(3), (1.0 - xy.sum(axis=1)) / xy[:, 1]])
    wx, wy = D65_XY
    white = np.array([wx / wy, 1.0, (1.0 - wx - wy) / wy])
    return columns * np.linalg.solve(columns, white)


@functools.cache
def rgb_to_rgb_matrix(src: str, dst: str) -> np.ndarray:
    """3×3 matrix from linear ``src`` RGB to linear ``dst`` RGB (same D65 white)."""
    return np.linalg.inv(rgb_to_xyz_matrix(dst)) @ rgb_to_xyz_matrix(src)


@functools.cache
def xy_primaries(primaries: str) -> np.ndarray:
    """The red, green and blue primaries' CIE 1931 xy chromaticities, shape (3, 2)."""
    return np.array(_XY[_check(primaries)], dtype=np.float64)


def apply_matrix(pixels: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``pixels @ matrix.T`` for a ``(..., 3)`` float32 array, returned as float32."""
    import cv2

    px = np.ascontiguousarray(pixels, dtype=np.float32)
    if px.shape[-1] != 3:
        raise ValueError(f"expected (..., 3) pixels, got shape {px.shape}")
    if px.size == 0:
        return px.copy()
    # OpenCV's transform: SIMD and threaded, ~3× numpy's matmul for a 3×3 on many pixels.
    out = cv2.transform(px.reshape(-1, 1, 3), np.asarray(matrix, dtype=np.float32))
    return out.reshape(px.shape)


def convert_primaries(pixels: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Convert linear ``(..., 3)`` RGB from ``src`` to ``dst`` primaries (no clipping)."""
    if _check(src) == _check(dst):
        return np.asarray(pixels, dtype=np.float32)
    return apply_matrix(pixels, rgb_to_rgb_matrix(src, dst))


def luminance(pixels: np.ndarray, primaries: str = "rec709") -> np.ndarray:
    """Relative luminance Y of linear ``(..., 3)`` RGB, shape ``(...)``."""
    row = rgb_to_xyz_matrix(primaries)[1].astype(np.float32)
    return np.asarray(pixels, dtype=np.float32) @ row


def identify_primaries(xy: np.ndarray, tolerance: float = 0.005) -> str | None:
    """Name of the known primaries whose xy (3×2) match ``xy`` within ``tolerance``."""
    xy = np.asarray(xy, dtype=np.float64).reshape(3, 2)
    for name in PRIMARIES:
        if np.max(np.abs(xy_primaries(name) - xy)) <= tolerance:
            return name
    return None
