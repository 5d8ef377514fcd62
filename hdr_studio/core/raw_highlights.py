"""Raw highlight reconstruction: where a camera's sensor clipped one or two channels of a
pixel, recover them from the channels that survived and the colour of the surroundings.

The family darktable calls "inpaint opposed" and "segmentation based" (its highlight
reconstruction module's documentation, and Hanno Schwalm's description of both): the
clipped area is cut into segments (connected regions of pixels with any channel clipped);
each segment's colour is measured on a ring of unclipped pixels around it; inside, a
clipped channel is rebuilt from the surviving ones with that colour. This implementation:

1. Work in white-balanced camera RGB (before the colour matrix), where the sensor clipped
   and where a neutral is (1, 1, 1); each channel saturates at its own level.
2. Segments: 8-connected components of the any-channel clip mask.
3. A segment's colour: on the ring of unclipped pixels within ``ring`` pixels of it, the
   log ratio of each channel to the mean of the other two ("opposed"), and of each channel
   to each other channel, averaged with weights that favour bright ring pixels (the skirt
   of a highlight carries the colour of the light that clipped). Segments without ring
   pixels take the image's average over all rings.
4. One channel clipped: x_c = max(x_c, r_c · mean(others)); two clipped: each from the
   survivor, x_c = max(x_c, q_cs · x_s). A clipped value is a lower bound, so a channel
   only grows. Pixels with all three channels clipped are left to the fill that follows
   (the networks or the classical engine), as for JPEGs, at the clip level of the lowest
   channel ("clip at white").
"""

from __future__ import annotations

import numpy as np

from hdr_studio.core.image import Image

__all__ = ["clip_to_white", "recover_partial", "recovered_image"]

_EPS = np.float32(1e-6)


def _weighted_means(labels: np.ndarray, values: np.ndarray, weights: np.ndarray, n: int):
    """Per label 1..n, the weighted mean of ``values`` (K, C) with ``weights`` (K,), and
    the weight sums; labels without weight get NaN."""
    sums = np.stack(
        [
            np.bincount(labels, weights=values[:, c] * weights, minlength=n + 1)
            for c in range(values.shape[1])
        ],
        axis=1,
    )
    wsum = np.bincount(labels, weights=weights, minlength=n + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / wsum[:, None]
    return means, wsum


def recover_partial(
    camera: np.ndarray, clip: np.ndarray, clip_levels: np.ndarray, ring: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild the clipped channels of pixels where at least one channel survived.

    camera: (H, W, 3) float32 white-balanced camera RGB. clip: (H, W, 3) bool, the
    sensor's per-channel saturation. clip_levels: (3,) each channel's saturation level in
    ``camera``'s units. Returns (recovered (H, W, 3) float32, all_clipped (H, W) bool)."""
    import cv2

    cam = np.asarray(camera, dtype=np.float32)
    if cam.ndim != 3 or cam.shape[2] != 3 or clip.shape != cam.shape:
        raise ValueError(f"camera and clip must be (H, W, 3), got {cam.shape}, {clip.shape}")
    count = clip.sum(axis=2)
    all_clipped = count == 3
    partial = (count > 0) & ~all_clipped
    out = cam.copy()
    if not partial.any():
        return out, all_clipped
    any_clip = (count > 0).astype(np.uint8)
    n, labels = cv2.connectedComponents(any_clip, connectivity=8)
    n -= 1
    k = 2 * ring + 1
    grown = cv2.dilate(labels.astype(np.float32), np.ones((k, k), np.uint8)).astype(np.int32)
    ring_mask = (any_clip == 0) & (grown > 0) & (cam.min(axis=2) > 0)
    logc = np.log(np.maximum(cam, _EPS))
    # Colour features of ring pixels: log(x_c / mean(others)) and log(x_c / x_s).
    lin = np.maximum(cam, _EPS)
    opposed = np.stack(
        [
            np.log(lin[..., c] / (0.5 * (lin[..., (c + 1) % 3] + lin[..., (c + 2) % 3])))
            for c in range(3)
        ],
        axis=-1,
    )
    pairs = [(c, s) for c in range(3) for s in range(3) if c != s]
    pair_logs = np.stack([logc[..., c] - logc[..., s] for c, s in pairs], axis=-1)
    feats = np.concatenate([opposed, pair_logs], axis=-1)
    top = np.float32(np.min(clip_levels))
    bright = np.clip(cam.max(axis=2) / top, 0.0, 1.0) ** 2 + np.float32(1e-3)
    ring_labels = grown[ring_mask]
    ring_feats = feats[ring_mask].astype(np.float64)
    ring_w = bright[ring_mask].astype(np.float64)
    means, wsum = _weighted_means(ring_labels, ring_feats, ring_w, n)
    fallback = (
        np.average(ring_feats, axis=0, weights=ring_w) if ring_w.size else np.zeros(feats.shape[2])
    )
    means[wsum <= 0] = fallback
    ys, xs = np.nonzero(partial)
    f = means[labels[ys, xs]].astype(np.float32)  # (K, 9)
    x = lin[ys, xs]
    c3 = clip[ys, xs]
    rec = x.copy()
    one = c3.sum(axis=1) == 1
    for c in range(3):
        sel = one & c3[:, c]
        others = 0.5 * (x[sel, (c + 1) % 3] + x[sel, (c + 2) % 3])
        rec[sel, c] = np.maximum(x[sel, c], np.exp(f[sel, c]) * others)
    two = ~one
    for s in range(3):  # the survivor
        sel = two & ~c3[:, s]
        for c in range(3):
            if c == s:
                continue
            j = 3 + pairs.index((c, s))
            rec[sel, c] = np.maximum(x[sel, c], np.exp(f[sel, j]) * x[sel, s])
    out[ys, xs] = rec
    return out, all_clipped


def clip_to_white(camera: np.ndarray, clip: np.ndarray, clip_levels: np.ndarray) -> np.ndarray:
    """Darktable's "clip highlights": every channel of a pixel with any clipped channel is
    limited to the lowest channel's saturation level (white, no magenta casts)."""
    out = np.asarray(camera, dtype=np.float32).copy()
    top = np.float32(np.min(clip_levels))
    hit = clip.any(axis=2)
    out[hit] = np.minimum(out[hit], top)
    return out


def recovered_image(image: Image) -> Image:
    """``image`` (a camera raw file's, :attr:`Image.raw` set) with its partially clipped
    pixels recovered (:func:`recover_partial`) and its fully clipped ones at white, marked
    as the only clipped pixels for the fill that follows (code values 1.0 there, below
    every method's clipping ramp elsewhere: :func:`hdr_studio.core.raw.sensor_code`).
    Other images are returned as they are."""
    from dataclasses import replace

    from hdr_studio.core.raw import sensor_code

    if image.raw is None or image.sensor_clip is None:
        return image
    matrix = np.asarray(image.raw.camera_to_output, dtype=np.float32)
    levels = np.asarray(image.raw.clip_levels, dtype=np.float32)
    camera = image.linear @ np.linalg.inv(matrix).T.astype(np.float32)
    recovered, all_clipped = recover_partial(camera, image.sensor_clip, levels)
    full = np.repeat(all_clipped[..., None], 3, axis=2)
    recovered = np.where(full, np.minimum(recovered, np.min(levels)), recovered)
    linear = (recovered @ matrix.T).astype(np.float32)
    code = sensor_code(linear, full)
    return replace(image, linear=np.ascontiguousarray(linear), code=code, sensor_clip=full)
