"""Clipping analysis: which pixels lost information at the sensor's or encoder's limits.

Thresholds are in normalised code values (0–1 of the source's range) because clipping
happens in the encoded signal. Defaults: over-exposed at ≥ 250/255 (many cameras and JPEG
encoders clip a little below 255), under-exposed at ≤ 4/255. Both are parameters
everywhere.

Modes (for masks, statistics and the overlay):

* ``"all"``: every channel past the threshold (DeclipNet's visualisation);
* ``"any"``: at least one channel past the threshold;
* ``"channel"`` (overlay only): shows which channels clipped.

The overlay's default is ``"any"`` (:data:`DEFAULT_MODE`), in every front end: it marks
every pixel that lost information in some channel, as the statistics' first figure counts.

Soft masks from the seeds:

* :func:`santos_mask`: β(T) of Santos et al. 2020, 1 for well-exposed, falling linearly to 0
  between the threshold (0.96) and 1;
* :func:`hybrid_mask`: the base/detail hybrid's 3-channel mask
  M_c = max(0, S_b,c − τ) / (1 − τ), 1 for saturated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

from hdr_studio.core.channels import all_channels, any_channel

DEFAULT_OVER = 250.0 / 255.0
DEFAULT_UNDER = 4.0 / 255.0
SANTOS_THRESHOLD = 0.96
#: The hybrid's mask threshold τ on the base layer (:func:`hybrid_mask`).
HYBRID_TAU = 0.95

Mode = Literal["all", "any", "channel"]
MODES: tuple[Mode, ...] = ("any", "all", "channel")
#: The overlay's mode unless one is asked for (the CLI, the app, the bridge, the plug-ins).
DEFAULT_MODE: Mode = "any"
_CHANNELS = ("R", "G", "B")


def _check_rgb(a: np.ndarray, name: str = "code") -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f"{name} must have shape (H, W, 3), got {a.shape}")
    return a


def _check_thresholds(over: float, under: float) -> None:
    if not 0.0 < over <= 1.0:
        raise ValueError(f"over-exposure threshold must be in (0, 1], got {over}")
    if not 0.0 <= under < over:
        raise ValueError(f"under-exposure threshold must be in [0, over), got {under}")


def _channel_masks_u8(
    code: np.ndarray,
    over: float,
    under: float,
    sensor: np.ndarray | None = None,
    shadows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(over, under) per-channel masks as (H, W, 3) uint8 0/255, by OpenCV's SIMD compare on
    the interleaved data (no copies). A code value equal to a threshold counts as clipped.
    ``sensor``: (H, W, 3) bool, the channels a camera's sensor saturated (raw files): the
    over-exposure mask is that, not a threshold. ``shadows``: the code values the
    under-exposure mask reads instead of ``code`` (:attr:`Image.shadow_code`)."""
    import cv2

    c = np.ascontiguousarray(_check_rgb(code), dtype=np.float32)
    _check_thresholds(over, under)
    h, w, _ = c.shape
    flat = c.reshape(h, w * 3)
    if sensor is not None:
        if sensor.shape != c.shape:
            raise ValueError(f"sensor mask must have shape {c.shape}, got {sensor.shape}")
        o = np.ascontiguousarray(sensor, dtype=bool).view(np.uint8) * np.uint8(255)
    else:
        o = cv2.compare(flat, float(np.float32(over)), cv2.CMP_GE).reshape(h, w, 3)  # type: ignore[call-overload]  (a scalar operand: OpenCV's stubs name arrays only)
    if shadows is not None:
        if shadows.shape != c.shape:
            raise ValueError(f"shadow codes must have shape {c.shape}, got {shadows.shape}")
        flat = np.ascontiguousarray(shadows, dtype=np.float32).reshape(h, w * 3)
    u = cv2.compare(flat, float(np.float32(under)), cv2.CMP_LE).reshape(h, w, 3)  # type: ignore[call-overload]
    return o, u


def _count_channels(mask_u8: np.ndarray) -> np.ndarray:
    """Number of flagged channels per pixel (H, W) uint8, from a 0/255 (H, W, 3) mask."""
    import cv2

    h, w = mask_u8.shape[:2]
    return cv2.transform(mask_u8, np.full((1, 3), 1.0 / 255.0)).reshape(h, w)


def _ge(count: np.ndarray, level: int) -> np.ndarray:
    """uint8 0/255 mask of ``count >= level``."""
    return np.greater_equal(count, level).view(np.uint8) * np.uint8(255)


