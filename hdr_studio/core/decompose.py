"""Edge-aware base/detail decomposition with the weighted-least-squares (WLS) filter of
Farbman, Fattal, Lischinski and Szeliski, "Edge-preserving decompositions for multi-scale
tone and detail manipulation", SIGGRAPH 2008 — as the base/detail hybrid seed uses it.

The base layer u minimises Σ_p (u_p − g_p)² + λ (a_x,p (∂u/∂x)²_p + a_y,p (∂u/∂y)²_p) with
smoothness weights a = (|∂ℓ|^α + ε)⁻¹ from the log-luminance ℓ of the guide, i.e. it solves
(I + λ L_g) u = g (Farbman eq. 4). The detail layer is the seed's ratio S_d = S ⊘ S_b.

Two solvers:

* :func:`wls_exact`: the sparse 2-D system, factorised once (SuperLU) — the reference, for
  small images (`auto` uses it up to 0.25 MP);
* :func:`wls_fast`: separable: 1-D WLS systems along rows then columns (each a batch of
  tridiagonal solves, LAPACK ``?ptsv``), iterated T times with λ_t = 1.5·4^(T−t)/(4^T − 1)·λ
  as in Min et al., "Fast global image smoothing based on weighted least squares", IEEE TIP
  2014 — same weights as the exact filter, linear time, for large images.
"""

from __future__ import annotations

import os
from typing import Literal

import numpy as np

DEFAULT_LAMBDA = 1.0
DEFAULT_ALPHA = 1.2
DEFAULT_EPS = 1e-4
#: The solvers :func:`decompose` offers: ``auto`` (exact up to :data:`EXACT_MAX_PIXELS`).
SOLVERS = ("auto", "exact", "fast")
#: Above this many pixels ``method="auto"`` uses the fast solver (exact: ~2 s at 0.25 MP).
EXACT_MAX_PIXELS = 250_000
_LOG_FLOOR = 1e-4


def _as_image(image: np.ndarray) -> tuple[np.ndarray, bool]:
    a = np.asarray(image, dtype=np.float32)
    if a.ndim == 2:
        return a[..., None], True
    if a.ndim != 3 or a.shape[0] < 2 or a.shape[1] < 2:
        raise ValueError(f"image must be (H, W) or (H, W, C) with H, W ≥ 2, got {a.shape}")
    return a, False


def log_luminance(image: np.ndarray) -> np.ndarray:
    """ℓ = log(Y + 1e-4) of an ``(H, W, C)`` image (Rec.709 weights for 3 channels, the mean
    otherwise), the guide Farbman's weights are computed on. Shape (H, W), float32."""
    a, _ = _as_image(image)
    if a.shape[2] == 3:
        y = a @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    else:
        y = a.mean(axis=2)
    return np.log(np.maximum(y, 0) + np.float32(_LOG_FLOOR)).astype(np.float32)


def wls_weights(
    guide_log: np.ndarray, alpha: float = DEFAULT_ALPHA, eps: float = DEFAULT_EPS
) -> tuple[np.ndarray, np.ndarray]:
    """Smoothness weights (a_x of shape (H, W−1), a_y of shape (H−1, W)) from a log guide."""
    g = np.asarray(guide_log, dtype=np.float32)
    ax = 1.0 / (np.abs(np.diff(g, axis=1)) ** np.float32(alpha) + np.float32(eps))
    ay = 1.0 / (np.abs(np.diff(g, axis=0)) ** np.float32(alpha) + np.float32(eps))
    return ax.astype(np.float32), ay.astype(np.float32)


