"""False-colour luminance: how many stops above diffuse white each pixel is, as colour bands
an editor reads at a glance (numpy only).

Below diffuse white the picture shows its own luminance in grey (dark to light grey up to
1.0); from diffuse white up, one band a stop: blue (0–1 stops), cyan, green, yellow, orange,
red, magenta (6–7) and white (7 stops and more, 128× diffuse white). Luminance is BT.709's
of linear Rec.709 pixels (1.0 = diffuse white); BT.2020 callers pass their own weights.
"""

from __future__ import annotations

import numpy as np

#: Band colours (sRGB 8-bit) for 0–1, 1–2, … 6–7 stops above diffuse white, then ≥ 7.
BANDS = np.array(
    [
        (40, 90, 255),  # 0–1: blue
        (0, 200, 230),  # 1–2: cyan
        (40, 200, 60),  # 2–3: green
        (240, 230, 40),  # 3–4: yellow
        (255, 150, 20),  # 4–5: orange
        (230, 30, 30),  # 5–6: red
        (220, 40, 220),  # 6–7: magenta
        (255, 255, 255),  # ≥ 7: white
    ],
    np.uint8,
)
BT709 = (0.2126, 0.7152, 0.0722)


def stops_above_white(linear: np.ndarray, weights=BT709) -> np.ndarray:
    """(H, W) float32: log2 of luminance relative to diffuse white (1.0); −inf at black."""
    y = np.asarray(linear, np.float32) @ np.asarray(weights, np.float32)
    with np.errstate(divide="ignore"):
        return np.log2(np.maximum(y, 0)).astype(np.float32)


def false_colour(linear: np.ndarray, weights=BT709) -> np.ndarray:
    """(H, W, 3) uint8 sRGB: grey below diffuse white (its luminance, 0.1–0.6 of full
    scale), a colour band per stop above it (:data:`BANDS`)."""
    s = stops_above_white(linear, weights)
    out = np.empty((*s.shape, 3), np.uint8)
    below = ~(s >= 0)
    grey = np.clip(np.exp2(np.where(below, s, 0)), 0, 1) * 130 + 25
    out[below] = np.round(grey[below])[:, None].astype(np.uint8)
    band = np.clip(np.floor(np.where(below, 0, s)), 0, len(BANDS) - 1).astype(np.intp)
    out[~below] = BANDS[band[~below]]
    return out
