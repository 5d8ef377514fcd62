"""numpy rendering for the viewer: a display level of at most ~4 MP (so 24 MP photos stay
fluid), tone mapping for an SDR screen, clipping overlays at display resolution, the
before/after split, histograms, the chromaticity density. No Qt here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdr_studio.api.analysis import Mode, clip_overlay
from hdr_studio.api.display import luminance, to_display_uint8, tonemap_to_sdr
from hdr_studio.api.types import Image

#: Images with a longer side than this are shown through a block-reduced display level
#: (2048 px keeps overlay updates of a 24 MP photo fast; see bench/RESULTS.md).
DISPLAY_MAX_SIDE = 2048


def display_factor(height: int, width: int, max_side: int = DISPLAY_MAX_SIDE) -> int:
    """Integer reduction factor that brings the longer side to at most ``max_side``."""
    return max(1, -(-max(height, width) // max_side))


def block_extreme(a: np.ndarray, f: int, op=np.maximum) -> np.ndarray:
    """The maximum (``op`` np.maximum) or minimum (np.minimum) of each f × f block of ``a``
    (H, W, ...), trailing rows and columns that fill no block dropped: f² strided passes,
    several times faster than a reduction over a reshaped array."""
    h, w = a.shape[0] // f * f, a.shape[1] // f * f
    out = np.array(a[0:h:f, 0:w:f])
    for dy in range(f):
        for dx in range(f):
            if dy or dx:
                op(out, a[dy:h:f, dx:w:f], out=out)
    return out


def reduce_mean(a: np.ndarray, f: int) -> np.ndarray:
    """Block mean (for pixels)."""
    if f == 1:
        return a
    import cv2

    h, w = a.shape[0] // f, a.shape[1] // f
    return cv2.resize(a[: h * f, : w * f], (w, h), interpolation=cv2.INTER_AREA)


@dataclass
class DisplayLevel:
    """An image at display resolution: ``factor`` full-resolution pixels per side per
    display pixel. ``code_max``/``code_min`` are block max of the code values and block min
    of the codes under-exposure is judged on (:attr:`Image.shadow_code`), so a display
    pixel shows clipping if any pixel under it clipped; ``sensor``: a raw file's
    sensor saturation (:attr:`Image.sensor_clip`), any pixel of a block."""

    factor: int
    linear: np.ndarray
    code_max: np.ndarray
    code_min: np.ndarray
    sensor: np.ndarray | None = None
    primaries: str = "rec709"  # of ``linear`` (and of the results shown beside it)

    @classmethod
    def of(cls, image: Image, max_side: int = DISPLAY_MAX_SIDE) -> DisplayLevel:
        f = display_factor(image.height, image.width, max_side)
        sensor = image.sensor_clip
        shadows = image.shadow_code  # what under-exposure is judged on
        if f == 1:
            return cls(1, image.linear, image.code, shadows, sensor, image.primaries)
        return cls(
            f,
            np.ascontiguousarray(reduce_mean(image.linear, f)),
            block_extreme(image.code, f, np.maximum),
            block_extreme(shadows, f, np.minimum),
            None if sensor is None else block_extreme(sensor, f, np.logical_or),
            image.primaries,
        )


def tonemapped(
    linear: np.ndarray,
    exposure: float = 0.0,
    reference_white: float = 203.0,
    primaries: str = "rec709",
):
    """Linear (H, W, 3) in ``primaries`` → uint8 sRGB for an SDR screen (BT.2390 roll-off
    of the peak). A Rec.2020, P3 or Adobe RGB picture is converted to the screen's Rec.709
    first: shown as it was, a raw's or a PQ file's colours looked washed out and shifted."""
    from hdr_studio.api.display import convert_primaries

    rgb = convert_primaries(linear, primaries, "rec709")
    return to_display_uint8(tonemap_to_sdr(rgb, exposure, reference_white))


def layer_rgb(kind: str, layer: np.ndarray) -> np.ndarray:
    """uint8 RGB of a WLS layer of the code values: ``base`` (shown through the same
    tone map as photos) or ``detail`` (:func:`~hdr_studio.core.decompose.detail_visual`)."""
    from hdr_studio.api.display import detail_visual

    if kind == "base":
        return tonemapped(layer**2.2)
    return to_display_uint8(detail_visual(layer))


def overlay_for(
    level: DisplayLevel,
    mode: Mode,
    over: float,
    under: float,
    opacity: float,
    show_over: bool = True,
    show_under: bool = True,
) -> np.ndarray:
    """RGBA uint8 overlay at display resolution. Over-exposure is judged on block maxima and
    under-exposure on block minima; at factor 1 it is exactly the core's overlay."""
    sensor = level.sensor
    if level.factor == 1:
        return clip_overlay(
            level.code_max, mode, over, under, opacity, show_over, show_under, sensor,
            shadows=level.code_min,
        )  # fmt: skip
    o = clip_overlay(level.code_max, mode, over, under, opacity, show_over, False, sensor)
    u = clip_overlay(level.code_min, mode, over, under, opacity, False, show_under)
    return np.where(o[..., 3:4] > 0, o, u)


