"""A JPEG XL file's Exif and XMP boxes, which OpenImageIO's reader skips: an export's
camera, copyright and GPS position looked absent while the file held them."""

from __future__ import annotations

import struct

import imagecodecs
import numpy as np

from hdr_studio.core.export import ExportOptions, encode_result
from hdr_studio.core.image import Image
from hdr_studio.core.jxl_metadata import (
    _boxes,
    metadata_boxes,
    read_spec_of_boxes,
    unpacked_boxes,
)
from tests.helpers import gradient


def _jxl(**metadata) -> bytes:
    code = gradient(16, 24)
    source = Image(linear=(code**2.2).astype(np.float32), code=code)
    source.metadata.update(metadata)
    return encode_result(source.linear * 4, source, "jxl-pq", ExportOptions())


def test_the_exif_and_xmp_of_an_export_are_read_back():
    data = _jxl(Make=("string", "TestCam"), **{"GPS:LatitudeRef": ("string", "N")})
    exif, xmp = metadata_boxes(data)
    assert exif is not None and exif[:4] in (b"II*\x00", b"MM\x00*") and b"TestCam" in exif
    assert xmp is not None and b"x:xmpmeta" in xmp
    # stored plain, not brotli-compressed as OpenImageIO writes them: exiftool 12.57 and
    # other readers without brotli found no metadata in the file
    kinds = [kind for kind, _ in _boxes(data)]
    assert b"Exif" in kinds and b"xml " in kinds and b"brob" not in kinds
    spec = read_spec_of_boxes(data)
    assert spec.get_string_attribute("Make") == "TestCam"
    assert spec.get_string_attribute("GPS:LatitudeRef") == "N"


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def test_plain_boxes_a_damaged_box_and_a_bare_codestream():
    head = b"\x00\x00\x00\x0cJXL \r\n\x87\n" + _box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ")
    tiff = b"II*\x00\x08\x00\x00\x00\x00\x00"
    plain = head + _box(b"Exif", b"\x00\x00\x00\x00" + tiff) + _box(b"xml ", b"<x/>")
    assert metadata_boxes(plain) == (tiff, b"<x/>")
    damaged = head + _box(b"brob", b"Exif" + b"not brotli") + _box(b"xml ", b"<x/>")
    assert metadata_boxes(damaged) == (None, b"<x/>")
    packed = head + _box(b"brob", b"xml " + bytes(imagecodecs.brotli_encode(b"<y/>")))
    assert metadata_boxes(packed) == (None, b"<y/>")
    truncated = plain[: len(plain) - 3]  # the last box runs past the end: not read
    assert metadata_boxes(truncated) == (tiff, None)
    assert metadata_boxes(b"\xff\x0a" + bytes(40)) == (None, None)  # a bare codestream
    assert read_spec_of_boxes(b"\xff\x0a" + bytes(40)) is None


def test_brotli_boxes_are_unpacked_in_place_and_the_rest_kept():
    head = b"\x00\x00\x00\x0cJXL \r\n\x87\n" + _box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ")
    tiff = b"\x00\x00\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"
    codestream = _box(b"jxlc", b"\xff\x0a" + bytes(20))
    packed = (
        head
        + _box(b"brob", b"Exif" + bytes(imagecodecs.brotli_encode(tiff)))
        + codestream
        + _box(b"brob", b"xml " + bytes(imagecodecs.brotli_encode(b"<x/>")))
        + _box(b"brob", b"jumb" + bytes(imagecodecs.brotli_encode(b"other")))
    )
    plain = unpacked_boxes(packed)
    assert plain == (
        head
        + _box(b"Exif", tiff)
        + codestream
        + _box(b"xml ", b"<x/>")
        + _box(b"brob", b"jumb" + bytes(imagecodecs.brotli_encode(b"other")))
    )
    assert metadata_boxes(plain) == metadata_boxes(packed)
    damaged = head + _box(b"brob", b"Exif" + b"not brotli") + codestream
    assert unpacked_boxes(damaged) == damaged  # as it was, not half rewritten
    assert unpacked_boxes(b"\xff\x0a" + bytes(40)) == b"\xff\x0a" + bytes(40)
