"""Real HDR photographs as training, validation and held-out data (``hdr-studio data real``).

The sources are listed in ``real_sources.json`` beside this module: for each file its
repository, commit, path, licence, sha256, what it shows, its kind and its split. Nothing is
downloaded here: the user fetches the repositories (DATA.md says how) and points ``--from``
at the folder that holds them; a file is found as ``DIR/OWNER/REPO/PATH``, ``DIR/PATH`` or by
its name anywhere below ``DIR``, and used only when its sha256 matches.

The split is by source photograph (a photograph's crops are all in one split):

* ``train`` — crops the networks train on (``real/train/*.exr``),
* ``val`` — crops and pairs for choosing and calibrating what ships (``real/valset``),
* ``eval`` — the real-photo held-out pairs (``real/evalset``): nothing is trained, tuned or
  calibrated on them.

Photographs (``kind: photo``) give random crops at up to half their size; equirectangular
panoramas (``kind: latlong``) are never used as the distorted panorama: each crop is a
perspective view (55–75° field of view, looking 15° down to 35° up, yaws spread round the
circle), resampled bilinearly. Each pair set photographs every crop with the HDRCNN exposure
rule (the 0.85–0.95 quantile of max(R, G, B) to white, JPEG 80–95) twice: through the plain
sRGB curve and through the HDRCNN sigmoid (n = 0.9, a = 0.6) whose shoulder compresses
near white — the two kinds of photo whose near-white pixels mean different things.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdr_studio.core.jobs import ProgressFn, no_progress

SOURCES_FILE = Path(__file__).with_name("real_sources.json")
CROP_SIZE = (256, 192)  # width, height: the renders' size
#: crops per source photograph, by split
CROPS = {"train": 12, "val": 6, "eval": 6}
#: the cameras of the pair sets: name → (curve, seed offset)
CURVES = ("srgb", "sigmoid")
SEEDS = {"train": 20261201, "val": 20261202, "eval": 20261203}
SPLITS = ("train", "val", "eval")


@dataclass(frozen=True)
class RealSource:
    repo: str
    commit: str
    path: str
    licence: str
    sha256: str
    kind: str  # "photo" or "latlong"
    shows: str
    split: str
    bytes: int = 0
    #: when it became a source: a training config's ``real_added_by`` keeps to the sources
    #: there were when it was made, so that a run reproduces (the first 48 are of this date)
    added: str = "2026-12-03"

    @property
    def stem(self) -> str:
        return Path(self.path).stem

    def to_json(self) -> dict:
        return dict(self.__dict__)


def load_sources(path: Path = SOURCES_FILE) -> list[RealSource]:
    data = json.loads(Path(path).read_text())
    out = [RealSource(**s) for s in data["sources"]]
    for s in out:
        if s.kind not in ("photo", "latlong") or s.split not in SPLITS:
            raise ValueError(f"{path}: {s.path}: bad kind {s.kind!r} or split {s.split!r}")
    stems = [s.stem for s in out]
    if len(set(stems)) != len(stems):
        raise ValueError(f"{path}: two sources share a file name")
    return out


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def locate(
    source: RealSource, folder: Path, index: dict[str, list[Path]] | None = None
) -> Path | None:
    """The file of ``source`` under ``folder`` whose sha256 matches, or None."""
    candidates = [folder / source.repo / source.path, folder / source.path]
    if index is not None:
        candidates += index.get(Path(source.path).name, [])
    for c in candidates:
        if c.is_file() and sha256_of(c) == source.sha256:
            return c
    return None


def find_sources(
    folder: Path, sources: Sequence[RealSource]
) -> tuple[dict[str, Path], list[RealSource]]:
    """(stem → file) of the sources found under ``folder``, and those that are missing."""
    index: dict[str, list[Path]] = {}
    names = {Path(s.path).name for s in sources}
    for p in Path(folder).rglob("*"):
        if p.name in names and p.is_file():
            index.setdefault(p.name, []).append(p)
    found, missing = {}, []
    for s in sources:
        p = locate(s, Path(folder), index)
        if p is None:
            missing.append(s)
        else:
            found[s.stem] = p
    return found, missing


def read_linear(path: Path) -> np.ndarray:
    """The file's linear RGB (H, W, 3) float32; NaN, infinite and negative values become 0."""
    from hdr_studio.training.data.dataset import read_hdr

    a = read_hdr(path)
    a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    return np.maximum(a, 0.0).astype(np.float32)


def perspective_view(
    panorama: np.ndarray, yaw: float, pitch: float, fov: float, size: tuple[int, int]
) -> np.ndarray:
    """A pinhole camera's view (``size`` = width, height) of an equirectangular panorama,
    looking at ``yaw`` (radians, 0 = the panorama's centre) and ``pitch`` (up > 0), with a
    horizontal field of view ``fov`` (radians); bilinear, wrapping round the seam."""
    import cv2

    w, h = size
    ph, pw = panorama.shape[:2]
    f = (w / 2) / np.tan(fov / 2)
    x, y = np.meshgrid(np.arange(w) - (w - 1) / 2, (h - 1) / 2 - np.arange(h))
    d = np.stack([x, y, np.full_like(x, f)], axis=-1)
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    cp, sp, cy, sy = np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    # tilt up about the x axis, then turn about the vertical axis
    y1 = d[..., 1] * cp + d[..., 2] * sp
    z1 = -d[..., 1] * sp + d[..., 2] * cp
    x2 = d[..., 0] * cy + z1 * sy
    z2 = -d[..., 0] * sy + z1 * cy
    lon = np.arctan2(x2, z2)
    lat = np.arcsin(np.clip(y1, -1, 1))
    map_x = ((lon / (2 * np.pi) + 0.5) * pw - 0.5).astype(np.float32)
    map_y = ((0.5 - lat / np.pi) * ph - 0.5).astype(np.float32)
    out = cv2.remap(
        np.ascontiguousarray(panorama, np.float32),
        map_x,
        np.clip(map_y, 0, ph - 1),
        interpolation=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_WRAP,
    )
    return np.maximum(out, 0).astype(np.float32)