INVENTED = (255, 0, 255)  # magenta: no clipping colour (red, green, yellow, white) uses it
UNCERTAIN = (0, 230, 255)  # cyan: the mirror passes' disagreement
#: Disagreement between mirror passes (stops) shown fully opaque.
UNCERTAIN_FULL_STOPS = 1.0


def invented_overlay(
    share: np.ndarray, opacity: float = 1.0, colour: tuple[int, int, int] = INVENTED
) -> np.ndarray:
    """RGBA uint8 heat overlay of the invented share (H, W) in [0, 1]: magenta, as opaque as
    the share of the pixel's light that was reconstructed rather than measured."""
    h, w = share.shape
    out = np.zeros((h, w, 4), np.uint8)
    out[..., :3] = colour
    out[..., 3] = np.rint(np.clip(share, 0.0, 1.0) * (255.0 * opacity)).astype(np.uint8)
    return out


def compose_split(before: np.ndarray, after: np.ndarray, split: float) -> np.ndarray:
    """Original left of the split line (fraction of the width), result right of it."""
    x = round(min(max(float(split), 0.0), 1.0) * before.shape[1])
    out = after.copy()
    out[:, :x] = before[:, :x]
    return out


def blend_overlay(rgb: np.ndarray, overlay: np.ndarray) -> np.ndarray:
    """Alpha-composite an RGBA overlay onto uint8 RGB."""
    a = overlay[..., 3:4].astype(np.float32) / 255.0
    return (rgb * (1 - a) + overlay[..., :3] * a + 0.5).astype(np.uint8)


@dataclass(frozen=True)
class Histogram:
    """The histogram panel's content. ``counts``: (3, bins) pixel counts per channel (R, G,
    B) over ``edges``; ``unit``: "code" (the photo's code values, 0–1) or "stops" (an HDR
    result, log2 of linear light relative to diffuse white, 0 = SDR white); ``over`` and
    ``under``: the share of the photo's pixels the clipping overlay marks at either end
    (any channel at or past the thresholds)."""

    edges: np.ndarray
    counts: np.ndarray
    unit: str
    over: float
    under: float

    @property
    def white(self) -> float:
        """Where diffuse (SDR) white lies on the x axis."""
        return 1.0 if self.unit == "code" else 0.0


#: The stops the HDR histogram spans, relative to diffuse white.
STOPS_RANGE = (-10.0, 6.0)


def clipped_shares(level: DisplayLevel, over: float, under: float) -> tuple[float, float]:
    """The shares of the display level's pixels the clipping overlay marks in its "any
    channel" mode: any channel of a block at or above ``over`` (or saturated on a raw file's
    sensor), any at or below ``under``. Exact at full resolution (factor 1); on a reduced
    level a block counts when any pixel in it clipped, as the overlay shows it."""
    import cv2

    def channel_extreme(a: np.ndarray, op) -> np.ndarray:
        r, g, b = cv2.split(np.ascontiguousarray(a))
        return op(op(r, g), b)

    n = max(level.code_max.shape[0] * level.code_max.shape[1], 1)
    if level.sensor is None:
        high = np.count_nonzero(channel_extreme(level.code_max, cv2.max) >= np.float32(over))
    else:
        high = np.count_nonzero(level.sensor.any(axis=2))
    low = np.count_nonzero(channel_extreme(level.code_min, cv2.min) <= np.float32(under))
    return float(high) / n, float(low) / n


def rgb_histogram(
    code: np.ndarray,
    result: np.ndarray | None,
    shares: tuple[float, float],
    bins: int = 128,
) -> Histogram:
    """R, G and B histograms: of the photo's code values ``code`` (H, W, 3), or of the
    ``result`` (linear, 1.0 = diffuse white) in stops when there is one; ``shares``: the
    clipped (over, under) shares the indicators show (:func:`clipped_shares`)."""
    if result is None:
        edges = np.linspace(0.0, 1.0, bins + 1)
        values, unit = code.reshape(-1, 3), "code"
    else:
        lo, hi = STOPS_RANGE
        edges = np.linspace(lo, hi, bins + 1)
        values = np.log2(np.maximum(result.reshape(-1, 3), np.float32(2.0**lo)))
        unit = "stops"
    top = edges[-1]
    counts = np.stack(
        [np.histogram(np.minimum(values[:, c], top), edges)[0] for c in range(3)]
    ).astype(np.int64)
    return Histogram(edges, counts, unit, shares[0], shares[1])


