"""Clipping analysis: which pixels lost information at the sensor's or encoder's limits.

Thresholds are in normalised code values (0–1 of the source's range) because clipping
happens in the encoded signal. Defaults: over-exposed at ≥ 250/255 (many cameras and JPEG
encoders clip a little below 255), under-exposed at ≤ 4/255. Both are parameters
everywhere.

Modes (for masks, statistics and the overlay):

* ``"all"``: every channel past the threshold (DeclipNet's visualisation);
* ``"any"``: at least one channel past the threshold;
* ``"channel"`` (overlay only): shows which channels clipped.

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

DEFAULT_OVER = 250.0 / 255.0
DEFAULT_UNDER = 4.0 / 255.0
SANTOS_THRESHOLD = 0.96

Mode = Literal["all", "any", "channel"]
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


def channel_masks(
    code: np.ndarray, over: float = DEFAULT_OVER, under: float = DEFAULT_UNDER
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel boolean masks ``(H, W, 3)``: (code ≥ over, code ≤ under)."""
    c = _check_rgb(code)
    _check_thresholds(over, under)
    return c >= np.float32(over), c <= np.float32(under)


def combine(masks: np.ndarray, mode: Mode) -> np.ndarray:
    """Reduce ``(H, W, 3)`` channel masks to ``(H, W)`` with ``"all"`` or ``"any"``."""
    if mode == "all":
        return masks.all(axis=2)
    if mode == "any":
        return masks.any(axis=2)
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


def santos_mask(code: np.ndarray, threshold: float = SANTOS_THRESHOLD) -> np.ndarray:
    """β(T) of Santos et al. (SIGGRAPH 2020, eq. 1/fig. 2), element-wise: 1 where the code
    value is ≤ ``threshold``, falling linearly to 0 at 1. Shape as the input, float32."""
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must be in [0, 1), got {threshold}")
    t = np.asarray(code, dtype=np.float32)
    return (1.0 - np.clip((t - threshold) / np.float32(1.0 - threshold), 0.0, 1.0)).astype(
        np.float32
    )


def hybrid_mask(base: np.ndarray, tau: float = 0.95) -> np.ndarray:
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

    m = np.asarray(mask, dtype=np.uint8)
    if not m.any():
        return 0, []
    n, _, st, _ = cv2.connectedComponentsWithStats(m, connectivity=8, ltype=cv2.CV_32S)
    st = st[1:]
    order = np.argsort(-st[:, cv2.CC_STAT_AREA], kind="stable")[:top]
    largest = [
        Region(int(st[i, 4]), (int(st[i, 0]), int(st[i, 1]), int(st[i, 2]), int(st[i, 3])))
        for i in order
    ]
    return n - 1, largest


def clip_stats(
    code: np.ndarray, over: float = DEFAULT_OVER, under: float = DEFAULT_UNDER, top: int = 10
) -> ClipStats:
    """Share clipped per channel and overall, number and sizes of clipped regions
    (regions are counted on the any-channel masks)."""
    o, u = channel_masks(code, over, under)
    h, w = o.shape[:2]
    n = float(h * w)
    o_any, u_any = o.any(axis=2), u.any(axis=2)
    n_over, big_over = regions(o_any, top)
    n_under, big_under = regions(u_any, top)
    o_count = np.count_nonzero(o.reshape(-1, 3), axis=0)
    u_count = np.count_nonzero(u.reshape(-1, 3), axis=0)
    return ClipStats(
        width=w,
        height=h,
        over_threshold=float(over),
        under_threshold=float(under),
        over_per_channel={c: float(v) / n for c, v in zip(_CHANNELS, o_count, strict=True)},
        under_per_channel={c: float(v) / n for c, v in zip(_CHANNELS, u_count, strict=True)},
        over_any=np.count_nonzero(o_any) / n,
        over_all=np.count_nonzero(o.all(axis=2)) / n,
        under_any=np.count_nonzero(u_any) / n,
        under_all=np.count_nonzero(u.all(axis=2)) / n,
        over_regions=n_over,
        under_regions=n_under,
        largest_over=big_over,
        largest_under=big_under,
    )


RED = (255, 0, 0)
GREEN = (0, 255, 0)


def clip_overlay(
    code: np.ndarray,
    mode: Mode = "all",
    over: float = DEFAULT_OVER,
    under: float = DEFAULT_UNDER,
    opacity: float = 1.0,
    show_over: bool = True,
    show_under: bool = True,
) -> np.ndarray:
    """RGBA uint8 ``(H, W, 4)`` overlay of clipped pixels, transparent elsewhere.

    ``"all"``/``"any"``: red where over-exposed, green where under-exposed (DeclipNet's
    convention). ``"channel"``: over-exposed pixels show the additive colour of the channels
    that clipped (R red, R+G yellow, all three white); under-exposed pixels show the
    complement of the channels that clipped (B under → yellow), and green where all three
    did. Over-exposure wins where a pixel is both.
    """
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be in [0, 1], got {opacity}")
    o, u = channel_masks(code, over, under)
    h, w = o.shape[:2]
    out = np.zeros((h, w, 4), dtype=np.uint8)
    a = np.uint8(round(255 * opacity))
    if mode in ("all", "any"):
        if show_under:
            m = combine(u, mode)
            out[m] = (*GREEN, a)
        if show_over:
            m = combine(o, mode)
            out[m] = (*RED, a)
        return out
    if mode != "channel":
        raise ValueError(f"mode must be 'all', 'any' or 'channel', got {mode!r}")
    if show_under:
        m = u.any(axis=2)
        rgb = np.where(u, 0, 255).astype(np.uint8)
        rgb[u.all(axis=2)] = GREEN
        out[..., :3][m] = rgb[m]
        out[..., 3][m] = a
    if show_over:
        m = o.any(axis=2)
        out[..., :3][m] = (o[m] * 255).astype(np.uint8)
        out[..., 3][m] = a
    return out
