"""Image-quality metrics for HDR reconstruction (numpy).

* :func:`pq_psnr`: PSNR of PQ-encoded images (linear 1.0 → 203 cd/m², ST 2084 signal with
  peak 1), optionally inside a mask; a perceptually uniform HDR PSNR that needs no extra
  package.
* :func:`log_l1`: mean |log(x̂ + ε) − log(x + ε)|, the seeds' log-domain error.
"""

from __future__ import annotations

import numpy as np

from hdr_studio.core.transfer import REFERENCE_WHITE_NITS, pq_encode


def _masked(a: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is None:
        return a.reshape(-1, a.shape[-1])
    return a[np.asarray(mask, dtype=bool)]


def pq_psnr(
    pred: np.ndarray,
    truth: np.ndarray,
    mask: np.ndarray | None = None,
    reference_white: float = REFERENCE_WHITE_NITS,
) -> float:
    """PSNR (dB) between PQ encodings of linear ``pred`` and ``truth`` (H, W, 3), over the
    pixels of boolean ``mask`` (H, W) if given. ``inf`` if identical, ``nan`` if empty."""
    p = _masked(pred, mask)
    t = _masked(truth, mask)
    if p.size == 0:
        return float("nan")
    ep = pq_encode(np.maximum(p, 0) * np.float32(reference_white)).astype(np.float64)
    et = pq_encode(np.maximum(t, 0) * np.float32(reference_white)).astype(np.float64)
    mse = float(np.mean((ep - et) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def log_l1(
    pred: np.ndarray, truth: np.ndarray, mask: np.ndarray | None = None, eps: float = 1e-3
) -> float:
    """Mean absolute log error over ``mask`` (``nan`` if empty)."""
    p = _masked(pred, mask)
    t = _masked(truth, mask)
    if p.size == 0:
        return float("nan")
    lp = np.log(np.maximum(p, 0).astype(np.float64) + eps)
    lt = np.log(np.maximum(t, 0).astype(np.float64) + eps)
    return float(np.mean(np.abs(lp - lt)))