def photo_crop(image: np.ndarray, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A random crop of ``size`` (width, height) of a photograph, first shrunk (area filter)
    by a random factor up to the one that leaves the crop half the picture's short side."""
    import cv2

    w, h = size
    ih, iw = image.shape[:2]
    fit = min(ih / h, iw / w)
    if fit < 1:
        k = 1 / fit
        image = cv2.resize(image, (int(np.ceil(iw * k)), int(np.ceil(ih * k))))
        ih, iw = image.shape[:2]
        fit = 1.0
    shrink = float(rng.uniform(1.0, max(1.0, fit / 2)))
    if shrink > 1.01:
        image = cv2.resize(
            image, (round(iw / shrink), round(ih / shrink)), interpolation=cv2.INTER_AREA
        )
        ih, iw = image.shape[:2]
    y, x = int(rng.integers(0, ih - h + 1)), int(rng.integers(0, iw - w + 1))
    return np.ascontiguousarray(image[y : y + h, x : x + w])


def crops_of(
    source: RealSource,
    image: np.ndarray,
    count: int,
    rng: np.random.Generator,
    size: tuple[int, int] = CROP_SIZE,
) -> list[np.ndarray]:
    """``count`` crops of one source picture, as its kind asks (module doc)."""
    if source.kind == "photo":
        return [photo_crop(image, rng, size) for _ in range(count)]
    out = []
    for k in range(count):
        yaw = 2 * np.pi * (k + rng.uniform(0, 1)) / count - np.pi
        pitch = np.radians(rng.uniform(-15, 35))
        fov = np.radians(rng.uniform(55, 75))
        out.append(perspective_view(image, yaw, pitch, fov, size))
    return out


def _camera(curve: str, rng: np.random.Generator):
    from hdr_studio.training.data.camera import eval_camera

    quantile = float(rng.uniform(0.85, 0.95))
    noise = float(rng.uniform(0.0, 0.004))
    return eval_camera(curve, quantile, noise, int(rng.integers(80, 96)))


def write_pairs(crops: dict[str, np.ndarray], out: Path, seed: int, sources: dict) -> dict:
    """The pair set (``hdr/NAME_CURVE.png`` + ``NAME_CURVE_truth.exr``, manifest.json) of
    ``crops`` (name → linear crop), each photographed through every curve of :data:`CURVES`."""
    import cv2

    from hdr_studio.core.export import write_array
    from hdr_studio.training.data.camera import shoot

    rng = np.random.default_rng(seed)
    (out / "hdr").mkdir(parents=True, exist_ok=True)
    for stale in [*(out / "hdr").glob("*.png"), *(out / "hdr").glob("*_truth.exr")]:
        stale.unlink()  # an earlier build's pairs
    manifest: dict = {"seed": seed, "hdr": [], "sdr": [], "sources": sources}
    for name, crop in crops.items():
        for curve in CURVES:
            params = _camera(curve, rng)
            shot = shoot(crop, rng, params)
            pair = f"{name}_{curve}"
            code8 = np.round(shot.code * 255).astype(np.uint8)
            ok, buf = cv2.imencode(".png", np.ascontiguousarray(code8[..., ::-1]))
            if not ok:
                raise OSError(f"cannot encode {pair}.png")
            (out / "hdr" / f"{pair}.png").write_bytes(buf.tobytes())
            write_array(shot.truth, out / "hdr" / f"{pair}_truth.exr", "exr32", force=True)
            manifest["hdr"].append(
                {
                    "name": pair,
                    "source": name.rsplit("_", 1)[0],
                    "curve": curve,
                    "quantile": params.quantile,
                    "jpeg": params.jpeg_quality,
                }
            )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def build_real(
    root: Path,
    folder: Path,
    sources: Sequence[RealSource] | None = None,
    crops: dict[str, int] | None = None,
    size: tuple[int, int] = CROP_SIZE,
    progress: ProgressFn | None = None,
) -> dict:
    """Crops of every source found under ``folder`` into ``root/real/{train,val,eval}`` and
    the pair sets ``root/real/valset`` and ``root/real/evalset``. Returns a summary with the
    sources that are missing. Raises FileNotFoundError when none is found."""
    from hdr_studio.core.export import write_array

    progress = progress or no_progress
    sources = load_sources() if sources is None else list(sources)
    crops = dict(CROPS, **(crops or {}))
    found, missing = find_sources(Path(folder), sources)
    if not found:
        raise FileNotFoundError(
            f"none of the {len(sources)} real HDR photographs is under {folder} "
            "(DATA.md says how to fetch them)"
        )
    out = Path(root) / "real"
    summary: dict = {"missing": [s.to_json() for s in missing], "splits": {}}
    done = 0
    for split in SPLITS:
        rng = np.random.default_rng(SEEDS[split])
        split_crops: dict[str, np.ndarray] = {}
        used = {}
        for s in sources:
            if s.split != split or s.stem not in found:
                continue
            image = read_linear(found[s.stem])
            for k, c in enumerate(crops_of(s, image, crops[split], rng, size)):
                split_crops[f"{s.stem}_{k}"] = c
            used[s.stem] = {"repo": s.repo, "path": s.path, "licence": s.licence}
            done += 1
            progress(done / len(found), f"{split}: {s.stem}")
        (out / split).mkdir(parents=True, exist_ok=True)
        for stale in real_paths(root, split):  # an earlier build's crops (another count)
            stale.unlink()
        for name, c in split_crops.items():
            write_array(c, out / split / f"{name}.exr", "exr32", force=True)
        if split != "train":
            folder_name = {"val": "valset", "eval": "evalset"}[split]
            write_pairs(split_crops, out / folder_name, SEEDS[split] + 1, used)
        summary["splits"][split] = {"sources": len(used), "crops": len(split_crops)}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def real_paths(root: Path, split: str) -> list[Path]:
    return sorted((Path(root) / "real" / split).glob("*.exr"))


def training_crops(
    root: Path, added_by: str | None = None, sources: Sequence[RealSource] | None = None
) -> list[Path]:
    """The real training crops, of the sources added by ``added_by`` (an ISO date; None:
    all): crops of the sources added later are left out, so a config made before them
    trains on what it was trained on then (later sources are appended to the manifest,
    so the earlier crops themselves stay the same)."""
    paths = real_paths(root, "train")
    if added_by is None:
        return paths
    sources = load_sources() if sources is None else sources
    keep = {s.stem for s in sources if s.added <= added_by}
    return [p for p in paths if p.stem.rsplit("_", 1)[0] in keep]
