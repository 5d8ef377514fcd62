"""Clipped regions by size: how wide each connected region of a mask is.

A network sees a limited neighbourhood around each pixel. In a clipped region much wider
than that it only fills the border; a pass on a smaller copy of the picture sees the whole
region but loses detail. :func:`coarse_weight` says, per pixel, how much of the coarse
estimate a region of that width should take.
"""

from __future__ import annotations

import cv2
import numpy as np


def region_inradius(mask: np.ndarray) -> np.ndarray:
    """(H, W) float32: for each pixel of ``mask`` (bool, H × W) the inradius of its
    8-connected region — the largest distance in pixels from a pixel of the region to the
    nearest pixel outside the mask; 0 outside. The picture's edge does not bound a region (a
    clipped sky goes on past the frame)."""
    m = np.ascontiguousarray(mask, dtype=np.uint8)
    out = np.zeros(m.shape, np.float32)
    if not m.any():
        return out
    if m.all():  # nothing outside: every pixel is as deep as the picture is wide
        out[:] = float(max(m.shape))
        return out
    # Work inside the mask's bounding box plus one pixel: that ring is outside the mask, so
    # every distance is the same as on the whole picture (the nearest outside pixel of a
    # region is never beyond it), and a box side on the picture's edge keeps no ring.
    rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
    y0, y1 = max(int(rows[0]) - 1, 0), min(int(rows[-1]) + 2, m.shape[0])
    x0, x1 = max(int(cols[0]) - 1, 0), min(int(cols[-1]) + 2, m.shape[1])
    box = np.ascontiguousarray(m[y0:y1, x0:x1])
    dist = cv2.distanceTransform(box, cv2.DIST_L2, 3)
    n, found = cv2.connectedComponents(box, connectivity=8)
    labels = np.asarray(found, np.int32)  # OpenCV's labels are int32 already: no copy
    top = np.zeros(n, np.float32)
    np.maximum.at(top, labels.ravel(), dist.ravel())
    top[0] = 0.0  # label 0 is outside the mask
    out[y0:y1, x0:x1] = top[labels]
    return out


def coarse_weight(mask: np.ndarray, near: float, far: float, inside: bool = False) -> np.ndarray:
    """(H, W) float32 weight of a coarse estimate: 0 in regions of ``mask`` whose inradius is
    at most ``near`` pixels (and outside the mask), 1 from ``far`` pixels on, linear between.
    ``inside``: only the mask's pixels, (N,) in row-major order (``weight[mask]``, without
    the full-size arithmetic)."""
    if not 0 <= near < far:
        raise ValueError(f"need 0 <= near < far, got {near}, {far}")
    r = region_inradius(mask)
    if inside:
        r = r[np.asarray(mask, dtype=bool)]
    return np.clip((r - np.float32(near)) / np.float32(far - near), 0, 1).astype(np.float32)


def fill_boxes(
    mask: np.ndarray, margin: int | None = None, merge_gap: int = 0
) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) around the 8-connected regions of the (H, W) bool ``mask``,
    each grown by ``margin`` pixels (default: 1/32 of the long side, at least 96 — a
    network's reach and its fill's smoothing) and clipped to the picture; boxes that
    overlap (or come within ``merge_gap``) are merged until none do."""
    import cv2

    m = np.ascontiguousarray(mask, dtype=bool)
    h, w = m.shape
    if not m.any():
        return []
    grow = max(96, round(max(h, w) / 32)) if margin is None else margin
    n, _, stats, _ = cv2.connectedComponentsWithStats(m.view(np.uint8), connectivity=8)
    boxes = [
        (
            max(0, int(x) - grow),
            max(0, int(y) - grow),
            min(w, int(x + bw) + grow),
            min(h, int(y + bh) + grow),
        )
        for x, y, bw, bh, _area in stats[1:n]
    ]
    merged = True
    while merged:
        merged = False
        out: list[tuple[int, int, int, int]] = []
        for b in sorted(boxes):
            for i, o in enumerate(out):
                if (
                    b[0] <= o[2] + merge_gap
                    and o[0] <= b[2] + merge_gap
                    and b[1] <= o[3] + merge_gap
                    and o[1] <= b[3] + merge_gap
                ):
                    out[i] = (min(b[0], o[0]), min(b[1], o[1]), max(b[2], o[2]), max(b[3], o[3]))
                    merged = True
                    break
            else:
                out.append(b)
        boxes = out
    return boxes
