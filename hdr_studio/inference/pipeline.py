"""The job API the CLI, the GUI workers and the bridge share: load a model by name with its
verified weights and run it on an image with progress and cancel."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hdr_studio.core.image import Image
from hdr_studio.core.jobs import CancelToken, ProgressFn, no_progress
from hdr_studio.inference.devices import configure_cpu_threads, resolve_device
from hdr_studio.inference.registry import (
    RAW,
    Calibration,
    ModelResult,
    ModelSpec,
    config_from_metadata,
    get_spec,
)
from hdr_studio.inference.runner import run_tiled
from hdr_studio.inference.weights import WeightsError, load_weights, models_dir, read_manifest


@dataclass
class LoadedModel:
    spec: ModelSpec
    net: nn.Module
    config: dict[str, Any]
    metadata: dict[str, str]
    device: torch.device
    stride: int
    calibration: Calibration


_cache: dict[tuple[str, str, str], LoadedModel] = {}
_cache_lock = threading.Lock()


def load_model(name: str, device: str = "auto", folder: Path | None = None) -> LoadedModel:
    """Build ``name`` from its weights' config, load them strictly, move to ``device``."""
    spec = get_spec(name)
    dev = resolve_device(device)
    folder = folder or models_dir()  # resolved now: $HDR_STUDIO_MODELS may change
    entry = read_manifest(folder)["models"].get(name, {})
    # Keyed by the file's recorded digest too, so retrained weights are never served stale.
    key = (name, str(dev), f"{folder.resolve()}#{entry.get('sha256', '')}")
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    state, meta = load_weights(name, folder)
    config = config_from_metadata(spec, meta)
    net = spec.build(config)
    net.load_state_dict(state, strict=True)
    net.eval().to(dev)
    if dev.type == "cpu":
        configure_cpu_threads()
    try:
        cal = Calibration.from_metadata(meta)
    except (ValueError, TypeError, KeyError) as exc:
        raise WeightsError(f"model '{name}': bad calibration metadata ({exc})") from None
    loaded = LoadedModel(spec, net, config, meta, dev, int(net.stride), cal)
    with _cache_lock:
        _cache[key] = loaded
    return loaded


def run_model(
    image: Image,
    name: str,
    device: str = "auto",
    tile: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    folder: Path | None = None,
) -> ModelResult:
    """Reconstruct ``image`` with model ``name``; deterministic for the same input/weights."""
    progress = progress or no_progress
    progress(0.0, f"loading {name}")
    model = load_model(name, device, folder)
    if cancel is not None:
        cancel.raise_if_cancelled()
    out = run_network(model, image, tile, progress, cancel)
    coarse = coarse_estimate(model, image) if "hdr" in model.spec.kind.split("+") else None
    result = model.spec.finish(out, image, model.calibration, coarse)
    progress(1.0, "done")
    return result


#: The scale the shipped networks learned at: 256×192 renders, 128-pixel patches. On larger
#: pictures a clipped area can be wider than what a network sees around a pixel, and it
#: fills only the area's border (a bright ring around a flat core); a second pass at this
#: working size sees the whole area, and wide areas take its fill.
WORK_SIDE = 320


def coarse_estimate(model: LoadedModel, image: Image) -> np.ndarray | None:
    """Linear HDR from the network run at :data:`WORK_SIDE` (long side), its log ratio to
    that scale's measurement upsampled onto the full-size measurement; ``None`` for pictures
    not much larger than the working size."""
    import cv2

    h, w = image.code.shape[:2]
    if max(h, w) <= 1.5 * WORK_SIDE:
        return None
    s = WORK_SIDE / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))

    def shrink(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(cv2.resize(a, size, interpolation=cv2.INTER_AREA))

    small = replace(image, code=shrink(image.code), linear=shrink(image.linear))
    hdr = model.spec.finish(run_network(model, small), small, RAW).hdr
    assert hdr is not None
    lo = np.maximum(small.linear, np.float32(1e-6))
    log_ratio = np.log(np.maximum(hdr, lo) / lo)
    up = cv2.resize(log_ratio, (w, h), interpolation=cv2.INTER_LINEAR)
    return (image.linear * np.exp(up)).astype(np.float32)


def run_network(
    model: LoadedModel,
    image: Image,
    tile: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """The raw network output for ``image`` (before :meth:`ModelSpec.finish`), tiled."""
    progress = progress or no_progress
    progress(0.03, "preparing input")
    x = model.spec.prepare(image)
    return run_tiled(
        model.net,
        x,
        model.device,
        model.stride,
        tile=tile,
        halo=model.spec.halo,
        bytes_per_pixel=model.spec.bytes_per_pixel(model.config),
        progress=lambda f, m: progress(0.05 + 0.9 * f, m),
        cancel=cancel,
    )
