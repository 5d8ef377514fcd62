"""Writing a minimal, valid Bayer CFA DNG (Adobe DNG Specification 1.4): the raw files the
tests and ``bench/raw_quality.py`` make from known scenes, which LibRaw then reads like a
camera's.

One uncompressed 16-bit strip, a 2×2 CFA pattern, black and white levels, ColorMatrix1
(XYZ → camera, D65), AsShotNeutral (the camera's response to white), Make/Model and
Orientation. Written by hand with :mod:`struct`: TIFF 6.0 baseline structure, little
endian.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from hdr_studio.core.atomic import atomic_path

__all__ = ["CFA_PATTERNS", "write_dng"]

#: DNG CFAPattern codes (0 red, 1 green, 2 blue) by name.
CFA_PATTERNS = {
    "RGGB": (0, 1, 1, 2),
    "BGGR": (2, 1, 1, 0),
    "GRBG": (1, 0, 2, 1),
    "GBRG": (1, 2, 0, 1),
}

_SHORT, _LONG, _RATIONAL, _SRATIONAL, _ASCII, _BYTE = 3, 4, 5, 10, 2, 1


def _rational(value: float, signed: bool) -> tuple[int, int]:
    den = 1_000_000
    return round(value * den), den


def _entry(tag: int, typ: int, values) -> tuple[int, int, int, bytes]:
    """One IFD entry: (tag, type, count, payload bytes)."""
    if typ == _ASCII:
        return tag, typ, len(values), values
    if typ in (_RATIONAL, _SRATIONAL):
        fmt = "<" + ("ii" if typ == _SRATIONAL else "II") * len(values)
        flat = [x for v in values for x in _rational(v, typ == _SRATIONAL)]
        return tag, typ, len(values), struct.pack(fmt, *flat)
    code = {_SHORT: "H", _LONG: "I", _BYTE: "B"}[typ]
    return tag, typ, len(values), struct.pack("<" + code * len(values), *values)


def _tiff(entries: list[tuple[int, int, int, bytes]], pixels: bytes) -> bytes:
    """A little-endian TIFF of one IFD (``entries`` sorted by tag; tag 273, StripOffsets,
    is pointed at ``pixels``, which follow the IFD's out-of-line values)."""
    ifd_offset = 8
    data_start = ifd_offset + 2 + 12 * len(entries) + 4
    extra = bytearray()
    fields = []
    for tag, typ, count, payload in entries:
        if len(payload) <= 4:
            fields.append((tag, typ, count, payload.ljust(4, b"\x00")))
            continue
        if (data_start + len(extra)) % 2:
            extra += b"\x00"
        fields.append((tag, typ, count, struct.pack("<I", data_start + len(extra))))
        extra += payload
    strip_offset = data_start + len(extra) + ((data_start + len(extra)) % 2)
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_offset))
    out += struct.pack("<H", len(fields))
    for tag, typ, count, value in fields:
        payload = struct.pack("<I", strip_offset) if tag == 273 else value
        out += struct.pack("<HHI", tag, typ, count) + payload
    out += struct.pack("<I", 0) + extra
    out += b"\x00" * (strip_offset - len(out))
    return bytes(out + pixels)


def write_dng(
    path: str | Path,
    cfa: np.ndarray,
    *,
    pattern: str = "RGGB",
    black: int = 0,
    white: int = 65535,
    color_matrix: np.ndarray | None = None,
    as_shot_neutral: tuple[float, float, float] = (1.0, 1.0, 1.0),
    make: str = "HDR Studio",
    model: str = "Simulated sensor",
    orientation: int = 1,
    force: bool = False,
) -> Path:
    """Write the mosaic ``cfa`` ((H, W) uint16 photosite values, ``pattern`` the colour of
    the top-left 2×2 block) as a DNG at ``path`` (atomically). ``color_matrix``: (3, 3)
    XYZ (D65) → camera RGB (DNG ColorMatrix1; default the identity); ``as_shot_neutral``:
    the camera's RGB response to the white the photo was balanced for."""
    data = np.asarray(cfa)
    if data.ndim != 2 or data.dtype != np.uint16:
        raise ValueError(f"cfa must be (H, W) uint16, got {data.shape} {data.dtype}")
    if pattern not in CFA_PATTERNS:
        raise ValueError(f"pattern must be one of {sorted(CFA_PATTERNS)}, got {pattern!r}")
    if not 0 <= black < white <= 65535:
        raise ValueError(f"need 0 <= black < white <= 65535, got {black}, {white}")
    h, w = data.shape
    matrix = np.eye(3) if color_matrix is None else np.asarray(color_matrix, dtype=np.float64)
    pixels = data.astype("<u2").tobytes()
    entries = [
        _entry(254, _LONG, [0]),  # NewSubFileType: the main image
        _entry(256, _LONG, [w]),
        _entry(257, _LONG, [h]),
        _entry(258, _SHORT, [16]),
        _entry(259, _SHORT, [1]),  # no compression
        _entry(262, _SHORT, [32803]),  # PhotometricInterpretation: CFA
        _entry(271, _ASCII, make.encode() + b"\x00"),
        _entry(272, _ASCII, model.encode() + b"\x00"),
        _entry(273, _LONG, [0]),  # StripOffsets: set by _tiff
        _entry(274, _SHORT, [orientation]),
        _entry(277, _SHORT, [1]),
        _entry(278, _LONG, [h]),
        _entry(279, _LONG, [len(pixels)]),
        _entry(284, _SHORT, [1]),
        _entry(33421, _SHORT, [2, 2]),  # CFARepeatPatternDim
        _entry(33422, _BYTE, list(CFA_PATTERNS[pattern])),  # CFAPattern
        _entry(50706, _BYTE, [1, 4, 0, 0]),  # DNGVersion
        _entry(50707, _BYTE, [1, 1, 0, 0]),  # DNGBackwardVersion
        _entry(50708, _ASCII, f"{make} {model}".encode() + b"\x00"),  # UniqueCameraModel
        _entry(50710, _BYTE, [0, 1, 2]),  # CFAPlaneColor
        _entry(50711, _SHORT, [1]),  # CFALayout: rectangular
        _entry(50714, _LONG, [black]),  # BlackLevel
        _entry(50717, _LONG, [white]),  # WhiteLevel
        _entry(50721, _SRATIONAL, [float(v) for v in matrix.ravel()]),  # ColorMatrix1
        _entry(50728, _RATIONAL, [float(v) for v in as_shot_neutral]),  # AsShotNeutral
        _entry(50778, _SHORT, [21]),  # CalibrationIlluminant1: D65
    ]
    path = Path(path)
    with atomic_path(path, force=force) as tmp:
        tmp.write_bytes(_tiff(sorted(entries), pixels))
    return path
