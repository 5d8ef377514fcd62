"""Colour management by ICC profile with LittleCMS 2 (the engine of Pillow's ``ImageCms``,
GIMP and Krita), in 32-bit float: convert pixels from any RGB profile to a linear working
space and back, build the usual named and parametric profiles.

Pillow's ``ImageCms`` reaches LittleCMS only for 8-bit images; HDR Studio needs float in and
out (16-bit host layers, linear float documents with values above 1), so this module calls
the same library through ``ctypes``: the copy Pillow's wheel ships (``pillow.libs``), else
the system's ``liblcms2``. Float transforms between matrix-shaper profiles are unbounded in
LittleCMS (values above 1 and below 0 pass through the curves' extensions).

Named profiles (:data:`NAMED`) are built from their standard primaries, white point and
tone curve (IEC 61966-2-1 sRGB, SMPTE EG 432-1 Display P3, Adobe RGB (1998), ROMM /
ProPhoto RGB, ITU-R BT.2020, ACES AP1 / ACEScg) with LittleCMS's parametric curves.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import os
from dataclasses import dataclass

import numpy as np

# LittleCMS pixel formats: FLOAT_SH(1) | COLORSPACE_SH(PT_RGB=4) | CHANNELS_SH(3) | BYTES_SH(4)
TYPE_RGB_FLT = (1 << 22) | (4 << 16) | (3 << 3) | 4
INTENT_RELATIVE_COLORIMETRIC = 1
FLAGS_NOCACHE = 0x0040
FLAGS_BLACKPOINTCOMPENSATION = 0x2000
SIG_RGB = 0x52474220  # 'RGB '
SIG_DESCRIPTION = 0x64657363  # 'desc'
INFO_DESCRIPTION = 0


class CmsError(ValueError):
    """A profile LittleCMS cannot read or use, or LittleCMS is missing."""


class LibraryMissing(CmsError):
    """No LittleCMS library could be loaded."""


class _XyY(ctypes.Structure):
    _fields_ = (("x", ctypes.c_double), ("y", ctypes.c_double), ("Y", ctypes.c_double))


class _Triple(ctypes.Structure):
    _fields_ = (("red", _XyY), ("green", _XyY), ("blue", _XyY))


def _candidates() -> list[str]:
    found = []
    try:
        import PIL

        libs = os.path.join(os.path.dirname(os.path.dirname(PIL.__file__)), "pillow.libs")
        found += sorted(glob.glob(os.path.join(libs, "liblcms2*.so*")))
    except ImportError:
        pass
    system = ctypes.util.find_library("lcms2")
    if system:
        found.append(system)
    return [*found, "liblcms2.so.2"]


@functools.cache
def _lib() -> ctypes.CDLL:
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        p, u32, i32, d = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int32, ctypes.c_double
        for name, res, args in (
            ("cmsOpenProfileFromMem", p, [p, u32]),
            ("cmsCloseProfile", ctypes.c_int, [p]),
            ("cmsGetColorSpace", u32, [p]),
            ("cmsIsMatrixShaper", ctypes.c_int, [p]),
            ("cmsGetProfileInfoASCII", u32, [p, i32, ctypes.c_char_p, ctypes.c_char_p, p, u32]),
            ("cmsBuildParametricToneCurve", p, [p, i32, ctypes.POINTER(d)]),
            ("cmsFreeToneCurve", None, [p]),
            ("cmsCreateRGBProfile", p, [ctypes.POINTER(_XyY), ctypes.POINTER(_Triple), p]),
            ("cmsSaveProfileToMem", ctypes.c_int, [p, p, ctypes.POINTER(u32)]),
            ("cmsCreateTransform", p, [p, u32, p, u32, u32, u32]),
            ("cmsDeleteTransform", None, [p]),
            ("cmsDoTransform", None, [p, p, p, u32]),
            ("cmsMLUalloc", p, [p, u32]),
            (
                "cmsMLUsetASCII",
                ctypes.c_int,
                [p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p],
            ),
            ("cmsMLUfree", None, [p]),
            ("cmsWriteTag", ctypes.c_int, [p, u32, p]),
        ):
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        return lib
    raise LibraryMissing("LittleCMS 2 (liblcms2) was not found: install Pillow or liblcms2")


@dataclass(frozen=True)
class Curve:
    """A LittleCMS parametric tone curve (ICC ``para`` types): ``kind`` 1 is y = x^g,
    4 is the IEC 61966-2-1 form (g, a, b, c, d): y = (ax + b)^g for x ≥ d, else cx."""

    kind: int
    params: tuple[float, ...]


SRGB_CURVE = Curve(4, (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
LINEAR = Curve(1, (1.0,))
# ROMM RGB (ISO 22028-2): y = x^1.8 above 1/32 (x ≥ 16 Et with Et = 1/512), else x / 16.
ROMM_CURVE = Curve(4, (1.8, 1.0, 0.0, 1 / 16, 1 / 32))


def gamma(g: float) -> Curve:
    return Curve(1, (float(g),))


D65 = (0.3127, 0.3290)
D50 = (0.3457, 0.3585)
ACES_WHITE = (0.32168, 0.33767)
#: name → (white xy, (red, green, blue) xy, tone curve)
PRIMARIES_XY = {
    "rec709": (D65, ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06))),
    "p3": (D65, ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))),
    "adobergb": (D65, ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06))),
    "rec2020": (D65, ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046))),
    "prophoto": (D50, ((0.7347, 0.2653), (0.1596, 0.8404), (0.0366, 0.0001))),
    "acescg": (ACES_WHITE, ((0.713, 0.293), (0.165, 0.830), (0.128, 0.044))),
    "widergb": (D50, ((0.7347, 0.2653), (0.1152, 0.8264), (0.1566, 0.0177))),
}
#: Named profiles: name → (primaries, curve).
NAMED = {
    "srgb": ("rec709", SRGB_CURVE),
    "srgb-linear": ("rec709", LINEAR),
    "display-p3": ("p3", SRGB_CURVE),
    "p3": ("p3", SRGB_CURVE),
    "p3-linear": ("p3", LINEAR),
    "adobergb": ("adobergb", gamma(563 / 256)),
    "adobergb-linear": ("adobergb", LINEAR),
    "prophoto": ("prophoto", ROMM_CURVE),
    "prophoto-linear": ("prophoto", LINEAR),
    "rec2020": ("rec2020", gamma(2.4)),
    "rec2020-linear": ("rec2020", LINEAR),
    "acescg": ("acescg", LINEAR),
    "widergb": ("widergb", gamma(563 / 256)),
}


class Profile:
    """An open LittleCMS RGB profile (closed when collected)."""

    def __init__(self, handle: int, description: str, icc: bytes | None = None) -> None:
        self._handle, self.description, self._icc = handle, description, icc
        self._close = _lib().cmsCloseProfile  # kept: at exit the module may be gone first

    @classmethod
    def from_icc(cls, data: bytes) -> Profile:
        """A profile from ICC bytes; :class:`CmsError` for data that is not an RGB profile
        LittleCMS reads."""
        lib = _lib()
        buf = ctypes.create_string_buffer(bytes(data), len(data))
        handle = lib.cmsOpenProfileFromMem(buf, len(data))
        if not handle:
            raise CmsError("not an ICC profile LittleCMS can read")
        if lib.cmsGetColorSpace(handle) != SIG_RGB:
            lib.cmsCloseProfile(handle)
            raise CmsError("not an RGB profile (HDR Studio works on RGB layers)")
        return cls(handle, _description(handle), bytes(data))

    @classmethod
    def from_parameters(
        cls, primaries: str, curve: Curve, description: str | None = None
    ) -> Profile:
        """A matrix-shaper profile with ``primaries`` (a key of :data:`PRIMARIES_XY`) and
        the same ``curve`` on each channel."""
        lib = _lib()
        white, (r, g, b) = PRIMARIES_XY[primaries]
        params = (ctypes.c_double * 10)(*curve.params)
        tone = lib.cmsBuildParametricToneCurve(None, curve.kind, params)
        if not tone:
            raise CmsError(f"LittleCMS refused the tone curve {curve}")
        curves = (ctypes.c_void_p * 3)(tone, tone, tone)
        handle = lib.cmsCreateRGBProfile(
            ctypes.byref(_XyY(*white, 1.0)),
            ctypes.byref(_Triple(_XyY(*r, 1.0), _XyY(*g, 1.0), _XyY(*b, 1.0))),
            curves,
        )
        lib.cmsFreeToneCurve(tone)
        if not handle:
            raise CmsError(f"LittleCMS could not build a profile for {primaries}")
        description = description or f"{primaries} {curve}"
        mlu = lib.cmsMLUalloc(None, 1)
        lib.cmsMLUsetASCII(mlu, b"en", b"US", description.encode("ascii", "replace"))
        lib.cmsWriteTag(handle, SIG_DESCRIPTION, mlu)
        lib.cmsMLUfree(mlu)
        return cls(handle, description)

    @classmethod
    def named(cls, name: str, description: str | None = None) -> Profile:
        primaries, curve = NAMED[name]
        return cls.from_parameters(primaries, curve, description or name)

    @property
    def matrix_shaper(self) -> bool:
        return bool(_lib().cmsIsMatrixShaper(self._handle))

    def icc(self) -> bytes:
        """The profile as ICC bytes."""
        if self._icc is None:
            lib = _lib()
            size = ctypes.c_uint32(0)
            lib.cmsSaveProfileToMem(self._handle, None, ctypes.byref(size))
            buf = ctypes.create_string_buffer(size.value)
            if not lib.cmsSaveProfileToMem(self._handle, buf, ctypes.byref(size)):
                raise CmsError("LittleCMS could not write the profile")
            self._icc = buf.raw[: size.value]
        return self._icc

    def __del__(self) -> None:
        handle, self._handle = getattr(self, "_handle", None), None
        if handle and getattr(self, "_close", None) is not None:
            self._close(handle)


def _description(handle: int) -> str:
    lib = _lib()
    n = lib.cmsGetProfileInfoASCII(handle, INFO_DESCRIPTION, b"en", b"US", None, 0)
    if not n:
        return ""
    buf = ctypes.create_string_buffer(n)
    lib.cmsGetProfileInfoASCII(handle, INFO_DESCRIPTION, b"en", b"US", buf, n)
    return buf.value.decode("latin-1", "replace").strip()


def convert(pixels: np.ndarray, source: Profile, target: Profile) -> np.ndarray:
    """``pixels`` ``(..., 3)`` float32 encoded for ``source`` → float32 encoded for
    ``target`` (relative colorimetric, the white points adapted by the profiles' own
    chromatic adaptation). Unbounded between matrix-shaper profiles."""
    lib = _lib()
    src = np.ascontiguousarray(pixels, dtype=np.float32)
    if src.shape[-1:] != (3,):
        raise ValueError(f"pixels must be (..., 3), got {src.shape}")
    out = np.empty_like(src)
    transform = lib.cmsCreateTransform(
        source._handle,
        TYPE_RGB_FLT,
        target._handle,
        TYPE_RGB_FLT,
        INTENT_RELATIVE_COLORIMETRIC,
        FLAGS_NOCACHE,
    )
    if not transform:
        raise CmsError(f"LittleCMS cannot convert from '{source.description}'")
    try:
        flat_in, flat_out = src.reshape(-1, 3), out.reshape(-1, 3)
        step = 1 << 20
        for start in range(0, flat_in.shape[0], step):
            chunk_in, chunk_out = flat_in[start : start + step], flat_out[start : start + step]
            lib.cmsDoTransform(
                transform, chunk_in.ctypes.data, chunk_out.ctypes.data, chunk_in.shape[0]
            )
    finally:
        lib.cmsDeleteTransform(transform)
    return out


@functools.cache
def working(primaries: str = "rec2020") -> Profile:
    """The linear working profile for ``primaries`` (the engine's Rec.2020 by default)."""
    return Profile.from_parameters(primaries, LINEAR, f"{primaries} linear (HDR Studio)")


__all__ = [
    "NAMED",
    "PRIMARIES_XY",
    "CmsError",
    "Curve",
    "LibraryMissing",
    "Profile",
    "convert",
    "gamma",
    "working",
]
