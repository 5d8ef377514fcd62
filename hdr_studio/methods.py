"""Reconstruction by method name: the one dispatch the CLI and the app share.

Built-in methods (``classical``, ``none``) run the numpy engine; any other name is a network
from the model registry (torch is imported only then)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdr_studio.core.classical import ClassicalParams, reconstruct
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import CancelToken, ProgressFn

#: Methods that need no weights.
BUILT_IN = ("classical", "none")


@dataclass
class ModelResult:
    """A reconstruction as linear pixels in the source image's primaries, 1.0 = the source's
    white: ``hdr`` (may exceed 1) and/or ``sdr`` (display-referred, ≤ ~1)."""

    hdr: np.ndarray | None = None
    sdr: np.ndarray | None = None


def run_method(
    image: Image,
    method: str,
    params: ClassicalParams | None = None,
    device: str = "auto",
    tile: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    models: Path | None = None,
) -> ModelResult:
    """Reconstruct ``image`` with ``method`` (``params`` apply to ``classical``; ``models``
    is the weights folder, default the shipped one)."""
    if method == "none":
        return ModelResult(hdr=reconstruct(image, "none"))
    if method == "classical":
        return ModelResult(
            hdr=reconstruct(image, "classical", params=params, progress=progress, cancel=cancel)
        )
    from hdr_studio.inference.pipeline import run_model

    return run_model(
        image, method, device=device, tile=tile, progress=progress, cancel=cancel, folder=models
    )


def default_method() -> str:
    """The best shipped HDR model (flagged default in the weights manifest), else classical."""
    try:
        from hdr_studio.inference.weights import read_manifest, weights_entry
    except ImportError:  # torch missing: the classical engine still works
        return "classical"
    for name, entry in read_manifest()["models"].items():
        if entry.get("default") and weights_entry(name) is not None:
            return name
    return "classical"
