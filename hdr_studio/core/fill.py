"""How a reconstruction is put back together with the measurement: the fill policy every
network shares (numpy only).

* HDR estimates work on the **log ratio** to the measured linear pixels (never below 0: a
  clipped measurement is a lower bound). :func:`keep_measured` applies Santos et al.'s eq. 1
  to any network's estimate: pixels away from the clipping level stay as measured, the
  network fills the clipped ones with a soft transition.
* SDR declippers change only the pixels at the top or bottom clip (:func:`keep_unclipped`).
* :class:`Calibration` holds the gains on what a network changes, fitted on the validation
  split (``hdr-studio calibrate``) and stored in the weights' metadata.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hdr_studio.core.channels import any_channel, channel_max, channel_mean, channel_min
from hdr_studio.core.clipping import SANTOS_THRESHOLD, santos_mask
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import ProgressFn
from hdr_studio.core.regions import coarse_weight
from hdr_studio.core.smooth import linear_taps, smooth_in_mask

#: Smallest linear value a log ratio is taken against.
LOG_FLOOR = np.float32(1e-6)

#: Region inradius up to which the fill's own estimate is kept, and from which the
#: coarse-scale estimate replaces it (see :func:`keep_measured`), in the pixels that estimate
#: was computed at (a fill made at a working size sees a region that many times narrower);
#: measured in ``bench/coarse_pass.py`` and ``bench/work_size.py`` (bench/QUALITY.md).
COARSE_REACH = (2.0, 6.0)

#: The masked network's fill smoothing (``keep_measured(smooth=…)``): a Gaussian of 1/32 of
#: the long side over the log ratio near the clip; measured in bench/QUALITY.md ("Smoothing
#: the fill").
FILL_SMOOTH = 1.0 / 32.0


#: A code value at or above this is at the clip: the sensor or the encoder saturated there
#: (JPEG's ringing leaves a clipped 255 anywhere in 254–255).
HARD_CLIP = 253.5 / 255.0

#: How far (pixels) from a pixel at the clip a nearly clipped one may still be changed: fully
#: up to the first distance, fading to not at all at the second. Further away a near-white
#: pixel is a measurement and stays the photo's own: on a plain sRGB photo the band below
#: the clip is as exact as any other code value, and only the rim of a clipped region (where
#: JPEG and demosaicing smear the clip) gains from the network (bench/QUALITY.md, round three).
SEED_REACH = (1.5, 3.0)


@dataclass(frozen=True)
class Calibration:
    """Gains on what a network changes; 1 = the raw network.

    ``hdr``: exponent on the HDR estimate's ratio to the clipped measurement (log domain),
    ``over`` / ``under``: share of the SDR declipper's change kept at the top / bottom clip.
    """

    hdr: float = 1.0
    over: float = 1.0
    under: float = 1.0

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> Calibration:
        text = meta.get("calibration")
        if not text:
            return cls()
        data = json.loads(text)
        return cls(**{k: float(data[k]) for k in ("hdr", "over", "under") if k in data})

    def to_metadata(self) -> str:
        return json.dumps({"hdr": self.hdr, "over": self.over, "under": self.under})


RAW = Calibration()


def log_ratio(hdr: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """log(max(hdr, m) / m) with m = max(measured, :data:`LOG_FLOOR`): how far an estimate
    goes above the measurement, per channel, ≥ 0. Both (H, W, 3) float32 linear."""
    lo = np.maximum(measured, LOG_FLOOR)
    return np.log(np.maximum(hdr, lo) / lo)


@dataclass(frozen=True)
class LogRatio:
    """A log ratio (h, w, 3) computed on a smaller copy of a (height, width) picture, brought
    up bilinearly (OpenCV's resize geometry, :meth:`full`) only at the pixels asked for: the
    fill reads a few per cent of a photo's pixels, and a full-size copy of a 12 MP picture's
    ratio is 144 MB."""

    small: np.ndarray
    height: int
    width: int

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.height, self.width, self.small.shape[2])

    @property
    def scale(self) -> float:
        """How many full-size pixels one of the small copy's spans (long sides)."""
        return max(self.height, self.width) / max(self.small.shape[:2])

    def at(self, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """(N, 3) float32: the ratio at the full-size pixels (ys, xs)."""
        h, w = self.small.shape[:2]
        y0, y1, ty = linear_taps(self.height, h)
        x0, x1, tx = linear_taps(self.width, w)
        a, b = y0[ys], y1[ys]
        c, d = x0[xs], x1[xs]
        u, v = tx[xs][:, None], ty[ys][:, None]
        s = self.small
        top = s[a, c] * (1 - u) + s[a, d] * u
        bottom = s[b, c] * (1 - u) + s[b, d] * u
        return (top * (1 - v) + bottom * v).astype(np.float32)

    def full(self) -> np.ndarray:
        """(height, width, 3): the whole picture's ratio."""
        import cv2

        return cv2.resize(self.small, (self.width, self.height), interpolation=cv2.INTER_LINEAR)


def near_clip(code: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels :func:`keep_measured` computes — a channel above Santos'
    threshold. Everywhere else its result is the measurement, whatever the network said."""
    return channel_max(code) > np.float32(SANTOS_THRESHOLD)


def at_clip(image: Image) -> np.ndarray:
    """(H, W) bool: the pixels that clipped — a channel the sensor saturated (camera raw
    files), else a code value at :data:`HARD_CLIP` or above."""
    if image.sensor_clip is not None:
        return np.asarray(any_channel(image.sensor_clip), dtype=bool)
    return channel_max(image.code) >= np.float32(HARD_CLIP)


def seed_proximity(
    clipped: np.ndarray,
    near: np.ndarray,
    reach: tuple[float, float],
    where: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """(N,) float32 for the pixels of ``near``: 1 at a ``clipped`` pixel and up to
    ``reach[0]`` pixels from one, falling linearly to 0 at ``reach[1]`` (Euclidean distance).
    ``where``: ``np.nonzero(near)`` when the caller has it already."""
    import cv2

    lo, hi = reach
    ys, xs = np.nonzero(near) if where is None else where
    if not clipped.any():
        return np.zeros(len(ys), np.float32)
    # only the box around the pixels asked about, grown by the reach, is measured
    pad = int(np.ceil(hi)) + 1
    y0, y1 = max(0, ys.min() - pad), min(near.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(near.shape[1], xs.max() + pad + 1)
    free = np.where(clipped[y0:y1, x0:x1], 0, 255).astype(np.uint8)
    dist = cv2.distanceTransform(free, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    d = dist[ys - y0, xs - x0]
    return np.clip((np.float32(hi) - d) / np.float32(max(hi - lo, 1e-6)), 0, 1).astype(np.float32)


def sdr_changes(code: np.ndarray, band: float = 0.01) -> np.ndarray:
    """(H, W) bool: the pixels :func:`keep_unclipped` can change — a channel within ``band``
    of either clip (its weights are 0 everywhere else)."""
    return (channel_max(code) > np.float32(1 - band)) | (channel_min(code) < np.float32(band))


def keep_measured(
    image: Image,
    hdr: np.ndarray | LogRatio,
    gain: float = 1.0,
    coarse_ratio: np.ndarray | LogRatio | None = None,
    reach: tuple[float, float] | None = None,
    decode: Callable[[np.ndarray], np.ndarray] | None = None,
    progress: ProgressFn | None = None,
    smooth: float = 0.0,
    seed_reach: tuple[float, float] | None = SEED_REACH,
    is_ratio: bool = False,
) -> np.ndarray:
    """Santos' eq. 1 applied to any network's HDR estimate, H = β·lin(T) + (1 − β)·max(Ĥ,
    lin(T)), with β(T) the well-exposed weight of the code values.

    ``coarse_ratio``: the log ratio of the coarse-scale pass, at full size. Regions narrower
    than ``reach[0]`` pixels keep the full-size fill, regions wider than ``reach[1]`` take the
    coarse one (a network fills only the border of an area wider than it sees: a bright ring
    around a flat core), blended in log between (default: :data:`COARSE_REACH` in the pixels
    ``hdr`` was computed at, :func:`coarse_reach`). Pixels clipped in all three channels keep
    the measured colour (no invented hue). ``gain`` scales the log ratio (:class:`Calibration`).
    ``decode``: turns the network's raw output into linear HDR, element-wise (applied only to
    the pixels that need it). ``smooth``: the estimate's log ratio is averaged over the
    pixels near the clip with a Gaussian of this fraction of the picture's long side
    (:func:`hdr_studio.core.smooth.smooth_in_mask`; 0: not at all) — taken where all three
    channels clipped, and where one still measures only when it is lower. ``progress(fraction,
    message)`` is told of the steps (a 24 MP picture takes over a second). ``seed_reach``:
    a nearly clipped pixel further than this from one that clipped (:func:`at_clip`,
    :func:`seed_proximity`) keeps its measurement (None: every pixel above Santos'
    threshold takes the fill as eq. 1 says). ``is_ratio``: ``hdr`` is already the
    estimate's log ratio to the measurement (a fill computed at a smaller working size: a
    :class:`LogRatio`, brought up only where it is read). Returns (H, W, 3) float32.

    Only pixels with a channel above Santos' threshold are computed (β = 1 elsewhere: the
    measurement, exactly); on a typical photo that is a few per cent of them."""
    lin = image.linear
    out = np.array(lin, dtype=np.float32, copy=True)
    mask = near_clip(image.code)
    if not mask.any():
        return out
    near = _Near.of(mask)
    code_s, lin_s = near.take(image.code), near.take(lin)
    m = santos_mask(code_s)  # (N, 3)
    if seed_reach is not None:
        # β stays 1 (the measurement) away from what clipped: the band is changed only at
        # the rim of a clipped region
        w = seed_proximity(_clipped_among(image, near, code_s), mask, seed_reach, near.where)
        m = 1 - w[:, None] * (1 - m)
    if is_ratio:
        r = np.maximum(near.take(hdr), np.float32(0))
    else:
        est = near.take(hdr)
        r = log_ratio(est if decode is None else decode(est), lin_s)
    a = 1 - channel_max(m)[:, None]  # 1 where every channel clipped
    reach = coarse_reach(hdr) if reach is None else reach
    r = _shaped_ratio(near, r, a, smooth, coarse_ratio, reach, progress)
    filled = np.maximum(lin_s, LOG_FLOOR) * np.exp(np.float32(gain) * r)
    out.reshape(-1, 3)[near.index] = m * lin_s + (1 - m) * filled
    return out


def coarse_reach(hdr: np.ndarray | LogRatio) -> tuple[float, float]:
    """:data:`COARSE_REACH` in full-size pixels for an estimate ``hdr``: as it is for one made
    at full size, that many times wider for a :class:`LogRatio` made at a working size (the
    network saw every region that many times narrower)."""
    k = hdr.scale if isinstance(hdr, LogRatio) else 1.0
    return (COARSE_REACH[0] * k, COARSE_REACH[1] * k)


@dataclass(frozen=True)
class _Near:
    """The pixels :func:`keep_measured` computes, found once: a few per cent of a photo,
    gathered by their flat indices (a boolean mask would scan every pixel of each
    full-size array again)."""

    mask: np.ndarray
    ys: np.ndarray
    xs: np.ndarray
    index: np.ndarray

    @classmethod
    def of(cls, mask: np.ndarray) -> _Near:
        ys, xs = np.nonzero(mask)
        return cls(mask, ys, xs, ys * mask.shape[1] + xs)

    @property
    def where(self) -> tuple[np.ndarray, np.ndarray]:
        return self.ys, self.xs

    def take(self, a: np.ndarray | LogRatio) -> np.ndarray:
        """(N, C): ``a``'s values at these pixels."""
        if isinstance(a, LogRatio):
            return a.at(self.ys, self.xs)
        if not a.flags.c_contiguous:  # a view (some channels of an output): no full copy
            return a[self.ys, self.xs]
        return np.take(a.reshape(-1, a.shape[-1]), self.index, axis=0)


