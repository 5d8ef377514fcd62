"""The on-disk datasets and the held-out evaluation set, all reproducible from seeds.

Layout under the data root (``--data``, ``$HDR_STUDIO_DATA`` or ``./data``)::

    photos/{train,val,eval}/*.png   real photographs (photos.py), split by source
    renders/{train,val,eval}/*.exr  Mitsuba HDR scenes (render.py); train seeds 0…, eval
                                    seeds EVAL_SEED_BASE…, val seeds VAL_SEED_BASE… —
                                    disjoint, textures from the photos of the same split
    evalset/hdr/NAME.png + NAME_truth.exr    held-out HDR reconstruction pairs
    evalset/sdr/NAME.png + NAME_target.exr   held-out SDR declipping pairs
    evalset/manifest.json
    valset/…                        the same from the val split (calibration only)

The evaluation set is made from eval renders and eval photos only, by a fixed-seed camera:
sRGB curve, the HDRCNN exposure rule (0.85–0.95 quantile to white), 8-bit, JPEG 80–95
(HDR pairs); DeclipNet's clipping recipe on held-out photo crops (SDR pairs). The validation
set is built the same way from the val split with another seed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from hdr_studio.core.jobs import ProgressFn, no_progress

EVAL_SEED_BASE = 100_000
VAL_SEED_BASE = 200_000
EVALSET_SEED = 20261122
VALSET_SEED = 20261123
SEED_BASE = {"train": 0, "val": VAL_SEED_BASE, "eval": EVAL_SEED_BASE}
#: split → (folder of its pair set, the set's camera seed)
PAIR_SETS = {"eval": ("evalset", EVALSET_SEED), "val": ("valset", VALSET_SEED)}


def data_root(path: str | Path | None = None) -> Path:
    if path is not None:
        return Path(path)
    return Path(os.environ.get("HDR_STUDIO_DATA", "data"))


def _render_chunk(args) -> list[str]:
    out_dir, seeds, width, height, spp, textures = args
    from hdr_studio.training.data.render import render_dataset

    return [
        str(p)
        for p in render_dataset(
            Path(out_dir), seeds, width, height, spp, [Path(t) for t in textures]
        )
    ]


def render_split(
    root: Path,
    split: str,
    count: int,
    width: int = 256,
    height: int = 192,
    spp: int = 48,
    jobs: int = 1,
    progress: ProgressFn | None = None,
) -> list[Path]:
    """Render ``count`` scenes of ``split`` (train, val or eval) into ``root/renders/split``."""
    from hdr_studio.training.data.photos import photo_paths

    progress = progress or no_progress
    if split not in SEED_BASE:
        raise ValueError(f"split must be train, val or eval, got {split!r}")
    base = SEED_BASE[split]
    seeds = [base + i for i in range(count)]
    textures = [str(p) for p in photo_paths(root, split)]
    out_dir = root / "renders" / split
    chunks = [seeds[i : i + 4] for i in range(0, len(seeds), 4)]
    done: list[Path] = []
    if jobs <= 1:
        for c in chunks:
            done += [
                Path(p) for p in _render_chunk((str(out_dir), c, width, height, spp, textures))
            ]
            progress(len(done) / len(seeds), f"rendered {len(done)}/{len(seeds)}")
        return done
    with ProcessPoolExecutor(jobs) as pool:
        for paths in pool.map(
            _render_chunk, [(str(out_dir), c, width, height, spp, textures) for c in chunks]
        ):
            done += [Path(p) for p in paths]
            progress(len(done) / len(seeds), f"rendered {len(done)}/{len(seeds)}")
    return done


def render_paths(root: Path, split: str) -> list[Path]:
    return sorted((root / "renders" / split).glob("*.exr"))


def read_hdr(path: Path) -> np.ndarray:
    """A linear float32 (H, W, 3) array from an EXR file."""
    import OpenImageIO as oiio

    buf = oiio.ImageInput.open(str(path))
    if buf is None:
        raise ValueError(f"cannot read {path}: {oiio.geterror()}")
    try:
        a = buf.read_image(oiio.FLOAT)
    finally:
        buf.close()
    if a is None:
        raise ValueError(f"cannot read {path}")
    return np.ascontiguousarray(np.asarray(a, np.float32)[..., :3])


def build_evalset(
    root: Path,
    hdr_sources: Sequence[Path] | None = None,
    photo_sources: Sequence[Path] | None = None,
    sdr_per_photo: int = 2,
    crop: int = 256,
    split: str = "eval",
) -> dict:
    """Write the pair set of ``split`` — the held-out evaluation set (``eval``) or the
    validation set (``val``), see the module doc — and its manifest."""
    import cv2

    from hdr_studio.core.export import write_array
    from hdr_studio.training.data.camera import declip_pair, eval_camera, shoot
    from hdr_studio.training.data.photos import photo_paths, read_photo

    if split not in PAIR_SETS:
        raise ValueError(f"split must be eval or val, got {split!r}")
    folder, seed = PAIR_SETS[split]
    rng = np.random.default_rng(seed)
    hdr_sources = render_paths(root, split) if hdr_sources is None else list(hdr_sources)
    photo_sources = photo_paths(root, split) if photo_sources is None else list(photo_sources)
    out = root / folder
    (out / "hdr").mkdir(parents=True, exist_ok=True)
    (out / "sdr").mkdir(parents=True, exist_ok=True)
    manifest: dict = {"seed": seed, "hdr": [], "sdr": []}
    for src in hdr_sources:
        scene = read_hdr(src)
        q = int(rng.integers(80, 96))
        quantile = float(rng.uniform(0.85, 0.95))
        params = eval_camera("srgb", quantile, float(rng.uniform(0.0, 0.004)), q)
        shot = shoot(scene, rng, params)
        name = src.stem
        code8 = np.round(shot.code * 255).astype(np.uint8)
        # The shot already went through JPEG at quality q; PNG stores it without a second loss.
        (out / "hdr" / f"{name}.png").write_bytes(
            cv2.imencode(".png", np.ascontiguousarray(code8[..., ::-1]))[1].tobytes()
        )
        write_array(shot.truth, out / "hdr" / f"{name}_truth.exr", "exr32", force=True)
        manifest["hdr"].append(
            {"name": name, "source": src.name, "quantile": params.quantile, "jpeg": q}
        )
    for src in photo_sources:
        photo = read_photo(src)
        h, w = photo.shape[:2]
        for k in range(sdr_per_photo):
            c = min(crop, h, w)
            y0, x0 = int(rng.integers(0, h - c + 1)), int(rng.integers(0, w - c + 1))
            patch = photo[y0 : y0 + c, x0 : x0 + c]
            clipped, target, (under, over) = declip_pair(patch, rng)
            name = f"{src.stem}_{k}"
            write_array(clipped, out / "sdr" / f"{name}.png", "png16", force=True)
            write_array(target, out / "sdr" / f"{name}_target.exr", "exr32", force=True)
            manifest["sdr"].append({"name": name, "source": src.name, "under": under, "over": over})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest
