"""Transfer functions: sRGB (IEC 61966-2-1), pure gamma, and PQ (SMPTE ST 2084).

All functions take and return float32 arrays of any shape and never clamp: values above 1
(HDR) and below 0 (out-of-gamut) pass through the curves' natural extensions, sign-mirrored
for negatives. The PQ constants are ST 2084's own rational definitions.

Named dispatch: :func:`decode` / :func:`encode` take ``"srgb"``, ``"linear"``,
``"gamma:<g>"`` or ``"pq"``.
"""

from __future__ import annotations

import functools

import numpy as np

#: HDR reference white (ITU-R BT.2408): the luminance SDR diffuse white maps to, cd/m².
REFERENCE_WHITE_NITS = 203.0
#: The peak luminance PQ encodes, cd/m².
PQ_PEAK_NITS = 10000.0
#: Adobe RGB (1998) encoding gamma.
ADOBE_RGB_GAMMA = 563.0 / 256.0


def _f32(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def srgb_decode(code: np.ndarray) -> np.ndarray:
    """sRGB code values → linear light (IEC 61966-2-1 EOTF), shape preserved."""
    c = _f32(code)
    a = np.abs(c)
    lin = np.where(a <= 0.04045, a / np.float32(12.92), ((a + 0.055) / 1.055) ** np.float32(2.4))
    return np.copysign(lin, c).astype(np.float32, copy=False)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """Linear light → sRGB code values (inverse EOTF), shape preserved, no clamping."""
    x = np.atleast_1d(_f32(linear))
    a = np.abs(x)
    # Float32 operations in place (a 12 MP image is 144 MB a temporary).
    code = a ** np.float32(1 / 2.4)
    code *= np.float32(1.055)
    code -= np.float32(0.055)
    np.multiply(a, np.float32(12.92), out=code, where=a <= np.float32(0.0031308))
    return np.copysign(code, x, out=code).reshape(np.shape(linear))


def gamma_decode(code: np.ndarray, gamma: float) -> np.ndarray:
    """Pure power law ``sign(c)·|c|^gamma``."""
    c = _f32(code)
    return np.copysign(np.abs(c) ** np.float32(gamma), c).astype(np.float32, copy=False)


def gamma_encode(linear: np.ndarray, gamma: float) -> np.ndarray:
    """Inverse of :func:`gamma_decode`."""
    x = _f32(linear)
    return np.copysign(np.abs(x) ** np.float32(1.0 / gamma), x).astype(np.float32, copy=False)


def _pq_constants() -> tuple[float, float, float, float, float]:
    """SMPTE ST 2084's m1, m2, c1, c2, c3 (its exact rational definitions)."""
    return (2610 / 16384, 2523 / 4096 * 128, 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32)


def _float(x: np.ndarray | float) -> np.ndarray:
    """float64 input stays float64 (for precise curve maths); anything else is float32."""
    a = np.asarray(x)
    return a if a.dtype == np.float64 else a.astype(np.float32)


def _pow(a: np.ndarray, exponent: float, inplace: bool = False) -> np.ndarray:
    """``a ** exponent`` for non-negative ``a``; float32 through OpenCV's SIMD pow (3× numpy).
    ``inplace``: into ``a`` itself (an array the caller owns)."""
    if a.dtype != np.float32 or a.size < 4096:
        if inplace:
            np.power(a, a.dtype.type(exponent), out=a)
            return a
        return a**exponent
    import cv2

    if inplace and a.flags.c_contiguous:
        flat = a.reshape(-1, 1)
        cv2.pow(flat, exponent, dst=flat)
        return a
    return cv2.pow(np.ascontiguousarray(a).reshape(-1, 1), exponent).reshape(a.shape)


def pq_encode(nits: np.ndarray) -> np.ndarray:
    """Absolute luminance in cd/m² → PQ signal in [0, 1] (SMPTE ST 2084 inverse EOTF).

    Negative input maps to 0 and input above 10 000 cd/m² above 1: PQ has no code values for
    them; callers limit the peak first (:func:`hdr_studio.core.tonemap.limit_peak`).
    float32 in, float32 out (float64 stays float64). Two working arrays, updated in place:
    on a 24 MP picture every fresh temporary costs more in page faults than its arithmetic.
    """
    m1, m2, c1, c2, c3 = _pq_constants()
    a = _float(nits)
    t = a.dtype.type
    y = np.maximum(a, t(0)).reshape(-1)  # a fresh array, ours to overwrite (0-d: 1-d)
    y /= t(PQ_PEAK_NITS)
    ym = _pow(y, m1, inplace=True)
    num = ym * t(c2)
    num += t(c1)
    ym *= t(c3)
    ym += t(1)
    num /= ym
    del ym, y
    return _pow(num, m2, inplace=True).reshape(a.shape)[()]  # a scalar for a scalar


def pq_decode(signal: np.ndarray) -> np.ndarray:
    """PQ signal in [0, 1] → absolute luminance in cd/m² (SMPTE ST 2084 EOTF)."""
    m1, m2, c1, c2, c3 = _pq_constants()
    a = _float(signal)
    e = _pow(np.maximum(a, 0), 1.0 / m2)
    y = _pow(np.maximum(e - c1, 0) / (c2 - c3 * e), 1.0 / m1)
    return (y * PQ_PEAK_NITS).astype(a.dtype, copy=False)


#: The display peak HLG signals are rendered for (ITU-R BT.2100 nominal, BT.2408's
#: reference: HLG's 75 % signal then lands on 203 cd/m²).
HLG_DISPLAY_PEAK_NITS = 1000.0


def hlg_decode(signal: np.ndarray) -> np.ndarray:
    """HLG signal in [0, 1] → display light in cd/m² on a 1000 cd/m² display (ITU-R BT.2100
    EOTF: inverse OETF, then the OOTF with its system gamma 1.2 on luminance; colour-science's
    implementation). ``signal``: (…, 3) RGB in Rec.2020; float32 out."""
    from hdr_studio.core._colour_science import colour

    a = np.asarray(signal, dtype=np.float64)
    nits = colour().models.eotf_BT2100_HLG(np.clip(a, 0.0, 1.0), L_W=HLG_DISPLAY_PEAK_NITS)
    return np.asarray(nits, dtype=np.float32)


def decode(code: np.ndarray, transfer: str, reference_white: float = REFERENCE_WHITE_NITS):
    """Decode code values with the named transfer function to relative linear light.

    ``"pq"`` and ``"hlg"`` return linear with 1.0 = ``reference_white`` cd/m² (so SDR white
    stays 1.0; HLG rendered for a 1000 cd/m² display).
    """
    if transfer == "srgb":
        return srgb_decode(code)
    if transfer == "linear":
        return _f32(code)
    if transfer == "pq":
        return pq_decode(code) / np.float32(reference_white)
    if transfer == "hlg":
        return hlg_decode(code) / np.float32(reference_white)
    if transfer.startswith("gamma:"):
        return gamma_decode(code, float(transfer.split(":", 1)[1]))
    raise ValueError(f"unknown transfer function {transfer!r}")


def srgb_encode_u8(linear: np.ndarray) -> np.ndarray:
    """8-bit sRGB codes of linear values (clipped to [0, 1]) through a table of 65 536 linear
    values 1/65535 apart: round(255 · :func:`srgb_encode`), a level off only within 1/131070
    of a rounding boundary, about 5× faster on a 12 MP picture than a power per sample."""
    x = _f32(linear) * np.float32(65535)
    np.clip(x, 0, 65535, out=x)
    x += np.float32(0.5)
    return _srgb_u8_table()[x.astype(np.uint16)]


@functools.cache
def _srgb_u8_table() -> np.ndarray:
    ramp = np.arange(65536, dtype=np.float32) / np.float32(65535)
    return np.rint(srgb_encode(ramp) * np.float32(255)).astype(np.uint8)


def decode_levels(code: np.ndarray, transfer: str, levels: int) -> np.ndarray:
    """:func:`decode` for code values that are integer levels k / (levels − 1) (8-, 10-, 12-
    and 16-bit files), through a table of the ``levels`` decoded values: the same float32
    results as :func:`decode` (each entry is decode of the same float32 value), ~10× faster
    on a 12 MP photo than a power per sample. PQ is decoded directly (its power runs through
    OpenCV on large arrays, numpy on small ones: a table would differ in the last bit)."""
    if not 2 <= levels <= 65536:
        raise ValueError(f"levels must be in [2, 65536], got {levels}")
    if transfer in ("pq", "hlg"):  # HLG's OOTF mixes the channels: no per-value table
        return decode(code, transfer)
    c = _f32(code)
    ramp = _level_ramp(levels)
    top = ramp.size - 1
    if levels <= 256 and c.size >= 4096:  # 8-bit: OpenCV's rounding, SIMD
        import cv2

        flat = np.ascontiguousarray(c).reshape(c.shape[0], -1)
        index = cv2.convertScaleAbs(flat, alpha=float(top)).reshape(c.shape)  # rounds, saturates
    else:
        index = np.rint(c * np.float32(top)).astype(np.uint16 if levels > 256 else np.uint8)
    return _look_up(index, decode(ramp, transfer))


def decode_indices(index: np.ndarray, transfer: str, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """(code values, linear values) of integer samples ``index`` (uint8 or uint16, k of
    ``levels``): k / (levels − 1) and its decode, both through tables — the same float32
    values as :func:`decode_levels` of those code values, without going through float
    codes and back (a 12 MP layer from a host arrives as integers). Not for PQ or HLG."""
    if transfer in ("pq", "hlg"):
        raise ValueError(f"{transfer} is decoded directly, not through a table")
    ramp = _level_ramp(levels)
    return _look_up(index, ramp), _look_up(index, decode(ramp, transfer))


def _level_ramp(levels: int) -> np.ndarray:
    """k / (levels − 1) for every level k, float32: the code values a table is made of."""
    return np.arange(levels, dtype=np.float32) / np.float32(levels - 1)


def _look_up(index: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table[index]``; 8-bit indices of a 256-entry table through OpenCV's lookup (SIMD,
    threaded; the same entries)."""
    if index.dtype == np.uint8 and table.size == 256 and index.size >= 4096:
        import cv2

        flat = np.ascontiguousarray(index).reshape(index.shape[0], -1)
        return cv2.LUT(flat, table).reshape(index.shape)
    return table[index]


def encode(linear: np.ndarray, transfer: str, reference_white: float = REFERENCE_WHITE_NITS):
    """Inverse of :func:`decode`."""
    if transfer == "srgb":
        return srgb_encode(linear)
    if transfer == "linear":
        return _f32(linear)
    if transfer == "pq":
        return pq_encode(_f32(linear) * np.float32(reference_white))
    if transfer.startswith("gamma:"):
        return gamma_encode(linear, float(transfer.split(":", 1)[1]))
    raise ValueError(f"unknown transfer function {transfer!r}")