def channel_masks(
    code: np.ndarray, over: float = DEFAULT_OVER, under: float = DEFAULT_UNDER
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel boolean masks ``(H, W, 3)``: (code ≥ over, code ≤ under)."""
    o, u = _channel_masks_u8(code, over, under)
    return o > 0, u > 0


def combine(masks: np.ndarray, mode: Mode) -> np.ndarray:
    """Reduce ``(H, W, 3)`` channel masks to ``(H, W)`` with ``"all"`` or ``"any"``."""
    if mode == "all":
        return all_channels(masks)
    if mode == "any":
        return any_channel(masks)
    raise ValueError(f"mode must be 'all' or 'any' to combine masks, got {mode!r}")


def clip_masks(
    code: np.ndarray,
    over: float = DEFAULT_OVER,
    under: float = DEFAULT_UNDER,
    mode: Mode = "any",
) -> tuple[np.ndarray, np.ndarray]:
    """(over-exposed, under-exposed) ``(H, W)`` boolean masks in ``mode``."""
    o, u = channel_masks(code, over, under)
    return combine(o, mode), combine(u, mode)


def over_mask(code: np.ndarray, over: float = DEFAULT_OVER, mode: Mode = "any") -> np.ndarray:
    """(H, W) bool: pixels with ``mode`` (any/all) channels at or above ``over`` — the
    clipped region the evaluation measures inside and outside of."""
    return combine(channel_masks(code, over, 0.0)[0], mode)


def santos_mask(code: np.ndarray, threshold: float = SANTOS_THRESHOLD) -> np.ndarray:
    """β(T) of Santos et al. (SIGGRAPH 2020, eq. 1/fig. 2), element-wise: 1 where the code
    value is ≤ ``threshold``, falling linearly to 0 at 1. Shape as the input, float32."""
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must be in [0, 1), got {threshold}")
    t = np.asarray(code, dtype=np.float32)
    return (1.0 - np.clip((t - threshold) / np.float32(1.0 - threshold), 0.0, 1.0)).astype(
        np.float32
    )


def hybrid_mask(base: np.ndarray, tau: float = HYBRID_TAU) -> np.ndarray:
    """The base/detail hybrid's mask (its eq. 1), per channel on the base layer S_b:
    M_c = max(0, S_b,c − τ) / (1 − τ), bounded to [0, 1]; τ ∈ [0.75, 0.995]."""
    if not 0.0 <= tau < 1.0:
        raise ValueError(f"tau must be in [0, 1), got {tau}")
    b = _check_rgb(np.asarray(base, dtype=np.float32), "base")
    return np.clip((b - np.float32(tau)) / np.float32(1.0 - tau), 0.0, 1.0).astype(np.float32)


@dataclass
class Region:
    """A connected clipped region: pixel count and bounding box (x, y, width, height)."""

    pixels: int
    bbox: tuple[int, int, int, int]


@dataclass
class ClipStats:
    """Clipping statistics of an image (fractions are shares of all pixels, 0–1)."""

    width: int
    height: int
    over_threshold: float
    under_threshold: float
    over_per_channel: dict[str, float]
    under_per_channel: dict[str, float]
    over_any: float
    over_all: float
    under_any: float
    under_all: float
    over_regions: int
    under_regions: int
    largest_over: list[Region] = field(default_factory=list)
    largest_under: list[Region] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def regions(mask: np.ndarray, top: int = 10) -> tuple[int, list[Region]]:
    """Count 8-connected regions of a boolean ``(H, W)`` mask; the ``top`` largest."""
    import cv2

    m = np.asarray(mask)
    m = m.view(np.uint8) if m.dtype == bool else m.astype(np.uint8, copy=False)
    if cv2.countNonZero(m) == 0:
        return 0, []
    n, _, st, _ = cv2.connectedComponentsWithStatsWithAlgorithm(m, 8, cv2.CV_32S, cv2.CCL_SPAGHETTI)
    st = st[1:]
    order = np.argsort(-st[:, cv2.CC_STAT_AREA], kind="stable")[:top]
    largest = [
        Region(int(st[i, 4]), (int(st[i, 0]), int(st[i, 1]), int(st[i, 2]), int(st[i, 3])))
        for i in order
    ]
    return n - 1, largest


def clip_stats(
    code: np.ndarray,
    over: float = DEFAULT_OVER,
    under: float = DEFAULT_UNDER,
    top: int = 10,
    sensor: np.ndarray | None = None,
    shadows: np.ndarray | None = None,
) -> ClipStats:
    """Share clipped per channel and overall, number and sizes of clipped regions
    (regions are counted on the any-channel masks). ``sensor``: a raw file's per-channel
    sensor saturation (:attr:`Image.sensor_clip`), used instead of ``over``; ``shadows``:
    the code values under-exposure is judged on (:attr:`Image.shadow_code`)."""
    import cv2

    o3, u3 = _channel_masks_u8(code, over, under, sensor, shadows)
    h, w = o3.shape[:2]
    n = float(h * w)
    result = {}
    for name, m3 in (("over", o3), ("under", u3)):
        per = np.asarray(cv2.sumElems(m3)[:3]) / 255.0
        count = _count_channels(m3)
        any_mask = _ge(count, 1)
        result[name] = (
            {c: float(v) / n for c, v in zip(_CHANNELS, per, strict=True)},
            cv2.countNonZero(any_mask) / n,
            cv2.countNonZero(_ge(count, 3)) / n,
            regions(any_mask, top),
        )
    (o_per, o_any, o_all, (n_over, big_over)) = result["over"]
    (u_per, u_any, u_all, (n_under, big_under)) = result["under"]
    return ClipStats(
        width=w,
        height=h,
        over_threshold=float(over),
        under_threshold=float(under),
        over_per_channel=o_per,
        under_per_channel=u_per,
        over_any=o_any,
        over_all=o_all,
        under_any=u_any,
        under_all=u_all,
        over_regions=n_over,
        under_regions=n_under,
        largest_over=big_over,
        largest_under=big_under,
    )


RED = (255, 0, 0)
GREEN = (0, 255, 0)


def clip_overlay(
    code: np.ndarray,
    mode: Mode = DEFAULT_MODE,
    over: float = DEFAULT_OVER,
    under: float = DEFAULT_UNDER,
    opacity: float = 1.0,
    show_over: bool = True,
    show_under: bool = True,
    sensor: np.ndarray | None = None,
    shadows: np.ndarray | None = None,
) -> np.ndarray:
    """RGBA uint8 ``(H, W, 4)`` overlay of clipped pixels, transparent elsewhere.

    ``"all"``/``"any"``: red where over-exposed, green where under-exposed (DeclipNet's
    convention). ``"channel"``: over-exposed pixels show the additive colour of the channels
    that clipped (R red, R+G yellow, all three white); under-exposed pixels show the
    complement of the channels that clipped (B under → yellow), and green where all three
    did. Over-exposure wins where a pixel is both. ``sensor``: a raw file's per-channel
    sensor saturation, used instead of ``over``; ``shadows``: the code values
    under-exposure is judged on (:attr:`Image.shadow_code`).
    """
    import cv2

    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be in [0, 1], got {opacity}")
    if mode not in ("all", "any", "channel"):
        raise ValueError(f"mode must be 'all', 'any' or 'channel', got {mode!r}")
    o3, u3 = _channel_masks_u8(code, over, under, sensor, shadows)
    h, w = o3.shape[:2]
    zero = np.zeros((h, w), np.uint8)
    o_count, u_count = _count_channels(o3), _count_channels(u3)
    level = 3 if mode == "all" else 1
    o_m = _ge(o_count, level) if show_over else zero
    if mode in ("all", "any"):
        u_m = _ge(u_count, level) if show_under else zero
        u_m = cv2.bitwise_and(u_m, cv2.bitwise_not(o_m))  # over wins
        alpha = cv2.bitwise_or(o_m, u_m)
        if opacity < 1.0:
            alpha = cv2.multiply(alpha, opacity, dtype=cv2.CV_8U)
        return cv2.merge([o_m, u_m, zero, alpha])
    # Per channel: over → the clipped channels' additive colour; under → their complement,
    # green where all three are under.
    u_any = _ge(u_count, 1) if show_under else zero
    u_any = cv2.bitwise_and(u_any, cv2.bitwise_not(o_m))
    u_all = cv2.bitwise_and(_ge(u_count, 3), u_any)
    rgb = []
    for ch in range(3):
        from_over = cv2.bitwise_and(o3[..., ch], o_m) if show_over else zero
        under_colour = cv2.bitwise_and(cv2.bitwise_not(u3[..., ch]), u_any)
        if ch == 1:
            under_colour = cv2.bitwise_or(under_colour, u_all)
        else:
            under_colour = cv2.bitwise_and(under_colour, cv2.bitwise_not(u_all))
        rgb.append(cv2.bitwise_or(from_over, under_colour))
    alpha = cv2.bitwise_or(o_m, u_any)
    if opacity < 1.0:
        alpha = cv2.multiply(alpha, opacity, dtype=cv2.CV_8U)
    return cv2.merge([*rgb, alpha])
