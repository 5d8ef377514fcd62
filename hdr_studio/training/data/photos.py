"""Real photographs for inpainting pre-training, SDR declipping and render textures.

Every source is a package that installs offline-reproducibly from a package registry (no web
downloads): scikit-image's bundled photos (PyPI) and the photographs in two Debian wallpaper
packages (fetched with ``apt-get download`` and unpacked with ``dpkg-deb``). DATA.md lists
each with its licence. The split is by source: the Lomiri wallpapers are held out for
evaluation and never trained on; the Plasma wallpapers are the validation split, used only to
calibrate the shipped networks (``hdr-studio calibrate``), never trained on either.

Photos are stored as 8-bit PNG, downscaled (area filter) to at most ``MAX_SIDE`` pixels on
the long side, under ``ROOT/photos/{train,eval}/``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_SIDE = 1024

#: scikit-image photos that load offline (no pooch download), with their licences as
#: stated in skimage/data/README.txt.
SKIMAGE_PHOTOS = {
    "astronaut": "public domain (NASA)",
    "chelsea": "CC0 (Stefan van der Walt)",
    "coffee": "CC0 (Rachel Michetti)",
    "rocket": "public domain (SpaceX)",
    "motorcycle_left": "Middlebury stereo dataset, free for research use",
    "motorcycle_right": "Middlebury stereo dataset, free for research use",
}


@dataclass(frozen=True)
class DebSource:
    package: str
    pattern: str  # glob inside the unpacked package
    licence: str
    split: str
    #: > 0: the files are several sizes of one picture, ``group`` folders below its named
    #: folder (Plasma's NAME/contents/images/WxH.jpg): keep the largest, named after NAME.
    group: int = 0


DEB_SOURCES = (
    DebSource("mate-backgrounds", "usr/share/backgrounds/mate/nature/*.jpg", "GPL-2+", "train"),
    DebSource(
        "lomiri-wallpapers-16.04",
        "usr/share/backgrounds/*.jpg",
        "CC-BY-4.0 / CC-BY-SA-4.0 / CC0-1.0 per file (see the package's copyright)",
        "eval",
    ),
    DebSource(
        "plasma-workspace-wallpapers",
        "usr/share/wallpapers/*/contents/images/*",
        "GPL-2+ (KDE Visual Design Group, see the package's copyright)",
        "val",
        group=2,
    ),
)
SPLITS = ("train", "val", "eval")


def _pick(files: list[Path], group: int) -> list[tuple[Path, str]]:
    """(file, output stem) pairs: every file, or the largest of each picture's sizes."""
    if group <= 0:
        return [(f, f.stem) for f in files]
    best: dict[Path, Path] = {}
    for f in files:
        key = f.parents[group]
        if key not in best or f.stat().st_size > best[key].stat().st_size:
            best[key] = f
    return [(f, key.name) for key, f in sorted(best.items())]


def _save(img_rgb8: np.ndarray, path: Path) -> None:
    import cv2

    h, w = img_rgb8.shape[:2]
    s = MAX_SIDE / max(h, w)
    if s < 1:
        img_rgb8 = cv2.resize(img_rgb8, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), np.ascontiguousarray(img_rgb8[..., ::-1])):
        raise OSError(f"cannot write {path}")


def _skimage_photo(name: str) -> np.ndarray:
    import skimage.data as sd

    if name.startswith("motorcycle_"):
        left, right, _disp = sd.stereo_motorcycle()
        return left if name.endswith("left") else right
    return getattr(sd, name)()


def fetch_photos(root: Path, log=print) -> dict[str, list[dict[str, str]]]:
    """Fetch every source into ``root/photos``; returns and writes ``sources.json``."""
    out = root / "photos"
    records: dict[str, list[dict[str, str]]] = {split: [] for split in SPLITS}
    try:
        import skimage  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(
            "fetching photos needs scikit-image: pip install 'hdr-studio[train]'"
        ) from exc
    for name, licence in SKIMAGE_PHOTOS.items():
        path = out / "train" / f"skimage_{name}.png"
        if not path.exists():
            _save(np.asarray(_skimage_photo(name))[..., :3], path)
        records["train"].append(
            {"file": path.name, "source": f"scikit-image data.{name}", "licence": licence}
        )
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise RuntimeError("fetching the Debian wallpaper photos needs apt-get and dpkg-deb")
    import cv2

    with tempfile.TemporaryDirectory() as tmp:
        for src in DEB_SOURCES:
            log(f"fetching {src.package}")
            r = subprocess.run(
                ["apt-get", "download", src.package],
                cwd=tmp,
                capture_output=True,
                text=True,
                check=False,
            )
            debs = sorted(Path(tmp).glob(f"{src.package}_*.deb"))
            if r.returncode != 0 or not debs:
                raise RuntimeError(
                    f"apt-get download {src.package} failed: {r.stderr.strip()[-300:]}"
                )
            unpacked = Path(tmp) / src.package
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(unpacked)], check=True)
            for f, stem in _pick(sorted(unpacked.glob(src.pattern)), src.group):
                path = out / src.split / f"{src.package}_{stem}.png"
                if not path.exists():
                    img = cv2.imread(str(f), cv2.IMREAD_COLOR)
                    if img is None:
                        continue
                    _save(img[..., ::-1], path)
                records[src.split].append(
                    {
                        "file": path.name,
                        "source": f"Debian {debs[0].name}: /{f.relative_to(unpacked)}",
                        "licence": src.licence,
                    }
                )
    (out / "sources.json").write_text(json.dumps(records, indent=1))
    return records


def photo_paths(root: Path, split: str) -> list[Path]:
    return sorted((root / "photos" / split).glob("*.png"))


def read_photo(path: Path) -> np.ndarray:
    """An 8-bit RGB photo (H, W, 3) uint8."""
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot read {path}")
    return np.ascontiguousarray(img[..., ::-1])
