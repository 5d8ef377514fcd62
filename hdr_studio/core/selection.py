"""Limiting a result to a selection: the host's soft selection (0–1 per pixel) blends the
result over the measured input, so outside it the layer stays exactly as it was."""

from __future__ import annotations

import numpy as np


def limit_to_selection(result: np.ndarray, original: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``mask·result + (1 − mask)·original`` for (H, W, 3) float32 images and an (H, W)
    mask in [0, 1]; pixels with mask 1 are the result's own, mask 0 the original's."""
    if mask.shape != result.shape[:2] or original.shape != result.shape:
        raise ValueError(f"selection {mask.shape} does not fit the image {result.shape[:2]}")
    m = np.clip(mask, 0.0, 1.0).astype(np.float32, copy=False)[..., None]
    return (original + m * (result - original)).astype(np.float32, copy=False)
