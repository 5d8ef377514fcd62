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


#: The extra scene kinds :func:`render_extra_scene` draws from (issue #15's wider data).
EXTRA_KINDS = ("night", "clouds", "backlit", "neon")


def _soft_disc(xx, yy, cx, cy, r, edge: float = 1.5) -> np.ndarray:
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
    return np.clip((r - d) / edge + 0.5, 0.0, 1.0).astype(np.float32)


def _night(rng, h, w, xx, yy) -> np.ndarray:
    """Night street: a dark textured ground and facades lit by many small lamps with
    saturated, clipping cores and soft coloured pools of light."""
    tex = _noise(rng, h, w)[..., None]
    scene = (0.004 + 0.02 * tex) * _colour(rng, 0.3)
    for _ in range(int(rng.integers(4, 14))):
        lx, ly = rng.uniform(0, w), rng.uniform(0, h * 0.8)
        col = _colour(rng, rng.uniform(0.2, 0.8))  # sodium, LED, neon-ish
        r = rng.uniform(1.0, 4.0)
        core = _soft_disc(xx, yy, lx, ly, r)[..., None] * rng.uniform(30, 300)
        d2 = (xx - lx) ** 2 + (yy - ly) ** 2
        halo = (rng.uniform(0.5, 4.0) * np.exp(-d2 / (2 * (r * rng.uniform(3, 8)) ** 2)))[..., None]
        pool_y = min(h - 1.0, ly + rng.uniform(20, 80))
        pool = np.exp(-((xx - lx) ** 2 / (2 * 40.0**2) + (yy - pool_y) ** 2 / (2 * 15.0**2)))
        scene = scene + (core + halo) * col + (0.05 * pool)[..., None] * col * (0.3 + tex)
    return scene


def _clouds(rng, h, w, xx, yy) -> np.ndarray:
    """Sky with sunlit clouds (bright, nearly neutral tops that clip, bluish shaded bases),
    a sun behind or beside them, and a dark landscape below."""
    horizon = int(h * rng.uniform(0.55, 0.8))
    t = (yy / max(horizon, 1))[..., None]
    sky = (1 - t) * np.array([0.25, 0.45, 1.0]) * 1.5 + t * np.array([0.7, 0.8, 1.0]) * 2.0
    cover = _noise(rng, h, w, octaves=6)
    cover = np.clip((cover - rng.uniform(0.35, 0.6)) * 4.0, 0.0, 1.0)[..., None]
    lit = _noise(rng, h, w, octaves=4)[..., None]
    warm = np.array([1.0, 0.95, 0.85]) if rng.random() < 0.7 else np.array([1.0, 0.7, 0.45])
    cloud = (0.6 + lit * rng.uniform(2.0, 8.0)) * warm * 0.8 + (1 - lit) * np.array(
        [0.5, 0.55, 0.7]
    )
    scene = sky * (1 - cover) + cloud * cover
    sx, sy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.05, 0.5) * horizon
    d = np.sqrt((xx - sx) ** 2 + (yy - sy) ** 2)
    r_sun = rng.uniform(0.01, 0.03) * w
    occl = 1 - 0.9 * cover[..., 0]
    scene = scene + (
        (np.where(d < r_sun, 600.0, 0.0) * occl + 30.0 * np.exp(-d / (r_sun * 3.0)))[..., None]
        * warm
    )
    ground = (0.02 + 0.15 * _noise(rng, h, w)[..., None]) * _colour(rng, 0.5)
    scene[horizon:] = ground[horizon:]
    return scene


def _backlit(rng, h, w, xx, yy) -> np.ndarray:
    """A backlit subject: a bright window or sky behind a darker skin-toned figure, a rim of
    light along its edge and flare that clips one or two channels first."""
    bg_col = _colour(rng, rng.uniform(0.05, 0.4))
    scene = (rng.uniform(3.0, 12.0) * (0.8 + 0.2 * _noise(rng, h, w)))[..., None] * bg_col
    cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.35, 0.65) * h
    rx, ry = rng.uniform(0.12, 0.22) * w, rng.uniform(0.2, 0.35) * h
    d = np.sqrt(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2)
    body = np.clip((1.0 - d) * 20.0, 0.0, 1.0)[..., None]
    skin = np.array([0.85, 0.55, 0.4]) * rng.uniform(0.7, 1.1)
    shade = (0.08 + 0.25 * _noise(rng, h, w)[..., None]) * skin
    rim = np.exp(-(((d - 0.97) / 0.04) ** 2))[..., None] * rng.uniform(2.0, 6.0) * bg_col
    shoulders = (yy > cy + ry * 0.8)[..., None] * (np.abs(xx - cx) < rx * 2.2)[..., None]
    scene = scene * (1 - body) + shade * body + rim
    scene = np.where(shoulders, shade * 0.8, scene)
    # the sun (or a lamp) just beside the subject's outline, with its glare
    a = rng.uniform(-2.6, -0.5)
    sx, sy = cx + rx * 1.05 * np.cos(a), cy + ry * 1.05 * np.sin(a)
    d_sun = np.sqrt((xx - sx) ** 2 + (yy - sy) ** 2)
    r_sun = rng.uniform(0.01, 0.025) * w
    sun = (np.where(d_sun < r_sun, 300.0, 0.0) + 20.0 * np.exp(-d_sun / (r_sun * 2.0)))[..., None]
    scene = scene + sun * np.array([1.0, 0.9, 0.75]) * (1 - 0.95 * body)
    return scene


def _neon(rng, h, w, xx, yy) -> np.ndarray:
    """Coloured light: saturated neon tubes and a coloured spot on a wall, where one channel
    clips long before the others."""
    wall = (0.05 + 0.2 * _noise(rng, h, w))[..., None] * _colour(rng, 0.2)
    scene = wall.copy()
    for _ in range(int(rng.integers(2, 6))):
        col = _colour(rng, rng.uniform(0.85, 1.0))
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        ang = rng.uniform(0, np.pi)
        length, width = rng.uniform(0.2, 0.6) * w, rng.uniform(1.5, 4.0)
        u = (xx - x0) * np.cos(ang) + (yy - y0) * np.sin(ang)
        v = -(xx - x0) * np.sin(ang) + (yy - y0) * np.cos(ang)
        along = np.clip(np.minimum(u, length - u) + 0.5, 0, 1)
        tube = along * np.clip(width - np.abs(v) + 0.5, 0, 1)
        glow = along * np.exp(-(v**2) / (2 * (width * 6) ** 2))
        scene = scene + (tube * rng.uniform(8, 60) + glow * rng.uniform(0.5, 3.0))[..., None] * col
    sx, sy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    spot = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * (0.15 * w) ** 2))
    scene = scene + (rng.uniform(2, 8) * spot)[..., None] * wall * 10 * _colour(rng, 0.9)
    return scene


def render_extra_scene(seed: int, height: int = 192, width: int = 256) -> np.ndarray:
    """One of :data:`EXTRA_KINDS` (night lights, sunlit clouds, a backlit subject, neon and
    coloured light), linear HDR (H, W, 3) float32, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    h, w = height, width
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    kind = EXTRA_KINDS[seed % len(EXTRA_KINDS)]
    make = {"night": _night, "clouds": _clouds, "backlit": _backlit, "neon": _neon}[kind]
    scene = make(rng, h, w, xx, yy)
    return np.ascontiguousarray(np.maximum(scene, 0.0), dtype=np.float32)