def _clipped_among(image: Image, near: _Near, code_s: np.ndarray) -> np.ndarray:
    """:func:`at_clip` of ``image`` (H, W) bool, from the code values of the ``near`` pixels
    alone (``code_s``): a pixel at the clip is always near it."""
    if image.sensor_clip is not None:
        return at_clip(image)
    clipped = np.zeros(near.mask.shape, bool)
    clipped[near.where] = channel_max(code_s) >= np.float32(HARD_CLIP)
    return clipped


def _shaped_ratio(
    near: _Near,
    r: np.ndarray,
    a: np.ndarray,
    smooth: float,
    coarse_ratio: np.ndarray | LogRatio | None,
    reach: tuple[float, float],
    progress: ProgressFn | None,
) -> np.ndarray:
    """The estimate's log ratio ``r`` (N, 3) at the ``near`` pixels as :func:`keep_measured`
    fills with it: smoothed, the coarse pass's in wide regions, grey where every channel
    clipped (``a`` = 1)."""
    if smooth > 0:
        # The network's fill is blotchy; its neighbourhood mean is closer to the truth. Where
        # a channel still measures, the mean may only lower a clipped channel's ratio: raising
        # it there pulled the core's boost into the rims as a coloured halo (QUALITY.md).
        rs = smooth_in_mask(near.mask, r, smooth * max(near.mask.shape), near.where)
        r = a * rs + (1 - a) * np.minimum(rs, r)
    if coarse_ratio is not None:
        if progress is not None:
            progress(0.5, "measuring clipped regions")
        w = coarse_weight(near.mask, reach[0], reach[1], inside=True)[:, None]
        if w.any():
            r = r + w * (near.take(coarse_ratio) - r)
    # Where every channel clipped, the measurement has no colour left and the small networks'
    # hue there is noise (rainbow fringes inside white clouds): such pixels keep the
    # measured colour and take the mean of the channels' log ratios (bench/QUALITY.md).
    if a.any():
        r = r + a * (channel_mean(r)[:, None] - r)
    return r


def clipped_weights(code: np.ndarray, band: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Per channel (over, under): 1 at the clipping level 1 (resp. 0) of the code values,
    falling linearly to 0 within ``band`` of it — the pixels an SDR declipper may change."""
    c = np.asarray(code, np.float32)
    over = np.clip((c - np.float32(1 - band)) / np.float32(band), 0, 1)
    under = np.clip((np.float32(band) - c) / np.float32(band), 0, 1)
    return over, under


def keep_unclipped(code: np.ndarray, declipped: np.ndarray, cal: Calibration = RAW) -> np.ndarray:
    """SDR declipping output: the network's values where the input clipped, the input
    elsewhere (the networks are trained through the same composite), the change scaled by
    the calibrated gains. (H, W, 3) code values, none below 0: a crushed shadow comes back
    dark, never as negative light."""
    over, under = clipped_weights(code)
    w = np.float32(cal.over) * over + np.float32(cal.under) * under
    return np.maximum(code + w * (declipped - code), 0).astype(np.float32)
