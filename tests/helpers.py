"""Test helpers: write real image files through OpenImageIO."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import OpenImageIO as oiio

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "resources" / "samples"
SAMPLE_FILES = sorted(SAMPLES.glob("*.jpg"))


def write(path: Path, pixels: np.ndarray, fmt=None, **attrs) -> Path:
    """Write ``pixels`` (H, W, C) to ``path`` with OIIO; dtype picks the pixel type."""
    px = np.ascontiguousarray(pixels)
    if px.ndim == 2:
        px = px[..., None]
    h, w, c = px.shape
    if fmt is None:
        fmt = {np.uint8: oiio.UINT8, np.uint16: oiio.UINT16, np.float16: oiio.HALF}.get(
            px.dtype.type, oiio.FLOAT
        )
    spec = oiio.ImageSpec(w, h, c, fmt)
    if c == 4:
        spec.channelnames = ("R", "G", "B", "A")
        spec.alpha_channel = 3
        spec.attribute("oiio:UnassociatedAlpha", 1)  # straight alpha, written as is
    for key, value in attrs.items():
        name = key.replace("__", ":")
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], oiio.TypeDesc):
            spec.attribute(name, value[0], value[1])
        else:
            spec.attribute(name, value)
    out = oiio.ImageOutput.create(str(path))
    assert out is not None, oiio.geterror()
    assert out.open(str(path), spec), out.geterror()
    assert out.write_image(px), out.geterror()
    out.close()
    return path


def gradient(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    """A smooth colourful test image in [0, 1], float32 (H, W, 3)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([x / (w - 1), y / (h - 1), 0.5 + 0.5 * np.sin(x / 7 + y / 5)], axis=2)
    return np.clip(img + 0.01 * rng.standard_normal(img.shape), 0, 1).astype(np.float32)


def run_without(modules: tuple[str, ...], code: str, *args: str):
    """Run ``code`` in a fresh Python where importing any of ``modules`` (top-level names)
    fails, as in an install without that optional extra: an import hook stands in for the
    absence, since the packages cannot be uninstalled from the test environment. ``args``
    become ``sys.argv[1:]``. Returns the CompletedProcess."""
    import subprocess
    import sys

    hook = (
        "import sys, importlib.abc\n"
        "class _Missing(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        f"        if name.split('.')[0] in {tuple(modules)!r}:\n"
        "            raise ModuleNotFoundError('No module named ' + repr(name), name=name)\n"
        "sys.meta_path.insert(0, _Missing())\n"
    )
    return subprocess.run(
        [sys.executable, "-c", hook + code, *args], capture_output=True, text=True, check=False
    )


#: ``code`` for :func:`run_without` that runs the ``hdr-studio`` command line.
CLI = "from hdr_studio.cli import main\nsys.exit(main(sys.argv[1:]))\n"
