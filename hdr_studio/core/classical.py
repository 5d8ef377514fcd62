"""Classical highlight reconstruction (method ``classical``, no weights).

1. **Partially clipped pixels** (some channels survive): the idea of darktable's "inpaint
   opposed". The log-chromaticity ρ_c = log x_c − mean_k log x_k of reliable pixels (no
   channel near clipping, not too dark) is propagated into the clipped regions with a
   push–pull (normalised-convolution pyramid) interpolation, so each clipped pixel gets the
   colour ratios of the nearby unclipped pixels. The surviving channels then fix the
   pixel's scale s (their log-mean against the expected ratios) and each clipped channel
   becomes max(clipped value, s·exp(ρ_c)): hue is restored and a clipped channel only grows.
2. **Fully clipped pixels** (no channel survives): luminance is expanded with a smooth gain
   map that grows with the distance d from the region's edge,
   g(d) = 1 + (g_max − 1)(1 − exp(−d/r)), 1 at the edge so the result is continuous with
   the surroundings; the propagated colour fades towards neutral with distance. Edges are
   respected because the map lives only inside the clipped region, which follows them.
3. The result is blended in through a feathered clip mask (soft per-channel clip confidence
   from code values in [t − δ, t], dilated and blurred by a few pixels). Where that mask is
   0 the output is the linearised input, bit for bit.

Works on scene-linear pixels in the source's primaries (where the channels clipped) and on
the source code values for the masks. Under-exposed (crushed) pixels are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdr_studio.core.channels import channel_max, channel_mean, channel_min
from hdr_studio.core.clipping import DEFAULT_OVER
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import CancelToken, ProgressFn, Steps

_EPS = np.float32(1e-4)


@dataclass(frozen=True)
class ClassicalParams:
    """Parameters of :func:`reconstruct_classical` (defaults documented in docs/methods.md).

    over_threshold: code value at which a channel counts as clipped.
    feather: width δ (code values) of the soft ramp below the threshold.
    max_gain: g_max, the largest luminance gain inside big fully clipped regions.
    radius: r, the distance (as a fraction of the image's shorter side) over which the
        gain grows; small highlights get small gains.
    brightness_power: reliable pixels weigh max(code)^k in the colour propagation.
    tint_fade: the propagated colour fades to neutral over ``tint_fade · r``.
    tint_strength: how much of the neighbours' colour fully clipped pixels take (0–1).
    """

    over_threshold: float = DEFAULT_OVER
    feather: float = 0.02
    max_gain: float = 4.0
    radius: float = 0.06
    brightness_power: float = 4.0
    tint_fade: float = 2.0
    push_pull_saturation: float = 0.2
    tint_strength: float = 0.5


def _smoothstep(x: np.ndarray) -> np.ndarray:
    t = np.clip(x, 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def push_pull(values: np.ndarray, weights: np.ndarray, saturation: float = 0.2) -> np.ndarray:
    """Fill low-weight pixels of ``values`` (H, W, C) by normalised convolution over an
    image pyramid: each level's weighted mean is used where its weight is high and the
    coarser level's estimate elsewhere. ``weights`` (H, W) in [0, 1].

    The picture is padded (weight 0) to 2^k + 1 pixels a side, split evenly, so that every
    level's samples sit symmetrically and ``pyrUp`` undoes ``pyrDown``'s grid exactly: the
    fill of a picture turned or mirrored is the fill turned or mirrored, exactly for odd
    sides (an even side's padding is one pixel longer at its end). A linear resize upward
    shifted each level by half a pixel, a shift towards one corner that grew with the
    levels (up to 0.28 apart on mirrored noise)."""
    import cv2

    h, w = weights.shape

    def split(n: int) -> tuple[int, int]:  # padding before and after, to 2^k + 1 ≥ n
        extra = (1 << max(1, (n - 2).bit_length())) + 1 - n
        return extra // 2, extra - extra // 2

    (top, bottom), (left, right) = split(h), split(w)
    pad = (top, bottom, left, right, cv2.BORDER_CONSTANT)
    v = cv2.copyMakeBorder((values * weights[..., None]).astype(np.float32), *pad, value=0)
    w_ = cv2.copyMakeBorder(weights.astype(np.float32), *pad, value=0)
    if v.ndim == 2:
        v = v[..., None]
    levels: list[tuple[np.ndarray, np.ndarray]] = [(v, w_)]
    while min(v.shape[:2]) > 3:
        v = cv2.pyrDown(v)
        w_ = cv2.pyrDown(w_)
        if v.ndim == 2:
            v = v[..., None]
        levels.append((v, w_))
    est = None
    for v, w_ in reversed(levels):
        mean = v / np.maximum(w_, 1e-12)[..., None]
        if est is None:
            est = np.where(w_[..., None] > 1e-12, mean, 0).astype(np.float32)
            continue
        up = cv2.pyrUp(est, dstsize=(v.shape[1], v.shape[0]))
        if up.ndim == 2:
            up = up[..., None]
        conf = np.clip(w_ / saturation, 0, 1)[..., None]
        est = (conf * mean + (1 - conf) * up).astype(np.float32)
    assert est is not None
    return np.ascontiguousarray(est[top : top + h, left : left + w])


def _clip_masks(code: np.ndarray, p: ClassicalParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(per-channel clip confidence (H, W, 3), its channel max (H, W), the feathered mask
    (H, W) the result is blended through): code values from ``over_threshold − feather``
    up, the mask dilated a few pixels and blurred."""
    import cv2

    h, w, _ = code.shape
    t0 = np.float32(p.over_threshold - p.feather)
    conf = _smoothstep((code - t0) / np.float32(p.feather))  # 1 = clipped, per channel
    clipped_any = channel_max(conf)
    if not np.any(clipped_any > 0):
        return conf, clipped_any, clipped_any
    k = max(3, round(min(h, w) * 0.004) | 1)
    feather = cv2.dilate(clipped_any, np.ones((k, k), np.uint8))
    feather = cv2.GaussianBlur(feather, (0, 0), k / 2.0)
    clipped = clipped_any > 0
    feather[clipped] = np.maximum(feather[clipped], clipped_any[clipped])
    return conf, clipped_any, feather


def _colour_ratios(
    lin: np.ndarray, code: np.ndarray, clipped_any: np.ndarray, p: ClassicalParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(log linear RGB, each pixel's log colour ratios to its channel mean, how far each
    pixel's colour can be trusted): no channel near clipping, not too dark; bright
    pixels (the skirts of highlights) weigh most, since they carry the colour of the light
    that clipped."""
    darkness = _smoothstep((channel_min(code) - 0.02) / 0.08)
    brightness = channel_max(code) ** np.float32(p.brightness_power)
    reliable = ((1.0 - clipped_any) * darkness * brightness).astype(np.float32)
    reliable[clipped_any > 0] = 0.0
    loglin = np.log(np.maximum(lin, 0) + _EPS)
    rho = loglin - channel_mean(loglin)[..., None]
    return loglin, rho, reliable


def _propagated(rho: np.ndarray, reliable: np.ndarray, ys, xs) -> np.ndarray:
    """The reliable colour ratios pushed into the clipped region (push-pull), at a working
    resolution of ~1 MP (colour ratios vary slowly), at the pixels ``ys, xs``."""
    import cv2

    h, w = reliable.shape
    scale = min(1.0, (1_000_000 / (h * w)) ** 0.5)

    def odd(n: float) -> int:  # push_pull is mirror-exact on odd sides (its docstring)
        return max(1, round(n) - (1 - round(n) % 2))

    sw, sh = odd(w * scale), odd(h * scale)
    resized = (sw, sh) != (w, h)
    if resized:
        rho_s = cv2.resize(rho * reliable[..., None], (sw, sh), interpolation=cv2.INTER_AREA)
        rel_s = cv2.resize(reliable, (sw, sh), interpolation=cv2.INTER_AREA)
        rho_s = rho_s / np.maximum(rel_s, 1e-6)[..., None]
    else:
        rho_s, rel_s = rho, reliable
    rho_hat_s = push_pull(rho_s, rel_s)
    if resized:
        return cv2.resize(rho_hat_s, (w, h), interpolation=cv2.INTER_LINEAR)[ys, xs]
    return rho_hat_s[ys, xs]


def _fully_clipped(
    conf: np.ndarray, x: np.ndarray, rho_hat: np.ndarray, ys, xs, p: ClassicalParams
) -> np.ndarray:
    """Where all channels clipped: the clip level times a gain that grows with the distance
    into the region, tinted by the neighbours' colour fading to neutral inwards."""
    import cv2

    h, w, _ = conf.shape
    full_mask = (channel_min(conf) > 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(full_mask, cv2.DIST_L2, 5)
    dist = cv2.GaussianBlur(dist, (0, 0), 1.5)[ys, xs]
    r = np.float32(max(2.0, p.radius * min(h, w)))
    gain = 1.0 + np.float32(p.max_gain - 1.0) * (1.0 - np.exp(-dist / r))
    fade = np.exp(-dist / (r * np.float32(p.tint_fade)))[:, None]
    tint = np.exp(rho_hat * fade * np.float32(p.tint_strength))
    tint = tint / tint.min(axis=1, keepdims=True)
    clip_level = x.max(axis=1, keepdims=True)
    return np.maximum(x, clip_level * gain[:, None] * tint)


def reconstruct_classical(
    image: Image,
    params: ClassicalParams | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Reconstruct clipped highlights of ``image``; returns (H, W, 3) float32 linear RGB in
    the image's primaries, 1.0 = the source's white, values above white where recovered."""
    p = params or ClassicalParams()
    steps = Steps(
        {
            "clip weights": 1,
            "masks": 1,
            "colour ratios": 3,
            "propagate": 2,
            "partial clipping": 1.5,
            "reconstruct": 1.5,
            "blend": 1,
        },
        progress,
        cancel,
    )
    lin = image.linear
    conf, clipped_any, feather = _clip_masks(image.code, p)
    if not np.any(clipped_any > 0):
        steps.done("blend")
        return lin.copy()
    steps.done("clip weights")
    region = feather > 0
    steps.done("masks")
    loglin, rho, reliable = _colour_ratios(lin, image.code, clipped_any, p)
    steps.done("colour ratios")
    ys, xs = np.nonzero(region)
    rho_hat = _propagated(rho, reliable, ys, xs)
    steps.done("propagate")

    # Partly clipped: the clipped channels from the surviving ones and the ratios.
    x = lin[ys, xs]
    c = conf[ys, xs]
    trust = (1.0 - c).astype(np.float32)
    tsum = trust.sum(axis=1)
    logs = ((loglin[ys, xs] - rho_hat) * trust).sum(axis=1) / np.maximum(tsum, 1e-6)
    partial = np.exp(logs[:, None] + rho_hat).astype(np.float32)
    partial = np.maximum(x, partial)
    partial = x + c * (partial - x)
    steps.done("partial clipping")

    full = _smoothstep(c.min(axis=1) * 1.0)
    full_val = _fully_clipped(conf, x, rho_hat, ys, xs, p)
    # Where no channel survives the partial estimate has no information: use the gain map.
    no_info = np.clip(1.0 - tsum / 0.5, 0.0, 1.0)[:, None]
    weight_full = np.maximum(full[:, None], no_info)
    recon = partial + weight_full * (full_val - partial)
    steps.done("reconstruct")

    out = lin.copy()
    f = feather[ys, xs][:, None]
    out[ys, xs] = x + f * (recon - x)
    steps.done("blend")
    return out


def reconstruct(image: Image, method: str, **kw) -> np.ndarray:
    """Dispatch the classical engine's methods by name: ``none`` (linearise only) or
    ``classical``."""
    if method == "none":  # the linearised input itself, read-only (a 12 MP copy is 0.1–0.3 s)
        out = image.linear.view()
        out.flags.writeable = False
        return out
    if method == "classical":
        return reconstruct_classical(image, **kw)
    raise ValueError(f"unknown classical method {method!r}")
