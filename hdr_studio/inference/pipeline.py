"""Load a model by name with its verified weights (kept in a bounded cache) and run it on an
image with progress and cancel. Front ends do not call this directly: they go through
:func:`hdr_studio.api.engine.reconstruct`."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hdr_studio.core.channels import channel_max
from hdr_studio.core.fill import RAW, Calibration, LogRatio, log_ratio
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import CancelToken, ProgressFn, no_progress
from hdr_studio.core.result import ModelResult
from hdr_studio.inference.devices import resolve_device, resolve_precision
from hdr_studio.inference.model_spec import work_scale
from hdr_studio.inference.registry import ModelSpec, config_from_metadata, get_spec
from hdr_studio.inference.runner import run_tiled
from hdr_studio.inference.weights import WeightsError, load_weights, models_dir, read_manifest

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    spec: ModelSpec
    net: nn.Module
    config: dict[str, Any]
    metadata: dict[str, str]
    device: torch.device
    stride: int
    calibration: Calibration


#: Models kept loaded: the app, the bridge and a batch worker switch between a few methods;
#: the least recently used model beyond this many is dropped.
CACHE_SIZE = 3
_cache: OrderedDict[tuple[str, str, str], LoadedModel] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every loaded model (their memory is freed once no job holds them)."""
    with _cache_lock:
        _cache.clear()


def cached_models() -> list[str]:
    """Names of the models now loaded, least recently used first."""
    with _cache_lock:
        return [key[0] for key in _cache]


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
            _cache.move_to_end(key)
            return _cache[key]
    t0 = time.perf_counter()
    state, meta = load_weights(name, folder)
    config = config_from_metadata(spec, meta)
    net = _build_with(spec, config, state)
    # Channels-last: the layout the fast convolution kernels (oneDNN, cuDNN) work in.
    net.eval().to(dev, memory_format=torch.channels_last)  # type: ignore[call-overload]
    try:
        cal = Calibration.from_metadata(meta)
    except (ValueError, TypeError, KeyError) as exc:
        raise WeightsError(f"model '{name}': bad calibration metadata ({exc})") from None
    stride = int(net.stride)  # type: ignore[arg-type]  (every network sets an int)
    loaded = LoadedModel(spec, net, config, meta, dev, stride, cal)
    log.info("model %s loaded on %s in %.2f s", name, dev, time.perf_counter() - t0)
    with _cache_lock:
        _cache[key] = loaded
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def _build_with(spec: ModelSpec, config: dict, state: dict[str, torch.Tensor]) -> nn.Module:
    """``spec.build(config)`` holding the weights ``state`` (strictly). Built on the meta
    device and given the weights' tensors, so that the layers' random initialisation, which
    the weights replace at once, is not computed (0.1 s of a 12 MP reconstruction with the
    masked ensemble); a network with a tensor the weights do not hold (a buffer it computes
    when built) or of another dtype is built the ordinary way."""
    with torch.device("meta"):
        net = spec.build(config)
    tensors = dict(net.named_parameters()) | dict(net.named_buffers())
    if tensors.keys() == state.keys() and all(
        t.dtype == state[k].dtype and t.shape == state[k].shape for k, t in tensors.items()
    ):
        net.load_state_dict(state, strict=True, assign=True)
        return net
    net = spec.build(config)
    net.load_state_dict(state, strict=True)
    return net


#: Mirror passes :func:`run_model` can average: the picture, then mirrored left–right, then
#: upside down (each pass undone before averaging).
PASSES = (1, 3)
_MIRRORS = ((), (1,), (0,))


def _mirror(image: Image, axes: tuple[int, ...]) -> Image:
    if not axes:
        return image
    return replace(
        image,
        code=np.ascontiguousarray(np.flip(image.code, axes)),
        linear=np.ascontiguousarray(np.flip(image.linear, axes)),
        alpha=None if image.alpha is None else np.ascontiguousarray(np.flip(image.alpha, axes)),
    )


def _unmirror(a: np.ndarray | None, axes: tuple[int, ...]) -> np.ndarray | None:
    return None if a is None else _flipped(a, axes)


