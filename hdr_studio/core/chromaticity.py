"""CIE 1931 chromaticities: pixels → xy, the spectral locus and gamut triangles.

For the chromaticity panel (the hybrid seed's figure 2): where an image's colours sit
relative to Rec.709, Display P3 and Rec.2020.
"""

from __future__ import annotations

import functools

import numpy as np

from hdr_studio.core._colour_science import colour
from hdr_studio.core.gamut import rgb_to_xyz_matrix, xy_primaries


def rgb_to_xy(
    pixels: np.ndarray, primaries: str = "rec709", min_luminance: float = 1e-4
) -> np.ndarray:
    """Linear RGB ``(..., 3)`` → CIE 1931 xy ``(N, 2)`` for the pixels whose relative
    luminance exceeds ``min_luminance`` (black has no chromaticity)."""
    px = np.asarray(pixels, dtype=np.float32).reshape(-1, 3)
    xyz = px @ rgb_to_xyz_matrix(primaries).T.astype(np.float32)
    s = xyz.sum(axis=1)
    keep = (xyz[:, 1] > min_luminance) & (s > 0)
    xyz, s = xyz[keep], s[keep]
    return np.stack([xyz[:, 0] / s, xyz[:, 1] / s], axis=1).astype(np.float32)


def subsample_xy(
    pixels: np.ndarray, primaries: str = "rec709", max_points: int = 50_000, seed: int = 0
) -> np.ndarray:
    """:func:`rgb_to_xy` of a reproducible random subset of at most ``max_points`` pixels."""
    px = np.asarray(pixels, dtype=np.float32).reshape(-1, 3)
    if px.shape[0] > max_points:
        idx = np.random.default_rng(seed).choice(px.shape[0], max_points, replace=False)
        px = px[np.sort(idx)]
    return rgb_to_xy(px, primaries)


@functools.cache
def spectral_locus(step_nm: int = 5) -> np.ndarray:
    """The CIE 1931 2° spectral locus as xy points, 380–700 nm, shape (N, 2)."""
    c = colour()
    cmfs = c.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"]
    wl = np.arange(380, 701, step_nm)
    xyz = np.asarray([cmfs[w] for w in wl], dtype=np.float64)
    return (xyz[:, :2] / xyz.sum(axis=1, keepdims=True)).astype(np.float32)


def gamut_triangle(primaries: str) -> np.ndarray:
    """Closed xy polygon (4, 2) of a gamut's primaries, for plotting."""
    xy = xy_primaries(primaries)
    return np.vstack([xy, xy[:1]]).astype(np.float32)
