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


# PU21 (Mantiuk & Azimi, PCS 2021), "banding_glare" parameters p1..p7.
PU21_BANDING_GLARE = (
    0.353487901,
    0.3734658629,
    8.277049286e-05,
    0.9062562627,
    0.09150303166,
    0.9099517204,
    596.3148142,
)
PU21_PEAK = 256.0  # PSNR peak: PU21's value near 100 cd/m² (the metric's convention)


def pu21_encode(nits: np.ndarray) -> np.ndarray:
    """PU21 perceptually uniform encoding of absolute luminance (cd/m²), clamped to
    [0.005, 10000] as the metric defines: V = p7·(((p1 + p2·Y^p4)/(1 + p3·Y^p4))^p5 − p6)."""
    p1, p2, p3, p4, p5, p6, p7 = PU21_BANDING_GLARE
    y = np.clip(np.asarray(nits, np.float64), 0.005, 10000.0)
    yp = y**p4
    return p7 * (((p1 + p2 * yp) / (1 + p3 * yp)) ** p5 - p6)


def pu21_psnr(
    pred: np.ndarray,
    truth: np.ndarray,
    mask: np.ndarray | None = None,
    reference_white: float = REFERENCE_WHITE_NITS,
) -> float:
    """PU21-PSNR (dB, peak 256) of linear RGB images with 1.0 = ``reference_white`` cd/m²,
    each channel encoded, over the pixels of ``mask`` if given (``nan`` if empty)."""
    p = _masked(pred, mask)
    t = _masked(truth, mask)
    if p.size == 0:
        return float("nan")
    ep = pu21_encode(np.maximum(p, 0) * reference_white)
    et = pu21_encode(np.maximum(t, 0) * reference_white)
    mse = float(np.mean((ep - et) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(PU21_PEAK**2 / mse)


def psnr(pred: np.ndarray, truth: np.ndarray, peak: float = 1.0) -> float:
    mse = float(np.mean((np.asarray(pred, np.float64) - np.asarray(truth, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(peak**2 / mse)


def ssim(pred: np.ndarray, truth: np.ndarray, data_range: float = 1.0) -> float:
    """Mean SSIM (Wang et al. 2004: Gaussian window σ = 1.5, K1 = 0.01, K2 = 0.03) of
    (H, W) or (H, W, C) images, averaged over channels."""
    import cv2

    a = np.asarray(pred, np.float64)
    b = np.asarray(truth, np.float64)
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    vals = []
    for ch in range(a.shape[2]):
        x, y = a[..., ch], b[..., ch]

        def blur(v):
            return cv2.GaussianBlur(v, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

        mx, my = blur(x), blur(y)
        sxx, syy, sxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
        m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx**2 + my**2 + c1) * (sxx + syy + c2))
        vals.append(float(m[5:-5, 5:-5].mean()) if min(m.shape) > 10 else float(m.mean()))
    return float(np.mean(vals))


#: BT.2100 RGB (Rec.2020, linear) → LMS, and PQ L'M'S' → ICtCp.
_LMS = np.array([[1688, 2146, 262], [683, 2951, 462], [99, 309, 3688]], np.float64) / 4096
_ICTCP = np.array([[2048, 2048, 0], [6610, -13613, 7003], [17933, -17390, -543]], np.float64) / 4096


def ictcp(
    linear: np.ndarray, primaries: str = "rec709", reference_white: float = REFERENCE_WHITE_NITS
):
    """ICtCp (ITU-R BT.2100, PQ) of linear pixels (N, 3) in ``primaries`` with 1.0 =
    ``reference_white`` cd/m²; negative light is clipped to 0."""
    from hdr_studio.core.gamut import rgb_to_rgb_matrix

    rgb2020 = np.maximum(linear.astype(np.float64), 0) @ rgb_to_rgb_matrix(primaries, "rec2020").T
    lms = np.maximum(rgb2020 @ _LMS.T, 0) * reference_white
    return pq_encode(lms).astype(np.float64) @ _ICTCP.T


def delta_e_itp(
    pred: np.ndarray,
    truth: np.ndarray,
    mask: np.ndarray | None = None,
    primaries: str = "rec709",
    reference_white: float = REFERENCE_WHITE_NITS,
) -> float:
    """Mean ΔE_ITP (ITU-R BT.2124) between linear ``pred`` and ``truth`` (H, W, 3) over the
    pixels of ``mask``: 720·√(ΔI² + (ΔCt/2)² + ΔCp²); 1 is about a just-noticeable
    difference. ``nan`` for an empty mask."""
    p = _masked(pred, mask)
    t = _masked(truth, mask)
    if p.size == 0:
        return float("nan")
    d = ictcp(p, primaries, reference_white) - ictcp(t, primaries, reference_white)
    d[:, 1] *= 0.5  # T = Ct / 2
    return float(np.mean(720.0 * np.sqrt(np.sum(d * d, axis=1))))


def luminance(linear: np.ndarray) -> np.ndarray:
    """Relative luminance of linear Rec.709 pixels (…, 3) (BT.709 weights), float64."""
    return np.asarray(linear, np.float64) @ np.array([0.2126, 0.7152, 0.0722])


def brightness_errors(
    pred: np.ndarray, truth: np.ndarray, mask: np.ndarray, floor: float = 1e-4
) -> tuple[float, float]:
    """How bright a reconstruction's clipped region came back, in stops (log2), over the
    pixels of ``mask``: (the signed mean of log2(Ŷ / Y) per pixel, log2 of the ratio of the
    99th percentiles of Ŷ and Y — how bright its brightest 1 % came back). Negative: too
    dark. ``nan`` for an empty mask."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return float("nan"), float("nan")
    yp = np.maximum(luminance(pred[m]), floor)
    yt = np.maximum(luminance(truth[m]), floor)
    mean = float(np.mean(np.log2(yp / yt)))
    top = float(np.log2(np.percentile(yp, 99) / np.percentile(yt, 99)))
    return mean, top