def run_model(
    image: Image,
    name: str,
    device: str = "auto",
    tile: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    folder: Path | None = None,
    precision: str = "auto",
    passes: int = 1,
) -> ModelResult:
    """Reconstruct ``image`` with model ``name``; deterministic for the same input, weights
    and precision (:func:`~hdr_studio.inference.devices.resolve_precision`). ``passes`` 3:
    the network also runs on the picture's mirror images and the three are averaged — for a
    network filled from its log ratio (``masked``) the three estimates, then one fill
    (:func:`_mirrored_fill`), for the others the three results."""
    if passes not in PASSES:
        raise ValueError(f"passes must be one of {PASSES}, got {passes}")
    progress = progress or no_progress
    progress(0.0, f"loading {name}")
    model = load_model(name, device, folder)
    if passes > 1 and model.spec.work_pixels is not None and model.spec.kind.gives_hdr:
        return _mirrored_fill(model, image, passes, tile, progress, cancel, precision)
    total: ModelResult | None = None  # running sums: one pass's pixels held at a time
    logs: list[np.ndarray] = []  # per pass, log2 of the brightest channel (for the spread)
    for k, axes in enumerate(_MIRRORS[:passes]):
        if cancel is not None:
            cancel.raise_if_cancelled()
        part = _mirror(image, axes)
        step = _scaled_progress(progress, k / passes, 1.0 / passes)
        label = "" if passes == 1 else f" (pass {k + 1} of {passes})"
        result = _one_pass(model, part, tile, step, cancel, precision, label)
        if passes == 1:
            progress(1.0, "done")
            return result
        hdr, sdr = _unmirror(result.hdr, axes), _unmirror(result.sdr, axes)
        main = hdr if hdr is not None else sdr
        if main is not None:
            logs.append(np.log2(np.maximum(channel_max(main), np.float32(1e-6))))
        total = _accumulate(total, hdr, sdr)
    progress(1.0, "done")
    assert total is not None
    n = np.float32(passes)
    for field in ("hdr", "sdr"):
        acc = getattr(total, field)
        if acc is not None:
            acc /= n
    total.spread = _spread(logs) if len(logs) == passes else None
    return total


def _mirrored_fill(
    model: LoadedModel,
    image: Image,
    passes: int,
    tile: int | None,
    progress: ProgressFn,
    cancel: CancelToken | None,
    precision: str,
) -> ModelResult:
    """Mirror passes of a network filled from its log ratio to the measurement: the
    network runs on the picture and its mirror images at the working size (and at the
    coarse pass's), each estimate's log ratio is mirrored back, the ratios are averaged
    (the geometric mean of the estimates, as an ensemble's members are averaged) and the
    picture is filled once. ``spread``: the standard deviation across the passes of the
    brightest channel's log ratio, in stops (× the calibration gain), brought up to the
    picture's size, and 0 where the result is the measurement."""
    import cv2

    spec = model.spec
    h, w = image.code.shape[:2]
    base = _work_copy(image, spec.work_pixels) or image
    small = _coarse_copy(image)
    ratios: list[np.ndarray] = []
    coarse: list[np.ndarray] = []
    for k, axes in enumerate(_MIRRORS[:passes]):
        if cancel is not None:
            cancel.raise_if_cancelled()
        step = _scaled_progress(progress, 0.97 * k / passes, 0.97 / passes)
        label = f" (pass {k + 1} of {passes})"
        part = _mirror(base, axes)
        out = run_network(model, part, tile, step, cancel, precision)
        ratios.append(_flipped(spec.estimate_ratio(out, part), axes))
        del out
        if small is not None:
            step(0.94, "coarse pass" + label)
            c = _coarse_small_ratio(model, _mirror(small, axes), precision)
            coarse.append(_flipped(c, axes))
    n = np.float32(passes)
    mean = sum(ratios[1:], ratios[0].copy()) / n
    ratio = mean if base is image else LogRatio(mean, h, w)
    coarse_mean = LogRatio(sum(coarse[1:], coarse[0].copy()) / n, h, w) if coarse else None
    step = _scaled_progress(progress, 0.97, 0.03)
    step(0.0, "filling clipped areas")
    result = spec.finish_ratio(ratio, image, model.calibration, coarse_mean, step)
    progress(1.0, "done")
    peaks = np.stack([r.max(axis=2) for r in ratios])
    spread = peaks.std(axis=0) * np.float32(model.calibration.hdr / np.log(2))
    if spread.shape != (h, w):
        spread = cv2.resize(spread, (w, h), interpolation=cv2.INTER_LINEAR)
    hdr = result.hdr
    assert hdr is not None
    spread[np.all(hdr == image.linear, axis=2)] = 0
    return ModelResult(hdr=hdr, spread=spread.astype(np.float32))


