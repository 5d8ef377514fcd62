"""Tiled inference for images of any size on GPU or CPU.

The image is padded (reflect) to a multiple of the network's stride and cut into
stride-aligned tiles that overlap by the model's halo; each tile's output is blended with
weights that ramp linearly across the overlap (not at the image's edges), so the result
matches a whole-image run up to a small tolerance. Tile size comes from the memory free on
the device; a CUDA out-of-memory error halves it and starts again. Progress is reported and
the cancel token checked between tiles, so a cancel returns within one tile. Given the
pixels whose output will be read (``needed``), tiles that give none of them a weight are not
run: their output is zeros (most of a photo did not clip, and the fill reads the network only
where it did). On the CPU the tile side is chosen per picture (:func:`auto_tile`): the one
that computes the fewest pixels for the tiles that must run. Inference runs under
``torch.inference_mode``, channels-last, with autocast to the precision chosen by
:func:`hdr_studio.inference.devices.resolve_precision`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hdr_studio.core.jobs import CancelToken, ProgressFn, no_progress
from hdr_studio.core.memory import tune_allocator
from hdr_studio.inference.devices import free_memory_bytes

MIN_TILE = 128
MAX_TILE = 2048


#: CPU tiles stay small: up to 512 px the activations stay in cache-friendly sizes and the
#: process far from the 4 GB target. Measured with the shipped masked ensemble (width 16,
#: fp32, 2 threads, AMD EPYC, bench/tile_sizes.py): 4.9–5.7 s per megapixel from 192 to
#: 512 px tiles, 6.0 at 576, 7.6 at 768, 8.0 at 1024 (bench/RESULTS.md, "Tiles chosen per
#: picture").
MAX_TILE_CPU = 512
CPU_ACTIVATION_BUDGET = 512 * 2**20
#: The smallest tile the CPU's per-picture choice takes: below it every pixel sees little
#: context. Against one whole-picture run, the masked ensemble's output (log(1 + H), needed
#: pixels, five 0.75 MP pictures) moved by 0.0073 on average with 192 px tiles, by
#: 0.0009–0.0055 with 256–576 px tiles (the sun of the sunset sample: 0.018 at 192 px).
MIN_AUTO_TILE = 256
#: A tile's fixed cost in pixels' worth of work (the calls and copies around the network):
#: 128 px tiles ran at 6.8 s per megapixel against 5.6 from 192 px up.
TILE_OVERHEAD_PX = 4096


def choose_tile(device: torch.device, bytes_per_pixel: int, stride: int, halo: int) -> int:
    """Tile side (pixels) that fits the free memory of ``device`` with room to spare."""
    if device.type == "cuda":
        budget = free_memory_bytes(device) * 0.4
        bytes_per_pixel = max(1, bytes_per_pixel // 2)  # half-precision activations
        largest = MAX_TILE
    else:
        budget = min(free_memory_bytes(device) * 0.15, CPU_ACTIVATION_BUDGET)
        largest = MAX_TILE_CPU
    side = int(math.sqrt(max(budget, 1) / max(bytes_per_pixel, 1)))
    side = max(MIN_TILE, min(largest, side), 2 * halo + stride)
    return side // stride * stride


def _summed(needed: np.ndarray, hp: int, wp: int) -> np.ndarray:
    """Summed-area table (hp + 1, wp + 1) of ``needed`` on the padded picture (the padding
    is never needed)."""
    padded = np.zeros((hp, wp), np.int64)
    h, w = min(needed.shape[0], hp), min(needed.shape[1], wp)
    padded[:h, :w] = needed[:h, :w]
    sums = np.zeros((hp + 1, wp + 1), np.int64)
    sums[1:, 1:] = padded.cumsum(0).cumsum(1)
    return sums


def plan_tiles(
    hp: int,
    wp: int,
    tile: int,
    stride: int,
    halo: int,
    needed: np.ndarray | None,
    sums: np.ndarray | None = None,
) -> tuple[int, int, list[tuple[int, int]]]:
    """The tiles (th, tw, their top-left corners) that cover an (hp, wp) padded picture
    with ``tile`` px tiles overlapping by ``halo``, less those that give no ``needed`` pixel
    a weight (:func:`_ramp`: a tile's first quarter of each overlap is weightless).
    ``sums``: ``needed``'s :func:`_summed` table, when the caller has it."""
    th, tw = min(tile, hp), min(tile, wp)
    step = max(stride, tile - halo)
    ys, xs = _starts(hp, th, step), _starts(wp, tw, step)
    if needed is None:
        return th, tw, [(y0, x0) for y0 in ys for x0 in xs]
    if sums is None:
        sums = _summed(needed, hp, wp)

    def weighted(starts: list[int], size: int, length: int) -> list[tuple[int, int]]:
        spans = []
        for a in starts:
            nz = np.flatnonzero(_tile_ramp(a, size, length, halo) > 0)
            spans.append((a + int(nz[0]), a + int(nz[-1]) + 1))
        return spans

    rows, cols = weighted(ys, th, hp), weighted(xs, tw, wp)
    keep = []
    for y0, (r0, r1) in zip(ys, rows, strict=True):
        for x0, (c0, c1) in zip(xs, cols, strict=True):
            if sums[r1, c1] - sums[r0, c1] - sums[r1, c0] + sums[r0, c0] > 0:
                keep.append((y0, x0))
    return th, tw, keep


def auto_tile(
    hp: int, wp: int, largest: int, stride: int, halo: int, needed: np.ndarray | None
) -> int:
    """The CPU's tile side for this picture: of the stride multiples from
    :data:`MIN_AUTO_TILE` (or the network's minimum) to ``largest``, the one whose tiles
    that must run (:func:`plan_tiles`) cost least, counting :data:`TILE_OVERHEAD_PX` a tile;
    within 3 % of the least, the largest (more context for every pixel)."""
    smallest = max(MIN_AUTO_TILE, 2 * halo + stride)
    smallest = stride * math.ceil(smallest / stride)
    if largest <= smallest:
        return largest
    costs = {}
    sums = None if needed is None else _summed(needed, hp, wp)
    for tile in range(smallest, largest + 1, stride):
        th, tw, tiles = plan_tiles(hp, wp, tile, stride, halo, needed, sums)
        costs[tile] = len(tiles) * (th * tw + TILE_OVERHEAD_PX)
    best = min(costs.values())
    return max(t for t, c in costs.items() if c <= 1.03 * best)


def _pad_to(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    ph, pw = h - x.shape[-2], w - x.shape[-1]
    if ph == 0 and pw == 0:
        return x
    mode = "reflect" if ph < x.shape[-2] and pw < x.shape[-1] else "replicate"
    return F.pad(x, (0, pw, 0, ph), mode=mode)


def _starts(length: int, tile: int, step: int) -> list[int]:
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)
    return sorted(set(starts))


def _ramp(n: int, lead: int, trail: int) -> np.ndarray:
    """Blending weights along one tile axis. Across an overlap of ``halo`` pixels the weight
    is 0 for the first quarter (pixels that saw the tile's zero-padded edge), rises linearly
    over the middle half and is 1 after; the neighbour's weights mirror it, so they sum to 1."""
    w = np.ones(n, np.float32)
    for length, side in ((lead, 1), (trail, -1)):
        if not length:
            continue
        i = np.arange(length, dtype=np.float32)
        r = np.clip((i + 0.5 - length / 4) / (length / 2), 0.0, 1.0)
        if side == 1:
            w[:length] = np.minimum(w[:length], r)
        else:
            w[n - length :] = np.minimum(w[n - length :], r[::-1])
    return w


def _tile_ramp(start: int, size: int, length: int, halo: int) -> np.ndarray:
    """:func:`_ramp` of a tile at ``start`` along an axis of ``length``: it overlaps a
    neighbour by ``halo`` on each side that is not the picture's edge."""
    lead = min(halo, size) if start > 0 else 0
    trail = min(halo, size) if start + size < length else 0
    return _ramp(size, lead, trail)


def _forward(
    net: nn.Module, x: torch.Tensor, device: torch.device, dtype: torch.dtype | None
) -> torch.Tensor:
    """One tile through ``net``: channels-last (the layout oneDNN's and cuDNN's fast
    convolutions use), under autocast to ``dtype`` when one is given (None: fp32)."""
    x = x.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        if dtype is not None:
            with torch.autocast(device_type=device.type, dtype=dtype):
                y = net(x)
        else:
            y = net(x)
    return y.float()


def _is_oom(exc: BaseException) -> bool:
    oom = getattr(torch.cuda, "OutOfMemoryError", ())
    return isinstance(exc, oom) or "out of memory" in str(exc).lower()


#: The smallest side (pixels) a network is run on; smaller pictures are padded to it.
MIN_SIDE = 32


def run_tiled(
    net: nn.Module,
    image: np.ndarray,
    device: torch.device,
    stride: int,
    tile: int | None = None,
    halo: int = 64,
    bytes_per_pixel: int = 1024,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    dtype: torch.dtype | None = None,
    needed: np.ndarray | None = None,
    out_channels: int | None = None,
) -> np.ndarray:
    """Run ``net`` over ``image`` (H, W, C_in) float32 in tiles; returns (H, W, C_out).
    ``dtype``: autocast precision (None: fp32). ``needed``: (H, W) bool, the pixels whose
    output counts; tiles without one are skipped and give zeros, every needed pixel gets
    exactly what a run of all tiles gives it. ``out_channels`` (C_out) is required with
    ``needed``, for the case that no tile is run."""
    if needed is not None:
        if needed.shape != image.shape[:2]:
            raise ValueError(f"needed has shape {needed.shape}, the image {image.shape[:2]}")
        if out_channels is None:
            raise ValueError("out_channels is required with needed")
    progress = progress or no_progress
    if device.type == "cpu":
        tune_allocator()
    halo = int(math.ceil(halo / stride) * stride)
    asked = tile
    if tile is None:
        tile = choose_tile(device, bytes_per_pixel, stride, halo)
        if device.type == "cpu":
            hp, wp = (_padded(n, stride) for n in image.shape[:2])
            tile = auto_tile(hp, wp, tile, stride, halo, needed)
    tile = max(stride * math.ceil(tile / stride), 2 * halo + stride)
    if asked is not None and tile - asked >= stride:  # raised, not just rounded to the stride
        progress(0.0, f"{asked}px tiles are below this network's minimum: using {tile}px")
    while True:
        try:
            return _run(
                net,
                image,
                device,
                stride,
                tile,
                halo,
                progress,
                cancel,
                dtype,
                needed,
                out_channels,
            )
        except (RuntimeError, MemoryError) as exc:
            if not _is_oom(exc) or tile // 2 < max(MIN_TILE, 2 * halo + stride):
                raise
            if device.type == "cuda":
                torch.cuda.empty_cache()
            tile = max(stride, (tile // 2) // stride * stride)
            progress(0.0, f"out of memory: retrying with {tile}px tiles")


def _padded(n: int, stride: int) -> int:
    # at least MIN_SIDE each way: oneDNN's bf16 convolutions gave garbage (±1e33) on a
    # 40×8 input once other networks had run in the process (a 37×1 picture, declipnet)
    return math.ceil(max(n, MIN_SIDE) / stride) * stride


def _run(
    net, image, device, stride, tile, halo, progress, cancel, dtype, needed, out_channels
) -> np.ndarray:
    h, w, _ = image.shape
    hp, wp = _padded(h, stride), _padded(w, stride)
    src = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]
    src = _pad_to(src, hp, wp)
    # the padding's outputs are cut off: only the picture counts
    th, tw, tiles = plan_tiles(hp, wp, tile, stride, halo, needed)
    acc = None if out_channels is None else np.zeros((hp, wp, out_channels), np.float32)
    weight = np.zeros((hp, wp), np.float32)
    total = len(tiles)
    if not total:
        progress(1.0, "nothing clipped: the network is not needed")
    for done, (y0, x0) in enumerate(tiles, 1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        x = src[..., y0 : y0 + th, x0 : x0 + tw]
        if device.type == "cuda":  # page-locked host memory: an asynchronous copy
            x = x.contiguous().pin_memory().to(device, non_blocking=True)
        else:
            x = x.to(device)
        out = _forward(net, x, device, dtype)[0].cpu().numpy().transpose(1, 2, 0)
        if acc is None:
            acc = np.zeros((hp, wp, out.shape[2]), np.float32)
        wt = np.outer(_tile_ramp(y0, th, hp, halo), _tile_ramp(x0, tw, wp, halo))
        acc[y0 : y0 + th, x0 : x0 + tw] += out * wt[..., None]
        weight[y0 : y0 + th, x0 : x0 + tw] += wt
        progress(done / total, f"tile {done}/{total}")
    assert acc is not None
    if needed is not None:  # pixels only skipped tiles cover: 0 / 1, not 0 / 0
        weight[weight == 0] = 1
    return np.ascontiguousarray(acc[:h, :w] / weight[:h, :w, None])
