"""Physically based HDR ground truth rendered with Mitsuba 3 (the DRHT seed's answer to the
lack of HDR data: render scenes whose radiance is known).

:func:`scene_description` turns a seed into a Mitsuba scene dictionary — an indoor room or
an outdoor set-up, chosen by the seed:

* **rooms**: five walls, floor and ceiling textured with real photographs (linearised sRGB),
  a ceiling panel light, a window (an emitting pane of sky-coloured light, 15–120× the
  light the walls reflect) and one to three lamps (small spherical emitters of
  100–2000 units, warm to cool white or coloured);
* **outdoor**: Mitsuba's Hosek-Wilkie ``sunsky`` with a random sun elevation (3–70°) and
  azimuth, a photo-textured ground and a photo billboard, sometimes the sun in view;

and in both, two to six objects (spheres, cubes, cylinders) of diffuse (photo-textured),
rough plastic, smooth plastic, rough metal (Au, Cu, Al, Ag, Cr) and glass materials that
produce specular highlights, seen by a random perspective camera (field of view 35–75°).

Rendering uses the CPU variant ``scalar_rgb`` (or ``llvm_ad_rgb`` when available) with a
path tracer; output is linear float32 RGB (Rec.709 primaries), written as EXR by
:func:`render_dataset`. Everything is reproducible from the seed and the texture list.

Mitsuba is imported lazily; it is an optional dependency (``pip install .[train]``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.core.jobs import CancelToken, ProgressFn, no_progress

METALS = ("Au", "Cu", "Al", "Ag", "Cr")
TEXTURE_SIDE = 512


def _mi(variant: str | None = None):
    try:
        import mitsuba as mi
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "rendering needs Mitsuba 3: pip install 'hdr-studio[train]' (or pip install mitsuba)"
        ) from exc
    if variant is None:
        variant = "scalar_rgb"
    if mi.variant() != variant:
        mi.set_variant(variant)
    return mi


def load_textures(paths: Sequence[Path], side: int = TEXTURE_SIDE) -> list[np.ndarray]:
    """Photos as linear float32 textures (sRGB decoded), resized to at most ``side``."""
    import cv2

    from hdr_studio.core.transfer import srgb_decode

    out = []
    for p in paths:
        img = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f"cannot read texture {p}")
        h, w = img.shape[:2]
        s = side / max(h, w)
        if s < 1:
            img = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        out.append(srgb_decode(img[..., ::-1].astype(np.float32) / 255.0))
    return out


def _unit(v: Sequence[float]) -> list[float]:
    a = np.asarray(v, np.float64)
    return (a / np.linalg.norm(a)).tolist()


class _Builder:
    """Builds the scene dictionary from a seeded generator."""

    def __init__(self, rng: np.random.Generator, mi, textures: list[np.ndarray]):
        self.rng = rng
        self.mi = mi
        self.textures = textures
        self.n = 0

    def key(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n}"

    def colour(self, sat_lo: float = 0.0, sat_hi: float = 0.6) -> list[float]:
        hue = self.rng.random()
        k = (np.array([0.0, 2.0, 4.0]) / 6.0 + hue) % 1.0
        rgb = np.clip(np.abs(k * 6.0 - 3.0) - 1.0, 0, 1)
        sat = self.rng.uniform(sat_lo, sat_hi)
        rgb = 1.0 - sat * (1.0 - rgb)
        return (rgb / rgb.max()).tolist()

    def white(self) -> list[float]:
        """A light colour between warm (2700 K-ish) and cool (6500 K-ish) white."""
        t = self.rng.random()
        warm, cool = np.array([1.0, 0.72, 0.45]), np.array([0.92, 0.96, 1.0])
        return (warm * (1 - t) + cool * t).tolist()

    def texture(self, tint: float = 0.15) -> dict[str, Any]:
        if not self.textures:
            return {"type": "rgb", "value": self.colour(0.1, 0.6)}
        tex = self.textures[int(self.rng.integers(len(self.textures)))]
        h, w = tex.shape[:2]
        # A random crop, so one photo gives many different surfaces.
        ch, cw = (
            max(16, int(h * self.rng.uniform(0.4, 1.0))),
            max(16, int(w * self.rng.uniform(0.4, 1.0))),
        )
        y0, x0 = int(self.rng.integers(0, h - ch + 1)), int(self.rng.integers(0, w - cw + 1))
        crop = np.ascontiguousarray(tex[y0 : y0 + ch, x0 : x0 + cw])
        crop = crop * np.asarray(self.colour(0.0, tint), np.float32) * self.rng.uniform(0.5, 0.9)
        return {
            "type": "bitmap",
            "bitmap": self.mi.Bitmap(np.ascontiguousarray(crop, dtype=np.float32)),
            "raw": True,
            "filter_type": "bilinear",
            "to_uv": self.mi.ScalarTransform4f().scale(
                [float(self.rng.integers(1, 4)), float(self.rng.integers(1, 4)), 1.0]
            ),
        }

    def material(self) -> dict[str, Any]:
        kind = self.rng.choice(
            ["diffuse", "roughplastic", "plastic", "roughconductor", "conductor", "glass"],
            p=[0.25, 0.25, 0.15, 0.2, 0.05, 0.1],
        )
        if kind == "diffuse":
            return {"type": "diffuse", "reflectance": self.texture()}
        if kind in ("roughplastic", "plastic"):
            d: dict[str, Any] = {
                "type": str(kind),
                "diffuse_reflectance": self.texture()
                if self.rng.random() < 0.5
                else {"type": "rgb", "value": (np.asarray(self.colour(0.3, 0.95)) * 0.6).tolist()},
                "int_ior": float(self.rng.uniform(1.4, 1.7)),
            }
            if kind == "roughplastic":
                d["alpha"] = float(self.rng.uniform(0.03, 0.25))
            return d
        if kind in ("roughconductor", "conductor"):
            d = {"type": str(kind), "material": str(self.rng.choice(METALS))}
            if kind == "roughconductor":
                d["alpha"] = float(self.rng.uniform(0.02, 0.3))
            return d
        return {"type": "dielectric", "int_ior": float(self.rng.uniform(1.45, 1.6))}

    def object(self, centre: Sequence[float], size: float) -> dict[str, Any]:
        mi = self.mi
        shape = self.rng.choice(["sphere", "cube", "cylinder"], p=[0.5, 0.3, 0.2])
        x, y, z = centre
        if shape == "sphere":
            return {
                "type": "sphere",
                "center": [x, y + size, z],
                "radius": size,
                "bsdf": self.material(),
            }
        rot = float(self.rng.uniform(0, 360))
        if shape == "cube":
            tr = (
                mi.ScalarTransform4f()
                .translate([x, y + size, z])
                .rotate([0, 1, 0], rot)
                .scale(size)
            )
            return {"type": "cube", "to_world": tr, "bsdf": self.material()}
        tr = (
            mi.ScalarTransform4f()
            .translate([x, y, z])
            .rotate([1, 0, 0], -90)
            .scale([size, size, 2 * size * self.rng.uniform(0.5, 2.0)])
        )
        return {"type": "cylinder", "to_world": tr, "bsdf": self.material()}

    def rect(self, tr, bsdf: dict[str, Any] | None = None, emitter: dict | None = None) -> dict:
        d: dict[str, Any] = {"type": "rectangle", "to_world": tr}
        if bsdf is not None:
            d["bsdf"] = bsdf
        if emitter is not None:
            d["emitter"] = emitter
        return d


def _room(b: _Builder, scene: dict[str, Any]) -> tuple[list[float], list[float]]:
    rng = b.rng
    w, d, h = rng.uniform(4, 8), rng.uniform(4, 8), rng.uniform(2.6, 3.6)
    _room_walls(b, scene, w, d, h)
    if rng.random() < 0.8:  # ceiling panel
        _room_panel(b, scene, w, d, h)
    if rng.random() < 0.7:  # a window pane on the back or a side wall
        _room_window(b, scene, w, d, h)
    for _ in range(int(rng.integers(1, 4))):
        _room_lamp(b, scene, w, d, h)
    for _ in range(int(rng.integers(2, 7))):
        size = rng.uniform(0.15, 0.5)
        scene[b.key("obj")] = b.object(
            [rng.uniform(-w / 3, w / 3), 0.0, rng.uniform(-d / 3, d / 4)], size
        )
    # Camera inside the room, near the front wall, looking into it.
    origin = [rng.uniform(-w / 4, w / 4), rng.uniform(1.0, h - 0.6), d / 2 - rng.uniform(0.3, 1.0)]
    target = [rng.uniform(-w / 4, w / 4), rng.uniform(0.3, h * 0.8), rng.uniform(-d / 2, 0)]
    return origin, target


def _room_walls(b: _Builder, scene: dict[str, Any], w: float, d: float, h: float) -> None:
    """Floor, ceiling and four walls of a w × d room h high (textured walls, grey ceiling)."""
    T = b.mi.ScalarTransform4f

    def wall() -> dict[str, Any]:
        return {"type": "diffuse", "reflectance": b.texture(0.2)}

    scene["floor"] = b.rect(T().scale([w / 2, 1, d / 2]).rotate([1, 0, 0], -90), wall())
    scene["ceiling"] = b.rect(
        T().translate([0, h, 0]).scale([w / 2, 1, d / 2]).rotate([1, 0, 0], 90),
        {"type": "diffuse", "reflectance": {"type": "rgb", "value": [0.7, 0.7, 0.7]}},
    )
    scene["back"] = b.rect(T().translate([0, h / 2, -d / 2]).scale([w / 2, h / 2, 1]), wall())
    scene["front"] = b.rect(
        T().translate([0, h / 2, d / 2]).rotate([0, 1, 0], 180).scale([w / 2, h / 2, 1]), wall()
    )
    scene["left"] = b.rect(
        T().translate([-w / 2, h / 2, 0]).rotate([0, 1, 0], 90).scale([d / 2, h / 2, 1]), wall()
    )
    scene["right"] = b.rect(
        T().translate([w / 2, h / 2, 0]).rotate([0, 1, 0], -90).scale([d / 2, h / 2, 1]), wall()
    )


def _room_panel(b: _Builder, scene: dict[str, Any], w: float, d: float, h: float) -> None:
    """A square light panel in the ceiling."""
    rng, T = b.rng, b.mi.ScalarTransform4f
    s = rng.uniform(0.3, 0.8)
    scene["panel"] = b.rect(
        T()
        .translate([rng.uniform(-w / 4, w / 4), h - 0.01, rng.uniform(-d / 4, d / 4)])
        .rotate([1, 0, 0], 90)
        .scale([s, 1, s]),
        emitter={
            "type": "area",
            "radiance": {
                "type": "rgb",
                "value": (np.asarray(b.white()) * rng.uniform(5, 40)).tolist(),
            },
        },
    )


def _room_window(b: _Builder, scene: dict[str, Any], w: float, d: float, h: float) -> None:
    """A window pane lit by the sky on the back wall or a side wall."""
    rng, T = b.rng, b.mi.ScalarTransform4f
    ww, wh = rng.uniform(0.6, 1.6), rng.uniform(0.6, 1.4)
    sky = np.asarray([0.75, 0.85, 1.0]) * rng.uniform(15, 120)
    side = rng.integers(3)
    y = rng.uniform(wh / 2 + 0.5, h - wh / 2 - 0.1)
    if side == 0:
        tr = (
            T().translate([rng.uniform(-w / 3, w / 3), y, -d / 2 + 0.01]).scale([ww / 2, wh / 2, 1])
        )
    elif side == 1:
        tr = (
            T()
            .translate([-w / 2 + 0.01, y, rng.uniform(-d / 3, d / 3)])
            .rotate([0, 1, 0], 90)
            .scale([ww / 2, wh / 2, 1])
        )
    else:
        tr = (
            T()
            .translate([w / 2 - 0.01, y, rng.uniform(-d / 3, d / 3)])
            .rotate([0, 1, 0], -90)
            .scale([ww / 2, wh / 2, 1])
        )
    scene["window"] = b.rect(
        tr, emitter={"type": "area", "radiance": {"type": "rgb", "value": sky.tolist()}}
    )


def _room_lamp(b: _Builder, scene: dict[str, Any], w: float, d: float, h: float) -> None:
    """A small bright sphere lamp, mostly white, somewhere in the room."""
    rng = b.rng
    col = b.white() if rng.random() < 0.7 else b.colour(0.4, 0.9)
    r = rng.uniform(0.04, 0.12)
    scene[b.key("lamp")] = {
        "type": "sphere",
        "center": [
            rng.uniform(-w / 2 + 0.5, w / 2 - 0.5),
            rng.uniform(0.6, h - 0.3),
            rng.uniform(-d / 2 + 0.5, d / 2 - 0.5),
        ],
        "radius": r,
        "emitter": {
            "type": "area",
            "radiance": {
                "type": "rgb",
                "value": (np.asarray(col) * rng.uniform(100, 2000)).tolist(),
            },
        },
    }


def _outdoor(b: _Builder, scene: dict[str, Any]) -> tuple[list[float], list[float]]:
    mi, rng = b.mi, b.rng
    T = mi.ScalarTransform4f
    elev = math.radians(rng.uniform(3, 70))
    azim = rng.uniform(0, 2 * math.pi)
    sun = [math.cos(elev) * math.sin(azim), math.sin(elev), -math.cos(elev) * math.cos(azim)]
    scene["sky"] = {
        "type": "sunsky",
        "sun_direction": sun,  # world space; to_world turns the emitter's z-up to y-up
        "to_world": T().rotate([1, 0, 0], -90),
        "turbidity": float(rng.uniform(2, 6)),
        "albedo": float(rng.uniform(0.1, 0.4)),
    }
    scene["ground"] = b.rect(
        T().scale([40, 1, 40]).rotate([1, 0, 0], -90),
        {"type": "diffuse", "reflectance": b.texture(0.3)},
    )
    if rng.random() < 0.6:  # a photo billboard (a wall, a poster)
        bw, bh = rng.uniform(2, 5), rng.uniform(1.5, 3)
        scene["billboard"] = b.rect(
            T()
            .translate([rng.uniform(-3, 3), bh, -rng.uniform(4, 9)])
            .rotate([0, 1, 0], rng.uniform(-40, 40))
            .scale([bw, bh, 1]),
            {"type": "twosided", "bsdf": {"type": "diffuse", "reflectance": b.texture(0.1)}},
        )
    for _ in range(int(rng.integers(2, 7))):
        size = rng.uniform(0.2, 0.8)
        scene[b.key("obj")] = b.object([rng.uniform(-3, 3), 0.0, -rng.uniform(1, 6)], size)
    origin = [rng.uniform(-1.5, 1.5), rng.uniform(0.8, 2.5), rng.uniform(2.5, 5)]
    if rng.random() < 0.3 and elev < math.radians(35):
        # Look towards the sun: the disc or its glare clips in every channel.
        target = (np.asarray(origin) + 10 * np.asarray(sun) * [1, 0.6, 1]).tolist()
    else:
        target = [rng.uniform(-1.5, 1.5), rng.uniform(0.2, 1.2), -rng.uniform(2, 5)]
    return origin, target


def scene_description(
    seed: int,
    width: int = 256,
    height: int = 192,
    spp: int = 64,
    textures: Sequence[np.ndarray] = (),
    variant: str | None = None,
) -> dict[str, Any]:
    """The Mitsuba scene dictionary for ``seed`` (room or outdoor, decided by the seed)."""
    mi = _mi(variant)
    rng = np.random.default_rng([seed, 0x4D495453])
    b = _Builder(rng, mi, list(textures))
    scene: dict[str, Any] = {"type": "scene", "integrator": {"type": "path", "max_depth": 6}}
    kind = "room" if rng.random() < 0.55 else "outdoor"
    origin, target = (_room if kind == "room" else _outdoor)(b, scene)
    scene["sensor"] = {
        "type": "perspective",
        "fov": float(rng.uniform(35, 75)),
        "to_world": mi.ScalarTransform4f().look_at(origin=origin, target=target, up=[0, 1, 0]),
        "film": {
            "type": "hdrfilm",
            "width": int(width),
            "height": int(height),
            "rfilter": {"type": "gaussian"},
            "pixel_format": "rgb",
        },
        "sampler": {"type": "independent", "sample_count": int(spp), "seed": int(seed % 2**31)},
    }
    scene["_kind"] = kind
    return scene


def render(
    seed: int,
    width: int = 256,
    height: int = 192,
    spp: int = 64,
    textures: Sequence[np.ndarray] = (),
    variant: str | None = None,
) -> tuple[np.ndarray, str]:
    """Render ``seed``: (linear float32 (H, W, 3) radiance, "room" or "outdoor")."""
    mi = _mi(variant)
    desc = scene_description(seed, width, height, spp, textures, variant)
    kind = desc.pop("_kind")
    # Mitsuba's stub types ``seed`` as a Dr.Jit UInt32, wrongly: it takes a Python int (the
    # stub's own default is 0).
    rendered = mi.render(mi.load_dict(desc), seed=int(seed % 2**31))  # pyright: ignore[reportArgumentType]
    img = np.array(rendered, dtype=np.float32)
    img = np.nan_to_num(img[..., :3], nan=0.0, posinf=0.0, neginf=0.0)
    return np.ascontiguousarray(np.maximum(img, 0.0)), kind


def render_dataset(
    out_dir: Path,
    seeds: Sequence[int],
    width: int = 256,
    height: int = 192,
    spp: int = 64,
    texture_paths: Sequence[Path] = (),
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> list[Path]:
    """Render every seed to ``out_dir/scene_SEED.exr`` (skipping files already there, so an
    interrupted run resumes). Returns the paths."""
    from hdr_studio.core.export import write_array

    progress = progress or no_progress
    out_dir.mkdir(parents=True, exist_ok=True)
    textures = load_textures(texture_paths)
    paths = []
    for i, seed in enumerate(seeds):
        if cancel is not None:
            cancel.raise_if_cancelled()
        path = out_dir / f"scene_{seed:06d}.exr"
        if not path.exists():
            img, _kind = render(seed, width, height, spp, textures)
            write_array(img, path, "exr32")
        paths.append(path)
        progress((i + 1) / len(seeds), f"rendered {path.name}")
    return paths