def _flipped(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    return a if not axes else np.ascontiguousarray(np.flip(a, axes))


def _one_pass(
    model: LoadedModel,
    part: Image,
    tile: int | None,
    step: ProgressFn,
    cancel: CancelToken | None,
    precision: str,
    label: str,
) -> ModelResult:
    """One pass of :func:`run_model` over ``part``: the network at the working size, the
    coarse pass, then the fill at the picture's size."""
    work = _work_copy(part, model.spec.work_pixels)
    out = run_network(model, work or part, tile, step, cancel, precision)
    coarse = None
    if model.spec.kind.gives_hdr:
        step(0.94, "coarse pass" + label)
        coarse = coarse_ratio(model, part, precision)
    step(0.97, "filling clipped areas" + label)
    finish_progress = _scaled_progress(step, 0.97, 0.03)
    if work is None:
        return model.spec.finish(out, part, model.calibration, coarse, finish_progress)
    # the fill at the working size, brought up to the picture's
    h, w = part.code.shape[:2]
    ratio = LogRatio(model.spec.estimate_ratio(out, work), h, w)
    del out
    return model.spec.finish_ratio(ratio, part, model.calibration, coarse, finish_progress)


def _accumulate(
    total: ModelResult | None, hdr: np.ndarray | None, sdr: np.ndarray | None
) -> ModelResult:
    """``total`` plus one pass's results (own copies the first time: a result may share
    memory with the input)."""
    if total is None:
        return ModelResult(
            hdr=None if hdr is None else np.array(hdr, np.float32),
            sdr=None if sdr is None else np.array(sdr, np.float32),
        )
    for field, a in (("hdr", hdr), ("sdr", sdr)):
        acc = getattr(total, field)
        if acc is not None and a is not None:
            acc += a
    return total


def _work_copy(image: Image, work_pixels: int | None) -> Image | None:
    """``image`` shrunk (area filter) to about ``work_pixels``, or None when it is no
    larger (:func:`~hdr_studio.inference.model_spec.work_scale`)."""
    h, w = image.code.shape[:2]
    s = work_scale(h, w, work_pixels)
    if s >= 1.0:
        return None
    return _shrink(image, (max(1, round(w * s)), max(1, round(h * s))))


def _shrink(image: Image, size: tuple[int, int]) -> Image:
    import cv2

    def shrink(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(cv2.resize(a, size, interpolation=cv2.INTER_AREA))

    clip = None if image.sensor_clip is None else shrink(image.sensor_clip.astype(np.uint8)) > 0
    return replace(image, code=shrink(image.code), linear=shrink(image.linear), sensor_clip=clip)


def _spread(logs: list[np.ndarray]) -> np.ndarray:
    """Per pixel, the standard deviation of ``logs`` (one map per pass)."""
    mean = sum(logs[1:], logs[0].copy()) / np.float32(len(logs))
    var = sum(((x - mean) ** 2 for x in logs), np.zeros_like(mean)) / np.float32(len(logs))
    return np.sqrt(var).astype(np.float32)


def _scaled_progress(progress: ProgressFn, lo: float, span: float) -> ProgressFn:
    return lambda f, message: progress(lo + span * f, message)


#: The scale the shipped networks learned at: 256×192 renders, 128-pixel patches. On larger
#: pictures a clipped area can be wider than what a network sees around a pixel, and it
#: fills only the area's border (a bright ring around a flat core); a second pass at this
#: working size sees the whole area, and wide areas take its fill.
WORK_SIDE = 320


def coarse_ratio(model: LoadedModel, image: Image, precision: str = "auto") -> LogRatio | None:
    """The network run at :data:`WORK_SIDE` (long side): its estimate's log ratio to that
    scale's measurement, to be brought up to full size where it is read; ``None`` for
    pictures not much larger than the working size."""

    small = _coarse_copy(image)
    if small is None:
        return None
    h, w = image.code.shape[:2]
    return LogRatio(_coarse_small_ratio(model, small, precision), h, w)


def _coarse_copy(image: Image) -> Image | None:
    """``image`` at :data:`WORK_SIDE` (long side), or None when not much larger."""
    h, w = image.code.shape[:2]
    if max(h, w) <= 1.5 * WORK_SIDE:
        return None
    s = WORK_SIDE / max(h, w)
    return _shrink(image, (max(1, round(w * s)), max(1, round(h * s))))


def _coarse_small_ratio(model: LoadedModel, small: Image, precision: str) -> np.ndarray:
    """The coarse pass's result on ``small`` as its log ratio to ``small``'s measurement."""
    hdr = model.spec.finish(run_network(model, small, precision=precision), small, RAW).hdr
    assert hdr is not None
    return log_ratio(hdr, small.linear)


def run_network(
    model: LoadedModel,
    image: Image,
    tile: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    precision: str = "auto",
) -> np.ndarray:
    """The raw network output for ``image`` (before :meth:`ModelSpec.finish`), tiled, in
    ``precision``; computed only in tiles holding a pixel ``finish`` reads
    (:meth:`ModelSpec.needed`), zeros elsewhere."""
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
        progress=lambda f, m: progress(0.05 + 0.88 * f, m),
        cancel=cancel,
        dtype=resolve_precision(model.device, precision),
        needed=model.spec.needed(image),
        out_channels=model.spec.out_channels,
    )
