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


def _colour_features(px: np.ndarray) -> np.ndarray:
    """(K, 9) colour of pixels (K, 3): log(x_c / mean(the other two)) for c = R, G, B, then
    log(x_c / x_s) for the six ordered pairs in :data:`_PAIRS`."""
    x = np.maximum(px.astype(np.float64), 1e-6)
    logs = np.log(x)
    opposed = [logs[:, c] - np.log(0.5 * (x[:, (c + 1) % 3] + x[:, (c + 2) % 3])) for c in range(3)]
    pairs = [logs[:, c] - logs[:, s] for c, s in _PAIRS]
    return np.stack(opposed + pairs, axis=1)


_PAIRS = [(c, s) for c in range(3) for s in range(3) if c != s]


def recover_partial(
    camera: np.ndarray, clip: np.ndarray, clip_levels: np.ndarray, ring: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild the clipped channels of pixels where at least one channel survived.

    camera: (H, W, 3) float32 white-balanced camera RGB. clip: (H, W, 3) bool, the
    sensor's per-channel saturation. clip_levels: (3,) each channel's saturation level in
    ``camera``'s units. Returns (recovered (H, W, 3) float32, all_clipped (H, W) bool)."""
    cam = np.asarray(camera, dtype=np.float32)
    out = cam.copy()
    (ys, xs), rebuilt, all_clipped = _recover_sparse(cam, clip, clip_levels, ring)
    out[ys, xs] = rebuilt
    return out, all_clipped


def _recover_sparse(
    cam: np.ndarray, clip: np.ndarray, clip_levels: np.ndarray, ring: int
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
    """:func:`recover_partial`'s work on the partially clipped pixels alone: ((ys, xs)
    their positions, (K, 3) float32 their rebuilt values, (H, W) bool all_clipped)."""
    import cv2

    if cam.ndim != 3 or cam.shape[2] != 3 or clip.shape != cam.shape:
        raise ValueError(f"camera and clip must be (H, W, 3), got {cam.shape}, {clip.shape}")
    # the clipped channels per pixel, by channel slices (numpy sums a short last axis slowly)
    flags = np.asarray(clip, dtype=bool).view(np.uint8)
    count = np.add(np.add(flags[..., 0], flags[..., 1]), flags[..., 2], dtype=np.uint8)
    all_clipped = count == 3
    any_clip = (count > 0).view(np.uint8)
    ys, xs = np.nonzero((count > 0) & ~all_clipped)
    if ys.size == 0:
        return (ys, xs), np.zeros((0, 3), np.float32), all_clipped
    n, labels = cv2.connectedComponents(any_clip, connectivity=8, ltype=cv2.CV_32S)
    k = 2 * ring + 1
    grown = cv2.dilate(labels.astype(np.float32), np.ones((k, k), np.uint8))
    ring_mask = (grown > 0) & (any_clip == 0)
    ring_px = cam[ring_mask]
    usable = ring_px.min(axis=1) > 0
    ring_px = ring_px[usable]
    ring_labels = grown[ring_mask][usable].astype(np.int64)
    top = float(np.min(clip_levels))
    weights = np.clip(ring_px.max(axis=1) / top, 0.0, 1.0).astype(np.float64) ** 2 + 1e-3
    feats = _colour_features(ring_px)
    sums = np.stack(
        [np.bincount(ring_labels, feats[:, j] * weights, minlength=n) for j in range(9)], axis=1
    )
    wsum = np.bincount(ring_labels, weights, minlength=n)
    fallback = np.average(feats, axis=0, weights=weights) if weights.size else np.zeros(9)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(wsum[:, None] > 0, sums / wsum[:, None], fallback)
    f = means[labels[ys, xs].astype(np.intp)]
    x = cam[ys, xs].astype(np.float64)
    c3 = clip[ys, xs]
    rec = x.copy()
    one = c3.sum(axis=1) == 1
    for c in range(3):
        sel = one & c3[:, c]
        others = 0.5 * (x[sel, (c + 1) % 3] + x[sel, (c + 2) % 3])
        rec[sel, c] = np.maximum(x[sel, c], np.exp(f[sel, c]) * others)
    two = ~one
    for s in range(3):  # the channel that survived
        sel = two & ~c3[:, s]
        for c in range(3):
            if c != s:
                j = 3 + _PAIRS.index((c, s))
                rec[sel, c] = np.maximum(x[sel, c], np.exp(f[sel, j]) * x[sel, s])
    return (ys, xs), rec.astype(np.float32), all_clipped


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
    Pixels with no channel clipped keep their values exactly. Other images are returned
    as they are."""
    from dataclasses import replace

    from hdr_studio.core.gamut import apply_matrix
    from hdr_studio.core.raw import sensor_code

    if image.raw is None or image.sensor_clip is None:
        return image
    matrix = np.asarray(image.raw.camera_to_output, dtype=np.float64)
    levels = np.asarray(image.raw.clip_levels, dtype=np.float32)
    camera = apply_matrix(image.linear, np.linalg.inv(matrix))
    (ys, xs), rebuilt, all_clipped = _recover_sparse(camera, image.sensor_clip, levels, ring=4)
    # Only the pixels with a clipped channel change: the partial ones rebuilt, the full ones
    # at the lowest channel's saturation level, both back through the camera matrix.
    fy, fx = np.nonzero(all_clipped)
    changed_y, changed_x = np.concatenate([ys, fy]), np.concatenate([xs, fx])
    values = np.concatenate([rebuilt, np.minimum(camera[fy, fx], np.min(levels))])
    values = apply_matrix(values, matrix)
    linear = image.linear.copy()
    linear[changed_y, changed_x] = values
    code = np.array(image.code, dtype=np.float32, copy=True)
    full = np.repeat(all_clipped[changed_y, changed_x][:, None], 3, axis=1)
    code[changed_y, changed_x] = sensor_code(values, full)
    # What clipped is now in the code values alone: the method may resize or flip the image.
    return replace(
        image, linear=np.ascontiguousarray(linear), code=code, sensor_clip=None, raw=None
    )
