"""The base/detail decomposition, the front door the CLI's ``decompose`` and the app's views
use: the WLS base layer (Farbman et al. 2008), the detail layer (the photo's ratio to it),
a viewable detail picture and the base/detail hybrid's mask. Parameters and defaults: the
table :data:`hdr_studio.api.parameters.DECOMPOSE`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from hdr_studio.core.clipping import HYBRID_TAU, hybrid_mask
from hdr_studio.core.decompose import DEFAULT_ALPHA, DEFAULT_LAMBDA, detail_visual
from hdr_studio.core.decompose import decompose as wls_decompose
from hdr_studio.core.errors import OutputError
from hdr_studio.core.image import Image

Solver = Literal["auto", "exact", "fast"]


@dataclass(frozen=True)
class Decomposition:
    """``base`` and ``detail`` float32 ``(H, W, 3)`` of the photo's code values
    (detail = code ⊘ base, a ratio around 1)."""

    base: np.ndarray
    detail: np.ndarray

    def detail_picture(self) -> np.ndarray:
        """The detail layer for display: 0.5 + 0.5·log2(detail), in [0, 1]."""
        return detail_visual(self.detail)

    def mask(self, tau: float = HYBRID_TAU) -> np.ndarray:
        """The hybrid's 3-channel mask max(0, base − τ) / (1 − τ), 1 for saturated."""
        return hybrid_mask(self.base, tau)

    def files(self, tau: float = HYBRID_TAU) -> dict[str, tuple[np.ndarray, str]]:
        """What ``decompose -o DIR`` writes: file name → (pixels, kind)."""
        return {
            "base.exr": (self.base, "exr"),
            "detail.exr": (self.detail, "exr"),
            "base.png": (self.base, "png16"),
            "detail.png": (self.detail_picture(), "png16"),
            "mask.png": (self.mask(tau), "png16"),
        }


def decompose(
    image: Image | np.ndarray,
    lam: float = DEFAULT_LAMBDA,
    alpha: float = DEFAULT_ALPHA,
    solver: Solver = "auto",
) -> Decomposition:
    """Split a photo's code values (an :class:`Image`, or an ``(H, W, 3)`` float32 array
    of them) into base and detail by the WLS filter (λ ``lam``, α ``alpha``; ``solver``
    ``exact`` sparse, ``fast`` separable, ``auto`` by size)."""
    code = image.code if isinstance(image, Image) else image
    base, detail = wls_decompose(code, lam=lam, alpha=alpha, method=solver)
    return Decomposition(base, detail)


def check_folder(out: Path) -> None:
    """Refuse an output folder that cannot be made or written, before the long work."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist")
    if not out.exists() and not os.access(out.parent, os.W_OK):
        raise OutputError(f"{out}: cannot create the folder (no write permission)")


def write_layers(
    files: dict[str, tuple[np.ndarray, str]], out: Path, force: bool, source: Path | None
) -> list[str]:
    """Write ``files`` (:meth:`Decomposition.files`) into the folder ``out``, each atomically;
    nothing is written when one is refused (exists without ``force``, is the source).
    Returns the names written."""
    from hdr_studio.core.export import write_array

    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the folder ({exc.strerror})") from None
    from hdr_studio.core.atomic import check_output

    sources = (source,) if source is not None else ()
    for name in files:  # every refusal before the first file: none written, or all
        check_output(out / name, force, sources)
    for name, (pixels, kind) in files.items():
        write_array(pixels, out / name, kind, force=force, sources=sources)
    return list(files)


__all__ = ["Decomposition", "check_folder", "decompose", "write_layers"]
