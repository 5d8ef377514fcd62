"""The metadata a JPEG XL file carries: its ``Exif`` and ``xml `` boxes (ISO/IEC 18181-2),
stored as they are or brotli-compressed in ``brob`` boxes, which is how OpenImageIO's
writer stores them. OpenImageIO's JPEG XL reader reads neither, so an export's camera,
copyright and GPS position looked absent while the file held them; and readers without
brotli (exiftool 12.57) read no ``brob`` box, so exports store the boxes plain
(:func:`unpacked_boxes`).

The boxes are handed to OpenImageIO's own Exif and XMP decoders by way of a tiny JPEG that
carries them as APP1 segments (CIPA DC-008 for Exif, Adobe's XMP part 3 for XMP)."""

from __future__ import annotations

import struct
import tempfile
from pathlib import Path
from typing import Any

_XMP_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"
_APP1_MAX = 65533  # a segment's length field counts itself: 65535 in all


def _spans(data: bytes) -> list[tuple[bytes, int, int, int]]:
    """(type, box start, body start, box end) of the container's top-level boxes; [] for
    a bare codestream."""
    if not data.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return []
    out, i = [], 0
    while i + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[i : i + 8])
        head = 8
        if size == 1:
            if i + 16 > len(data):
                break
            size, head = struct.unpack(">Q", data[i + 8 : i + 16])[0], 16
        elif size == 0:  # the last box runs to the end
            size = len(data) - i
        if size < head or i + size > len(data):
            break
        out.append((kind, i, i + head, i + size))
        i += size
    return out


def _boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of the container's top-level boxes; [] for a bare codestream."""
    return [(kind, data[body:end]) for kind, _, body, end in _spans(data)]


def _box(kind: bytes, body: bytes) -> bytes:
    if 8 + len(body) <= 0xFFFFFFFF:
        return struct.pack(">I4s", 8 + len(body), kind) + body
    return struct.pack(">I4sQ", 1, kind, 16 + len(body)) + body


def _metadata_box(kind: bytes, body: bytes) -> tuple[bytes, bytes] | None:
    """(``Exif`` or ``xml ``, its contents) of a top-level box, a ``brob`` one decoded;
    None for any other box, or one that cannot be decoded."""
    if kind == b"brob":
        kind, packed = body[:4], body[4:]
        if kind not in (b"Exif", b"xml "):
            return None
        try:
            import imagecodecs

            body = bytes(imagecodecs.brotli_decode(packed))
        except Exception:  # a damaged or undecodable box
            return None
    return (kind, body) if kind in (b"Exif", b"xml ") else None


def unpacked_boxes(data: bytes) -> bytes:
    """The JPEG XL file with its brotli-compressed Exif and XMP boxes (``brob``, as
    OpenImageIO's writer stores them) stored as they are, in the same place: readers that
    do not decode brotli boxes (exiftool 12.57, among others) saw no metadata at all.
    The file unchanged when it has none, or a box cannot be decoded."""
    out, done = [], 0
    for kind, start, body, end in _spans(data):
        if kind != b"brob" or data[body : body + 4] not in (b"Exif", b"xml "):
            continue
        plain = _metadata_box(kind, data[body:end])
        if plain is None:  # a box that cannot be decoded: the file as it was
            return data
        out += [data[done:start], _box(*plain)]
        done = end
    return b"".join([*out, data[done:]]) if out else data


def metadata_boxes(data: bytes) -> tuple[bytes | None, bytes | None]:
    """(Exif TIFF stream, XMP packet) of a JPEG XL file's bytes; None where absent or
    unreadable (a damaged ``brob`` box is skipped, not an error: the pixels may be fine)."""
    exif = xmp = None
    for box, content in _boxes(data):
        found = _metadata_box(box, content)
        if found is None:
            continue
        kind, body = found
        if kind == b"Exif" and len(body) >= 4 and exif is None:
            (offset,) = struct.unpack(">I", body[:4])  # to the TIFF header, after itself
            exif = body[4 + offset :] or None
        elif kind == b"xml " and xmp is None:
            xmp = body or None
    return exif, xmp


def _jpeg_carrying(exif: bytes | None, xmp: bytes | None) -> bytes:
    """An 8×8 grey JPEG whose APP1 segments are ``exif`` and ``xmp``."""
    import imagecodecs
    import numpy as np

    jpeg = bytes(imagecodecs.jpeg8_encode(np.full((8, 8), 128, np.uint8)))
    segments = b""
    for head, body in ((b"Exif\x00\x00", exif), (_XMP_SIGNATURE, xmp)):
        if body is not None and len(head) + len(body) <= _APP1_MAX:
            segments += b"\xff\xe1" + struct.pack(">H", 2 + len(head) + len(body)) + head + body
    return jpeg[:2] + segments + jpeg[2:]


def read_spec_of_boxes(data: bytes) -> Any | None:
    """An OpenImageIO ``ImageSpec`` holding what the JPEG XL file's Exif and XMP boxes say
    (its pixels and encoding are not the file's); None when it has neither."""
    exif, xmp = metadata_boxes(data)
    if exif is None and xmp is None:
        return None
    import OpenImageIO as oiio

    with tempfile.TemporaryDirectory(prefix="hdr-studio-jxl-") as folder:
        path = Path(folder) / "boxes.jpg"
        path.write_bytes(_jpeg_carrying(exif, xmp))
        inp = oiio.ImageInput.open(str(path))
        if inp is None:
            oiio.geterror()
            return None
        try:
            return oiio.ImageSpec(inp.spec())
        finally:
            inp.close()