DENSITY_RANGE = (0.8, 0.9)
BEFORE_RGB = (80, 140, 255)
AFTER_RGB = (255, 140, 40)


def density(before_xy: np.ndarray | None, after_xy: np.ndarray | None, bins: int = 400):
    """RGBA uint8 image (rows = y upwards) of where xy points fall: photo in blue, result in
    orange, opacity by log density."""
    h_bins = round(bins * DENSITY_RANGE[1] / DENSITY_RANGE[0])
    out = np.zeros((h_bins, bins, 4), np.float32)
    for xy, colour in ((before_xy, BEFORE_RGB), (after_xy, AFTER_RGB)):
        if xy is None or len(xy) == 0:
            continue
        hist, _, _ = np.histogram2d(
            xy[:, 1],
            xy[:, 0],
            bins=(h_bins, bins),
            range=((0, DENSITY_RANGE[1]), (0, DENSITY_RANGE[0])),
        )
        a = np.log1p(hist) / max(np.log1p(hist.max()), 1e-6)
        a = np.where(hist > 0, 0.35 + 0.65 * a, 0.0)[..., None]
        out[..., :3] = out[..., :3] * (1 - a) + np.asarray(colour, np.float32) * a
        out[..., 3:] = np.maximum(out[..., 3:], a * 255)
    return (out + 0.5).astype(np.uint8)


def probe(
    image: Image,
    result: np.ndarray | None,
    x: int,
    y: int,
    reference_white: float,
    over: float,
    under: float,
) -> str:
    """Status-bar text for full-resolution pixel (x, y)."""
    if not (0 <= x < image.width and 0 <= y < image.height):
        return ""
    src = result if result is not None else image.linear
    px = src[y, x]
    lum = float(luminance(px, image.primaries))
    nits = lum * reference_white
    stops = np.log2(max(lum, 1e-6))
    code = image.code[y, x]
    over_ch = "".join(c for c, v in zip("RGB", code, strict=True) if v >= np.float32(over))
    under_ch = "".join(c for c, v in zip("RGB", code, strict=True) if v <= np.float32(under))
    clip = []
    if over_ch:
        clip.append(f"over: {over_ch}")
    if under_ch:
        clip.append(f"under: {under_ch}")
    return (
        f"x {x}  y {y}   linear {px[0]:.3f} {px[1]:.3f} {px[2]:.3f}   "
        f"{nits:.0f} cd/m²   {stops:+.2f} stops   " + ("  ".join(clip) or "not clipped")
    )


#: SDR white on Windows' scRGB surfaces (1.0 = 80 cd/m² there); BT.2408's 203 cd/m².
SCRGB_WHITE_NITS = 203.0
#: Surfaces and the primaries their values are in.
SURFACE_PRIMARIES = {"scrgb": "rec709", "p3-linear": "p3", "hdr10": "rec2020", "sdr": "rec709"}


def surface_pixels(
    linear: np.ndarray,
    primaries: str,
    surface: str,
    headroom: float,
    exposure: float = 0.0,
    platform: str = "",
) -> np.ndarray:
    """(H, W, 4) float32 values for an HDR surface (:mod:`hdr_studio.app.model.display`):
    the linear picture (1.0 = SDR white, ``primaries``) at ``exposure`` stops, in the
    surface's primaries, its light above ``headroom`` × SDR white rolled off (BT.2390), then
    encoded: ``scrgb`` linear (1.0 = 80 cd/m² on Windows, SDR white on macOS),
    ``p3-linear`` linear (1.0 = SDR white), ``hdr10`` PQ code values (SDR white at 203
    cd/m²); ``sdr`` the SDR view's tone-mapped sRGB code values (what an SDR surface shows:
    the same picture as the viewer draws)."""
    from hdr_studio.api.display import (
        REFERENCE_WHITE_NITS,
        convert_primaries,
        limit_peak,
        pq_encode,
    )

    h, w, _ = linear.shape
    out = np.ones((h, w, 4), np.float32)
    if surface == "sdr":
        rgb8 = tonemapped(linear, exposure, primaries=primaries)
        out[..., :3] = rgb8.astype(np.float32) / np.float32(255.0)
        return out
    gain = np.float32(2.0**exposure)
    rgb = convert_primaries(np.maximum(linear, 0) * gain, primaries, SURFACE_PRIMARIES[surface])
    rgb = limit_peak(np.maximum(rgb, 0), float(headroom))
    if surface == "hdr10":
        out[..., :3] = pq_encode(rgb * np.float32(REFERENCE_WHITE_NITS))
    elif surface == "scrgb" and platform == "windows":
        out[..., :3] = rgb * np.float32(SCRGB_WHITE_NITS / 80.0)
    else:
        out[..., :3] = rgb
    return out
