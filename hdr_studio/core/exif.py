"""The few Exif fields HDR Studio carries and uses (camera, exposure, capture time,
orientation), read from a TIFF structure (TIFF/EP, Exif 2.3 §4.6) wherever a file keeps one:
an Exif blob (HEIC, an ``APP1`` segment), a TIFF-based raw file (CR2, NEF, ARW, DNG, PEF,
KDC, …), or the TIFF header a CR3 or RAF file embeds. Decoders that are not OpenImageIO
(LibRaw, libheif) give the pixels; this gives their metadata in the form
:attr:`hdr_studio.core.image.Image.metadata` has: name → (OpenImageIO type string, value).
"""

from __future__ import annotations

import struct

__all__ = ["exif_fields", "find_tiff_header"]

#: tag → (metadata name, OIIO type). IFD0 and the Exif sub-IFD (tag 0x8769).
_IFD0 = {
    0x010F: ("Make", "string"),
    0x0110: ("Model", "string"),
    0x0112: ("Orientation", "int"),
    0x0132: ("DateTime", "string"),
    0x013B: ("Artist", "string"),
    0x8298: ("Copyright", "string"),
}
_EXIF = {
    0x829A: ("ExposureTime", "float"),
    0x829D: ("FNumber", "float"),
    0x8827: ("Exif:ISOSpeedRatings", "int"),
    0x9003: ("Exif:DateTimeOriginal", "string"),
    0x920A: ("Exif:FocalLength", "float"),
    0xA434: ("Exif:LensModel", "string"),
}
_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8}
_MAX_ENTRIES = 512


def find_tiff_header(data: bytes, limit: int = 1 << 20) -> int | None:
    """Offset of the first TIFF header (``II*\\0`` or ``MM\\0*``) in the first ``limit``
    bytes of ``data``, or None."""
    window = data[:limit]
    found = [i for i in (window.find(b"II*\x00"), window.find(b"MM\x00*")) if i >= 0]
    return min(found) if found else None


def _value(tiff: bytes, order: str, typ: int, count: int, field: bytes) -> object | None:
    size = _TYPE_SIZE.get(typ)
    if size is None or count <= 0 or count > 4096:
        return None
    if size * count <= 4:
        raw = field[: size * count]
    else:
        (offset,) = struct.unpack(order + "I", field)
        raw = tiff[offset : offset + size * count]
        if len(raw) < size * count:
            return None
    if typ == 2:
        return raw.split(b"\x00")[0].decode("utf-8", errors="replace").strip()
    if typ == 3:
        return struct.unpack(order + "H", raw[:2])[0]
    if typ in (4, 9):
        return struct.unpack(order + ("I" if typ == 4 else "i"), raw[:4])[0]
    if typ in (5, 10):
        num, den = struct.unpack(order + ("II" if typ == 5 else "ii"), raw[:8])
        return num / den if den else None
    return None


def _ifd(tiff: bytes, order: str, offset: int, wanted: dict, out: dict) -> int | None:
    """Read the ``wanted`` tags of the IFD at ``offset`` into ``out``; return the Exif
    sub-IFD's offset if the IFD points to one."""
    if offset <= 0 or offset + 2 > len(tiff):
        return None
    (n,) = struct.unpack(order + "H", tiff[offset : offset + 2])
    sub = None
    for i in range(min(n, _MAX_ENTRIES)):
        entry = tiff[offset + 2 + 12 * i : offset + 14 + 12 * i]
        if len(entry) < 12:
            break
        tag, typ, count = struct.unpack(order + "HHI", entry[:8])
        if tag == 0x8769:
            sub = struct.unpack(order + "I", entry[8:12])[0]
        elif tag in wanted:
            value = _value(tiff, order, typ, count, entry[8:12])
            if value not in (None, ""):
                name, kind = wanted[tag]
                out[name] = (kind, float(value) if kind == "float" else value)  # type: ignore[arg-type]
    return sub


def exif_fields(data: bytes) -> dict[str, tuple[str, object]]:
    """Camera, exposure, time and orientation from the TIFF structure at the start of
    ``data`` (an Exif blob may begin with ``Exif\\0\\0``). Damaged or missing structures
    give fewer fields, never an error."""
    if data[:6] == b"Exif\x00\x00":
        data = data[6:]
    if len(data) < 8 or data[:4] not in (b"II*\x00", b"MM\x00*"):
        return {}
    order = "<" if data[:2] == b"II" else ">"
    out: dict[str, tuple[str, object]] = {}
    try:
        (ifd0,) = struct.unpack(order + "I", data[4:8])
        sub = _ifd(data, order, ifd0, _IFD0, out)
        if sub:
            _ifd(data, order, sub, _EXIF, out)
    except (struct.error, ValueError, ZeroDivisionError):
        pass
    return out
