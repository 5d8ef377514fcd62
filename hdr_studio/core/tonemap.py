"""Tone mapping with the ITU-R BT.2390 EETF (report BT.2390-10, section 5.4).

The EETF is a Hermite-spline knee in the PQ domain that leaves luminance below the knee
(``KS = 1.5·maxLum − 0.5``) unchanged and rolls off smoothly to the target peak. It is used
twice: to limit an HDR export's peak (``--peak-nits``, never a hard clip) and to preview HDR
on an SDR screen. It is applied to max(R, G, B) and the ratio is applied to all three
channels, so hue is kept and no channel exceeds the target peak.
"""

from __future__ import annotations

import numpy as np

from hdr_studio.core.transfer import REFERENCE_WHITE_NITS, pq_decode, pq_encode, srgb_encode


def _eetf_params(
    source_peak: float, target_peak: float, source_black: float
) -> tuple[float, float, float, float]:
    """(PQ of the source black, PQ span of the source, maxLum, knee start KS) — BT.2390."""
    # One number each: the transfer functions work on scalars as on arrays.
    pq_lb = float(pq_encode(np.float64(source_black)))  # type: ignore[arg-type]
    span = float(pq_encode(np.float64(source_peak))) - pq_lb  # type: ignore[arg-type]
    max_lum = (float(pq_encode(np.float64(target_peak))) - pq_lb) / span  # type: ignore[arg-type]
    return pq_lb, span, max_lum, 1.5 * max_lum - 0.5


def eetf_bt2390(
    nits: np.ndarray, source_peak: float, target_peak: float, source_black: float = 0.0
) -> np.ndarray:
    """Map absolute luminance ``nits`` (any shape, cd/m²) from a source with peak
    ``source_peak`` to a display with peak ``target_peak`` (BT.2390 EETF, no black lift).

    Identity when ``source_peak <= target_peak``.
    """
    x = np.asarray(nits, dtype=np.float32)
    if source_peak <= target_peak:
        return x.copy()
    # float64 inside: the PQ → spline → PQ⁻¹ round trip in float32 is not monotonic.
    x64 = x.astype(np.float64)
    pq_lb, span, max_lum, ks = _eetf_params(source_peak, target_peak, source_black)
    e1 = np.clip((pq_encode(x64) - pq_lb) / span, 0.0, 1.0)  # the source peak bounds it
    t = (e1 - ks) / (1 - ks)
    t2, t3 = t * t, t * t * t
    p = (2 * t3 - 3 * t2 + 1) * ks + (t3 - 2 * t2 + t) * (1 - ks) + (-2 * t3 + 3 * t2) * max_lum
    out = pq_decode(np.where(e1 < ks, e1, p) * span + pq_lb)
    # Below the knee the curve is the identity: return the input bit-exact there.
    return np.where(e1 < ks, x, out).astype(np.float32)


def knee_nits(source_peak: float, target_peak: float, source_black: float = 0.0) -> float:
    """Luminance (cd/m²) below which :func:`eetf_bt2390` is the identity."""
    if source_peak <= target_peak:
        return float("inf")
    pq_lb, span, _, ks = _eetf_params(source_peak, target_peak, source_black)
    return float(pq_decode(np.float64(ks * span + pq_lb)))  # type: ignore[arg-type]


def limit_peak(nits_rgb: np.ndarray, peak_nits: float, source_peak: float | None = None):
    """Roll RGB luminance (``(..., 3)``, cd/m²) off to ``peak_nits`` with the BT.2390 EETF
    applied to max(R, G, B); hue ratios kept. ``source_peak`` defaults to the image's max.
    Only pixels above the knee are touched (the curve is the identity below it)."""
    rgb = np.array(nits_rgb, dtype=np.float32, copy=True)
    m = np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])
    src = float(np.max(m)) if source_peak is None else float(source_peak)
    if src <= peak_nits:
        return rgb
    above = m > np.float32(knee_nits(src, peak_nits))
    m_above = m[above]
    scale = eetf_bt2390(m_above, src, peak_nits) / np.maximum(m_above, np.float32(1e-30))
    rgb[above] *= scale[:, None]
    return rgb


def tonemap_to_sdr(
    linear: np.ndarray,
    exposure_stops: float = 0.0,
    reference_white: float = REFERENCE_WHITE_NITS,
    source_peak: float | None = None,
) -> np.ndarray:
    """Preview linear HDR (``(..., 3)``, 1.0 = SDR white) on an SDR display.

    Luminance is scaled by ``2**exposure_stops``, rolled off with the EETF so that the
    image's peak lands on SDR white, and sRGB-encoded. Returns float32 display code values;
    conversion to 8 bits (and the only clamp) happens where pixels go to the screen/file.
    """
    return srgb_encode(tonemap_to_sdr_linear(linear, exposure_stops, reference_white, source_peak))


def tonemap_to_sdr_linear(
    linear: np.ndarray,
    exposure_stops: float = 0.0,
    reference_white: float = REFERENCE_WHITE_NITS,
    source_peak: float | None = None,
) -> np.ndarray:
    """:func:`tonemap_to_sdr` before its sRGB encoding: linear display values, 1.0 = white
    (what an SDR result is kept as; encoding and decoding it again would cost a 12 MP
    picture two powers per sample and change nothing but the last bits)."""
    x = np.asarray(linear, dtype=np.float32)
    gain = np.float32(2.0**exposure_stops)
    if x.size:  # nothing above white (the source's peak in cd/m², as limit_peak takes it):
        peak = float(np.max(x)) * float(gain) * reference_white  # no roll-off, the light
        if (peak if source_peak is None else float(source_peak)) <= reference_white:
            return x * gain  # as it is (not × white ÷ white: the same values, exactly)
    nits = x * np.float32(reference_white * 2.0**exposure_stops)
    mapped = limit_peak(nits, reference_white, source_peak)
    mapped /= np.float32(reference_white)
    return mapped


def to_display_uint8(code: np.ndarray) -> np.ndarray:
    """Display code values in [0, 1] → uint8 with rounding; the one place that clamps."""
    return (np.clip(np.asarray(code, dtype=np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
