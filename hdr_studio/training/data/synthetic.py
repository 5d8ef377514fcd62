"""Procedural HDR scenes with known ground truth, and a virtual camera that clips them.

numpy only, seeded, any size. Each scene combines the situations clipping produces in real
photos: a bright sky with a sun and its glow, coloured lamps whose skirts clip in one or two
channels, glossy spheres with specular highlights, and textured surfaces under strong
coloured light (where one channel clips first). Values are linear, relative units.

The virtual camera follows the HDRCNN recipe the seeds use: exposure chosen so a quantile
of max(R, G, B) maps to white, sRGB encoding, 8-bit quantisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _noise(rng: np.random.Generator, h: int, w: int, octaves: int = 5) -> np.ndarray:
    """Fractal value noise in [0, 1], shape (h, w)."""
    import cv2

    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        n = 2 ** (o + 2)
        grid = rng.random((n, n)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.55
    out /= total
    return (out - out.min()) / max(float(np.ptp(out)), 1e-6)


def _colour(rng: np.random.Generator, saturation: float) -> np.ndarray:
    """A random RGB colour with max 1 and the given saturation."""
    hue = rng.random()
    k = (np.array([0.0, 2.0, 4.0]) / 6.0 + hue) % 1.0
    rgb = np.clip(np.abs(k * 6.0 - 3.0) - 1.0, 0, 1)
    rgb = 1.0 - saturation * (1.0 - rgb)
    return (rgb / rgb.max()).astype(np.float32)


def render_scene(seed: int, height: int = 256, width: int = 384) -> np.ndarray:
    """A linear HDR scene (H, W, 3) float32, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    h, w = height, width
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # Textured surface with colour variation.
    tex = np.stack([_noise(rng, h, w) for _ in range(3)], axis=2)
    base_col = _colour(rng, rng.uniform(0.2, 0.7))
    albedo = (0.15 + 0.7 * (0.6 * tex + 0.4 * tex.mean(axis=2, keepdims=True))) * base_col
    # Strong, coloured, spatially varying illumination.
    light_col = _colour(rng, rng.uniform(0.1, 0.5))
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.3, 0.9) * h
    spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (rng.uniform(0.15, 0.35) * w) ** 2))
    illum = (0.3 + rng.uniform(2.0, 6.0) * spot)[..., None] * light_col
    scene = albedo * illum
    # Sky with sun in the top part.
    if rng.random() < 0.6:
        horizon = int(h * rng.uniform(0.25, 0.45))
        t = (yy[:horizon] / horizon)[..., None]
        sky = (1 - t) * np.array([0.35, 0.55, 1.0]) * 2.2 + t * np.array([0.9, 0.9, 1.0]) * 3.0
        sx, sy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.6) * horizon
        d = np.sqrt((xx[:horizon] - sx) ** 2 + (yy[:horizon] - sy) ** 2)
        r_sun = rng.uniform(0.015, 0.04) * w
        glow = 40.0 * np.exp(-d / (r_sun * 2.5))[..., None] * np.array([1.0, 0.8, 0.55])
        sun = np.where(d < r_sun, 400.0, 0.0)[..., None] * np.array([1.0, 0.95, 0.9])
        scene[:horizon] = (sky + glow + sun).astype(np.float32)
    # Glossy spheres (Blinn-Phong).
    for _ in range(rng.integers(1, 4)):
        r = rng.uniform(0.06, 0.14) * min(h, w)
        sx, sy = rng.uniform(r, w - r), rng.uniform(h * 0.4, h - r)
        dx, dy = (xx - sx) / r, (yy - sy) / r
        inside = dx**2 + dy**2 < 1
        nz = np.sqrt(np.clip(1 - dx**2 - dy**2, 0, 1))
        ldir = np.array([rng.uniform(-0.6, 0.6), rng.uniform(-0.8, -0.2), 0.7])
        ldir /= np.linalg.norm(ldir)
        hv = ldir + np.array([0.0, 0.0, 1.0])
        hv /= np.linalg.norm(hv)
        ndotl = np.clip(dx * ldir[0] + dy * ldir[1] + nz * ldir[2], 0, 1)
        ndoth = np.clip(dx * hv[0] + dy * hv[1] + nz * hv[2], 0, 1)
        col = _colour(rng, rng.uniform(0.5, 0.95))
        lamp = rng.uniform(2.0, 5.0)
        shade = lamp * (0.05 + ndotl)[..., None] * col
        shade += (rng.uniform(10, 60) * ndoth ** rng.uniform(30, 120))[..., None]
        scene[inside] = shade[inside].astype(np.float32)
    # Coloured lamps: bright cores with saturated skirts.
    for _ in range(rng.integers(0, 3)):
        lx, ly = rng.uniform(0, w), rng.uniform(0, h)
        sig = rng.uniform(0.02, 0.06) * w
        g = np.exp(-((xx - lx) ** 2 + (yy - ly) ** 2) / (2 * sig**2))
        scene += (rng.uniform(10, 60) * g)[..., None] * _colour(rng, rng.uniform(0.6, 0.9))
    return np.ascontiguousarray(scene, dtype=np.float32)


@dataclass
class Shot:
    """A virtual-camera exposure: ``code`` (8-bit sRGB code values as float32 in [0, 1])
    and ``truth`` (the linear scene at the same exposure, 1.0 = the camera's white)."""

    code: np.ndarray
    truth: np.ndarray
    exposure: float


def expose(scene: np.ndarray, quantile: float = 0.92, bits: int = 8) -> Shot:
    """Expose ``scene`` so the ``quantile`` of max(R, G, B) maps to white, clip, sRGB-encode
    and quantise to ``bits``."""
    from hdr_studio.core.transfer import srgb_encode

    m = scene.max(axis=2)
    e = 1.0 / max(float(np.quantile(m, quantile)), 1e-6)
    truth = (scene * e).astype(np.float32)
    levels = 2**bits - 1
    code = np.round(srgb_encode(np.clip(truth, 0, 1)) * levels) / levels
    return Shot(code=code.astype(np.float32), truth=truth, exposure=e)