def wls_exact(
    image: np.ndarray,
    lam: float = DEFAULT_LAMBDA,
    alpha: float = DEFAULT_ALPHA,
    eps: float = DEFAULT_EPS,
    guide: np.ndarray | None = None,
) -> np.ndarray:
    """Base layer by the exact sparse solve of (I + λ L_g) u = g. Shape as ``image``."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import splu

    a, squeeze = _as_image(image)
    h, w, c = a.shape
    ax, ay = wls_weights(log_luminance(a) if guide is None else guide, alpha, eps)
    n = h * w
    idx = np.arange(n).reshape(h, w)
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    wts = lam * np.concatenate([ax.ravel(), ay.ravel()]).astype(np.float64)
    adj = sp.coo_matrix((wts, (rows, cols)), shape=(n, n)).tocsr()
    adj = adj + adj.T
    deg = np.asarray(adj.sum(axis=1)).ravel()
    system = (sp.diags(1.0 + deg) - adj).tocsc()
    base = splu(system).solve(a.reshape(n, c).astype(np.float64))
    out = base.reshape(h, w, c).astype(np.float32)
    return out[..., 0] if squeeze else out


def _solve_chunk(planes: np.ndarray, a: np.ndarray, lam: np.float32, r0: int, r1: int) -> None:
    """Solve lines ``r0:r1`` of ``planes`` (C, R, n) in place (see :func:`_solve_lines`)."""
    # made at run time from LAPACK (no stub names it)
    from scipy.linalg.lapack import sptsv  # type: ignore[attr-defined]

    c, _, n = planes.shape
    rr = r1 - r0
    off = np.zeros((rr, n), dtype=np.float32)
    np.multiply(a[r0:r1], lam, out=off[:, :-1])
    diag = off + np.float32(1.0)
    diag[:, 1:] += off[:, :-1]
    np.negative(off, out=off)
    rhs = np.empty((rr * n, c), dtype=np.float32, order="F")
    for ch in range(c):
        rhs[:, ch] = planes[ch, r0:r1].ravel()
    _, _, x, info = sptsv(diag.ravel(), off.ravel()[:-1], rhs, overwrite_b=1)
    if info != 0:
        raise ArithmeticError(f"tridiagonal WLS solve failed (info={info})")
    for ch in range(c):
        planes[ch, r0:r1] = x[:, ch].reshape(rr, n)


def _solve_lines(planes: np.ndarray, a: np.ndarray, lam: np.float32) -> None:
    """Solve, in place, the 1-D WLS system (I + λ L) u = f along the last axis of every
    line of ``planes`` (C, R, n) with weights ``a`` (R, n−1). Lines are independent, so the
    block-diagonal, symmetric positive-definite tridiagonal system is split into chunks
    solved on parallel threads (LAPACK ``sptsv`` releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    r = planes.shape[1]
    workers = max(1, min(4, os.cpu_count() or 1, r // 64))
    bounds = np.linspace(0, r, workers + 1).astype(int)
    if workers == 1:
        _solve_chunk(planes, a, lam, 0, r)
        return
    with ThreadPoolExecutor(workers) as pool:
        jobs = [
            pool.submit(_solve_chunk, planes, a, lam, int(bounds[i]), int(bounds[i + 1]))
            for i in range(workers)
        ]
        for job in jobs:
            job.result()


def _transpose_planes(src: np.ndarray, dst: np.ndarray) -> None:
    """``dst[c] = src[c].T`` for every plane (OpenCV's blocked transpose: 4× numpy's)."""
    import cv2

    for ch in range(src.shape[0]):
        cv2.transpose(src[ch], dst[ch])


def wls_fast(
    image: np.ndarray,
    lam: float = DEFAULT_LAMBDA,
    alpha: float = DEFAULT_ALPHA,
    eps: float = DEFAULT_EPS,
    iterations: int = 3,
    guide: np.ndarray | None = None,
) -> np.ndarray:
    """Base layer by separable 1-D WLS passes (rows, then columns), ``iterations`` times."""
    a, squeeze = _as_image(image)
    ax, ay = wls_weights(log_luminance(a) if guide is None else guide, alpha, eps)
    ay_t = np.ascontiguousarray(ay.T)
    rows = np.ascontiguousarray(a.transpose(2, 0, 1))  # planar (C, H, W)
    cols = np.empty((rows.shape[0], rows.shape[2], rows.shape[1]), dtype=np.float32)
    for t in range(1, iterations + 1):
        lam_t = np.float32(1.5 * 4.0 ** (iterations - t) / (4.0**iterations - 1.0) * lam)
        _solve_lines(rows, ax, lam_t)
        _transpose_planes(rows, cols)
        _solve_lines(cols, ay_t, lam_t)
        _transpose_planes(cols, rows)
    out = np.ascontiguousarray(rows.transpose(1, 2, 0))
    return out[..., 0] if squeeze else out


def wls_base(
    image: np.ndarray,
    lam: float = DEFAULT_LAMBDA,
    alpha: float = DEFAULT_ALPHA,
    eps: float = DEFAULT_EPS,
    method: Literal["auto", "exact", "fast"] = "auto",
) -> np.ndarray:
    """WLS base layer with the solver ``method`` (``auto``: exact up to 0.25 MP, else fast)."""
    a, _ = _as_image(image)
    if method == "auto":
        method = "exact" if a.shape[0] * a.shape[1] <= EXACT_MAX_PIXELS else "fast"
    if method == "exact":
        return wls_exact(image, lam, alpha, eps)
    if method == "fast":
        return wls_fast(image, lam, alpha, eps)
    raise ValueError(f"method must be 'auto', 'exact' or 'fast', got {method!r}")


def detail_visual(detail: np.ndarray) -> np.ndarray:
    """Detail layer (a ratio around 1) for display: 0.5 + 0.5·log2(S_d), in [0, 1]."""
    d = np.maximum(np.asarray(detail, dtype=np.float32), np.float32(1e-4))
    return np.clip(0.5 + 0.5 * np.log2(d), 0.0, 1.0).astype(np.float32)


def decompose(
    image: np.ndarray,
    lam: float = DEFAULT_LAMBDA,
    alpha: float = DEFAULT_ALPHA,
    eps: float = DEFAULT_EPS,
    method: Literal["auto", "exact", "fast"] = "auto",
    min_base: float = 1e-3,
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``image`` (the seed applies it to the SDR image S) into base S_b and detail
    S_d = S ⊘ max(S_b, ``min_base``). Returns float32 arrays shaped like ``image``. A picture
    one pixel high or wide is smoothed as a 2-pixel one made by repeating its edge."""
    s = np.asarray(image, dtype=np.float32)
    if s.ndim >= 2 and min(s.shape[:2]) == 1:
        h, w = s.shape[:2]
        pad = [(0, 2 - h if h < 2 else 0), (0, 2 - w if w < 2 else 0)] + [(0, 0)] * (s.ndim - 2)
        base = wls_base(np.pad(s, pad, mode="edge"), lam, alpha, eps, method)[:h, :w]
    else:
        base = wls_base(s, lam, alpha, eps, method)
    detail = s / np.maximum(base, np.float32(min_base))
    return base, detail.astype(np.float32)
