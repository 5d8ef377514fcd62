"""The Exif fields HDR Studio carries and uses (camera, exposure, capture time,
orientation, the GPS position), read from a TIFF structure (TIFF/EP, Exif 2.3 §4.6) wherever
a file keeps one: an Exif blob (HEIC, an ``APP1`` segment), a TIFF-based raw file (CR2, NEF,
ARW, DNG, PEF, KDC, …), or the TIFF header a CR3 or RAF file embeds. Decoders that are not
OpenImageIO (LibRaw, libheif) give the pixels; this gives their metadata in the form
:attr:`hdr_studio.core.image.Image.metadata` has: name → (OpenImageIO type string, value),
by OpenImageIO's names and types, so the writers carry them as they carry a JPEG's.
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
#: The GPS IFD (tag 0x8825): where the photo was taken (Exif 2.3 §4.6.6).
_GPS = {
    0x0000: ("GPS:VersionID", "int[4]"),
    0x0001: ("GPS:LatitudeRef", "string"),
    0x0002: ("GPS:Latitude", "float[3]"),
    0x0003: ("GPS:LongitudeRef", "string"),
    0x0004: ("GPS:Longitude", "float[3]"),
    0x0005: ("GPS:AltitudeRef", "int"),
    0x0006: ("GPS:Altitude", "float"),
    0x0007: ("GPS:TimeStamp", "float[3]"),
    0x0010: ("GPS:ImgDirectionRef", "string"),
    0x0011: ("GPS:ImgDirection", "float"),
    0x001D: ("GPS:DateStamp", "string"),
}
#: Tags that point to another IFD: the Exif and GPS sub-IFDs.
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8}
_NUMBER = {1: "B", 3: "H", 4: "I", 9: "i"}
_MAX_ENTRIES = 512


def find_tiff_header(data: bytes, limit: int = 1 << 20) -> int | None:
    """Offset of the first TIFF header (``II*\\0`` or ``MM\\0*``) in the first ``limit``
    bytes of ``data``, or None."""
    window = data[:limit]
    found = [i for i in (window.find(b"II*\x00"), window.find(b"MM\x00*")) if i >= 0]
    return min(found) if found else None


def _value(tiff: bytes, order: str, typ: int, count: int, field: bytes) -> object | None:
    """The entry's value: a string, a number, or a tuple of ``count`` numbers."""
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
    if typ in _NUMBER:
        values: tuple = struct.unpack(order + _NUMBER[typ] * count, raw)
    elif typ in (5, 10):
        pairs = struct.unpack(order + ("II" if typ == 5 else "ii") * count, raw)
        if any(den == 0 for den in pairs[1::2]):
            return None
        values = tuple(num / den for num, den in zip(pairs[::2], pairs[1::2], strict=True))
    else:
        return None
    return values[0] if count == 1 else values


def _typed(kind: str, value: object) -> object | None:
    """``value`` as the OpenImageIO type ``kind`` holds it (None: the wrong shape)."""
    if kind == "string":
        return value if isinstance(value, str) and value else None
    if kind.endswith("]"):  # "float[3]", "int[4]"
        n = int(kind[kind.index("[") + 1 : -1])
        if not isinstance(value, tuple) or len(value) != n:
            return None
        return tuple(float(v) if kind.startswith("float") else int(v) for v in value)
    if isinstance(value, tuple) and value:  # ISO as two numbers, say: the first counts
        value = value[0]
    if value is None or isinstance(value, tuple | str):
        return None
    return float(value) if kind == "float" else int(value)  # type: ignore[arg-type]


def _ifd(tiff: bytes, order: str, offset: int, wanted: dict, out: dict) -> dict[int, int]:
    """Read the ``wanted`` tags of the IFD at ``offset`` into ``out``; return the offsets
    of the sub-IFDs it points to (Exif, GPS) by their tag."""
    subs: dict[int, int] = {}
    if offset <= 0 or offset + 2 > len(tiff):
        return subs
    (n,) = struct.unpack(order + "H", tiff[offset : offset + 2])
    for i in range(min(n, _MAX_ENTRIES)):
        entry = tiff[offset + 2 + 12 * i : offset + 14 + 12 * i]
        if len(entry) < 12:
            break
        tag, typ, count = struct.unpack(order + "HHI", entry[:8])
        if tag in (_EXIF_IFD, _GPS_IFD):
            subs[tag] = struct.unpack(order + "I", entry[8:12])[0]
        elif tag in wanted:
            name, kind = wanted[tag]
            value = _typed(kind, _value(tiff, order, typ, count, entry[8:12]))
            if value is not None:
                out[name] = (kind, value)
    return subs


def exif_fields(data: bytes) -> dict[str, tuple[str, object]]:
    """Camera, exposure, time, orientation and GPS position from the TIFF structure at the
    start of ``data`` (an Exif blob may begin with ``Exif\\0\\0``). Damaged or missing
    structures give fewer fields, never an error."""
    if data[:6] == b"Exif\x00\x00":
        data = data[6:]
    if len(data) < 8 or data[:4] not in (b"II*\x00", b"MM\x00*"):
        return {}
    order = "<" if data[:2] == b"II" else ">"
    out: dict[str, tuple[str, object]] = {}
    try:
        (ifd0,) = struct.unpack(order + "I", data[4:8])
        subs = _ifd(data, order, ifd0, _IFD0, out)
        if subs.get(_EXIF_IFD):
            _ifd(data, order, subs[_EXIF_IFD], _EXIF, out)
        if subs.get(_GPS_IFD):
            _ifd(data, order, subs[_GPS_IFD], _GPS, out)
    except (struct.error, ValueError, ZeroDivisionError):
        pass
    return out
