"""Virtual cameras that turn linear HDR scenes into clipped SDR training inputs.

* :func:`shoot` — the HDRCNN recipe the seeds follow (Eilertsen et al., SIGGRAPH Asia 2017,
  §4): exposure chosen so a random quantile (0.85–0.95) of max(R, G, B) maps to white
  (5–15 % clipped), colour jitter (hue, saturation), sensor noise, a camera curve from a
  family — sRGB, pure gamma, or the fitted sigmoid f(x) = (1 + a)·xⁿ / (xⁿ + a) with n and a
  sampled around HDRCNN's fit (n ≈ 0.9, a ≈ 0.6) — 8-bit quantisation, and JPEG at a random
  quality. Also under-exposed shots (quantile 0.995–0.9999: few or no clipped pixels, dark).
* :func:`declip_pair` — DeclipNet's own recipe (Honig & Werman §4): an 8-bit photo clipped at
  an over-exposure level in 175..255 and an under-exposure level in 1..80, both the input and
  the target renormalised by the same affine map so the input spans [0, 1].

numpy + OpenCV only, everything reproducible from a ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdr_studio.core.transfer import srgb_encode


@dataclass(frozen=True)
class CameraParams:
    quantile: float
    curve: str  # "srgb", "gamma", "sigmoid"
    gamma: float
    sig_n: float
    sig_a: float
    noise: float  # std of Gaussian sensor noise, relative to white
    hue: float  # rotation in radians
    saturation: float
    jpeg_quality: int | None
    under_exposed: bool = False


def sample_params(rng: np.random.Generator, under_exposed_share: float = 0.1) -> CameraParams:
    """Random camera settings following the HDRCNN recipe."""
    under = bool(rng.random() < under_exposed_share)
    quantile = float(rng.uniform(0.995, 0.9999) if under else rng.uniform(0.85, 0.95))
    return CameraParams(
        quantile=quantile,
        curve=str(rng.choice(["srgb", "gamma", "sigmoid"], p=[0.4, 0.2, 0.4])),
        gamma=float(rng.uniform(1.8, 2.6)),
        sig_n=float(np.clip(rng.normal(0.9, 0.1), 0.6, 1.3)),
        sig_a=float(np.clip(rng.normal(0.6, 0.1), 0.3, 1.0)),
        noise=float(rng.uniform(0.0, 0.01)),
        hue=float(rng.uniform(-0.12, 0.12)),
        saturation=float(rng.uniform(0.8, 1.2)),
        jpeg_quality=int(rng.integers(60, 101)) if rng.random() < 0.5 else None,
        under_exposed=under,
    )


def eval_camera(curve: str, quantile: float, noise: float, jpeg_quality: int) -> CameraParams:
    """The evaluation sets' camera (DATA.md): the given curve with HDRCNN's gamma and sigmoid,
    no colour jitter; the caller draws the exposure quantile, noise and JPEG quality."""
    return CameraParams(
        quantile=quantile,
        curve=curve,
        gamma=2.2,
        sig_n=0.9,
        sig_a=0.6,
        noise=noise,
        hue=0.0,
        saturation=1.0,
        jpeg_quality=jpeg_quality,
    )


def camera_curve(linear: np.ndarray, params: CameraParams) -> np.ndarray:
    """Apply the camera's tone curve to linear values, clipped to [0, 1] first."""
    return camera_curve_extended(np.clip(linear, 0.0, 1.0), params)


def camera_curve_extended(linear: np.ndarray, params: CameraParams) -> np.ndarray:
    """The same curve without clipping at 1: the code values a camera with headroom would
    have recorded (every curve of the family extends monotonically past 1)."""
    x = np.maximum(np.asarray(linear, np.float32), 0.0)
    if params.curve == "srgb":
        return srgb_encode(x)
    if params.curve == "gamma":
        return (x ** np.float32(1.0 / params.gamma)).astype(np.float32)
    if params.curve == "sigmoid":
        xn = x ** np.float32(params.sig_n)
        return ((1 + params.sig_a) * xn / (xn + params.sig_a)).astype(np.float32)
    raise ValueError(f"unknown camera curve {params.curve!r}")


def _jitter_colour(rgb: np.ndarray, hue: float, saturation: float) -> np.ndarray:
    """Rotate hue about the grey axis and scale saturation, luminance kept (linear RGB)."""
    grey = rgb.mean(axis=-1, keepdims=True)
    chroma = rgb - grey
    axis = np.ones(3, np.float32) / np.sqrt(3.0)
    c, s = np.cos(hue), np.sin(hue)
    cross = np.cross(axis, chroma)
    rotated = chroma * c + cross * s  # Rodrigues; chroma ⟂ axis
    return np.maximum(grey + saturation * rotated, 0.0).astype(np.float32)


def _jpeg(code8: np.ndarray, quality: int) -> np.ndarray:
    import cv2

    ok, buf = cv2.imencode(".jpg", code8[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if decoded is None:
        raise RuntimeError("JPEG decoding failed")
    return decoded[..., ::-1]


@dataclass
class Shot:
    """``code``: SDR code values in [0, 1] (float32, 8-bit levels); ``truth``: the linear scene
    at the same exposure (1.0 = the camera's white, not clipped); ``params``."""

    code: np.ndarray
    truth: np.ndarray
    params: CameraParams


def shoot(scene: np.ndarray, rng: np.random.Generator, params: CameraParams | None = None) -> Shot:
    """Photograph a linear HDR ``scene`` (H, W, 3) with a random (or given) camera."""
    p = params or sample_params(rng)
    scene = _jitter_colour(np.asarray(scene, np.float32), p.hue, p.saturation)
    peak = float(np.quantile(scene.max(axis=2), p.quantile))
    truth = (scene / max(peak, 1e-8)).astype(np.float32)
    sensor = truth + rng.normal(0.0, p.noise, truth.shape).astype(np.float32) * np.sqrt(
        np.clip(truth, 0, 1)
    )
    code8 = (camera_curve(sensor, p) * 255.0 + 0.5).astype(np.uint8)
    if p.jpeg_quality is not None:
        code8 = _jpeg(np.ascontiguousarray(code8), p.jpeg_quality)
    return Shot(code=code8.astype(np.float32) / 255.0, truth=truth, params=p)


def declip_pair(
    photo8: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """DeclipNet's recipe on an 8-bit photo (H, W, 3) uint8: returns (clipped input in [0, 1],
    target, (under, over) levels), both renormalised as (v − under)/(over − under)."""
    over = int(rng.integers(175, 256))
    under = int(rng.integers(1, 81))
    v = photo8.astype(np.float32)
    scale = np.float32(over - under)
    clipped = (np.clip(v, under, over) - under) / scale
    target = (v - under) / scale
    return clipped.astype(np.float32), target.astype(np.float32), (under, over)
