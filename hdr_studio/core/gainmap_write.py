"""Writing a JPEG with a gain map (Ultra HDR; Adobe/Google gain-map specification 1.0).

The primary image is the SDR rendition the photo's SDR outputs get (so a viewer without
HDR shows the photo as it was below the roll-off's knee, not a library's darker tone
map); the second image, listed by an MPF segment (CIPA DC-007) and by the primary's XMP
``Container:Directory``, is a three-channel gain map whose ``hdrgm`` XMP holds the
parameters. Per channel, with the base's linear values S and the HDR result H (1.0 = SDR
white, the base's primaries): boost = log2((H + k) / (S + k)), k = 1/64, stored as g =
(boost − min) / (max − min) in 8 bits (gamma 1); ``GainMapMin``/``GainMapMax`` and
``HDRCapacityMax`` are the content's own (a photo whose result peaks at 1.6× white asks
for 0.7 stops of headroom, not the 5.6 of a 10 000 cd/m² display).
:mod:`hdr_studio.core.gainmap` reads it back, as do libultrahdr and the browsers'
gain-map readers.
"""

from __future__ import annotations

import re
import struct

import numpy as np

from hdr_studio.core.errors import OutputError

__all__ = ["OFFSET", "gain_map_image", "join_gain_map_jpeg"]

#: OffsetSDR = OffsetHDR: keeps the ratio finite in black and tames noise there.
OFFSET = 1.0 / 64.0
_XMP_HEAD = b"http://ns.adobe.com/xap/1.0/\x00"


def gain_map_image(sdr: np.ndarray, hdr: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The gain map of ``hdr`` over the base ``sdr`` (both (H, W, 3) linear, the same
    primaries): 8-bit codes (H, W, 3) and the log2 boosts that code 0 and 255 stand for."""
    k = np.float32(OFFSET)
    boost = np.log2((np.maximum(hdr, 0) + k) / (np.maximum(sdr, 0) + k))
    lo = min(float(boost.min()), 0.0) if boost.size else 0.0
    hi = max(float(boost.max()), 0.0) if boost.size else 0.0
    if hi - lo < 1e-3:  # nothing above the base: a flat map, a sliver of headroom
        hi = lo + 1e-3
    g = (boost - np.float32(lo)) * np.float32(255.0 / (hi - lo))
    return (np.clip(g, 0, 255) + 0.5).astype(np.uint8), lo, hi


def _gain_xmp(lo: float, hi: float) -> bytes:
    """The gain map image's XMP: its parameters (one value for the three channels)."""
    attrs = (
        f'hdrgm:Version="1.0" hdrgm:GainMapMin="{lo:.6f}" hdrgm:GainMapMax="{hi:.6f}" '
        f'hdrgm:Gamma="1.0" hdrgm:OffsetSDR="{OFFSET:.6f}" hdrgm:OffsetHDR="{OFFSET:.6f}" '
        f'hdrgm:HDRCapacityMin="0.0" hdrgm:HDRCapacityMax="{max(hi, 1e-3):.6f}" '
        'hdrgm:BaseRenditionIsHDR="False"'
    )
    return _packet(f'xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/" {attrs}')


def _primary_xmp(gain_length: int, descriptions: str = "", namespaces: str = "") -> bytes:
    """The primary image's XMP: the gain-map version and the container's two items, then
    ``descriptions`` (the photo's own ``rdf:Description`` elements, with the ``xmlns``
    declarations ``namespaces`` their enclosing elements made)."""
    items = "".join(
        f'<rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="{what}" '
        f'Item:Mime="image/jpeg"{length}/></rdf:li>'
        for what, length in (("Primary", ""), ("GainMap", f' Item:Length="{gain_length}"'))
    )
    return _packet(
        'xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/" '
        'xmlns:Container="http://ns.google.com/photos/1.0/container/" '
        'xmlns:Item="http://ns.google.com/photos/1.0/container/item/" hdrgm:Version="1.0"',
        f"<Container:Directory><rdf:Seq>{items}</rdf:Seq></Container:Directory>",
        descriptions,
        namespaces,
    )


def _packet(attrs: str, children: str = "", more: str = "", namespaces: str = "") -> bytes:
    """An XMP packet (as the APP1 payload) of one description, then ``more`` descriptions
    (``namespaces``: more ``xmlns`` declarations for the ``rdf:RDF`` element)."""
    description = (
        f'<rdf:Description rdf:about="" {attrs}>{children}</rdf:Description>'
        if children
        else f'<rdf:Description rdf:about="" {attrs}/>'
    )
    xml = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"{namespaces}>'
        f"{description}{more}</rdf:RDF></x:xmpmeta>"
    )
    return _XMP_HEAD + xml.encode()


def _take_xmp(jpeg: bytes) -> tuple[bytes, str, str]:
    """``jpeg`` without its XMP packet, the packet's ``rdf:Description`` elements and the
    ``xmlns`` declarations of the elements around them (other than rdf's and x's); the
    file as it is, "" and "" when it has none, or one that cannot be read as XMP."""
    i = 2
    while i + 4 <= len(jpeg) and jpeg[i] == 0xFF and jpeg[i + 1] not in (0xDA, 0xD9):
        (length,) = struct.unpack(">H", jpeg[i + 2 : i + 4])
        payload = jpeg[i + 4 : i + 2 + length]
        if jpeg[i + 1] == 0xE1 and payload.startswith(_XMP_HEAD):
            try:
                xml = payload[len(_XMP_HEAD) :].decode("utf-8")
            except UnicodeDecodeError:
                break
            found = re.search(r"<rdf:RDF\b([^>]*)>(.*)</rdf:RDF>", xml, re.S)
            meta = re.search(r"<x:xmpmeta\b([^>]*)>", xml)
            if found is None or "<rdf:Description" not in found.group(2):
                break
            around = found.group(1) + (meta.group(1) if meta else "")
            namespaces = "".join(
                f" {d}"
                for d in re.findall(r'xmlns:[\w.-]+="[^"]*"', around)
                if not d.startswith(("xmlns:rdf=", "xmlns:x="))
            )
            return jpeg[:i] + jpeg[i + 2 + length :], found.group(2).strip(), namespaces
        i += 2 + length
    return jpeg, "", ""


def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) + 2 > 0xFFFF:
        raise OutputError("gain-map metadata too large for a JPEG segment")
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _mpf(primary_size: int, gain_size: int, gain_offset: int) -> bytes:
    """An MPF segment's payload listing the primary image and the gain map (big-endian;
    offsets count from the TIFF header, 8 bytes into the segment)."""
    entries_at = 8 + 2 + 3 * 12 + 4  # header, count, three tags, next-IFD offset
    ifd = struct.pack(">H", 3)
    ifd += struct.pack(">HHI4s", 0xB000, 7, 4, b"0100")  # MPFVersion
    ifd += struct.pack(">HHII", 0xB001, 4, 1, 2)  # NumberOfImages
    ifd += struct.pack(">HHII", 0xB002, 7, 32, entries_at)  # MPEntry
    ifd += struct.pack(">I", 0)
    entries = struct.pack(">IIIHH", 0x030000, primary_size, 0, 0, 0)
    entries += struct.pack(">IIIHH", 0, gain_size, gain_offset, 0, 0)
    return b"MPF\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd + entries


def _after_app_segments(jpeg: bytes) -> int:
    """Where new APPn segments go: after SOI and the APPn and comment segments already
    there (JFIF, Exif first, as their specifications ask)."""
    if jpeg[:2] != b"\xff\xd8":
        raise OutputError("the base image is not a JPEG")
    i = 2
    while (
        i + 4 <= len(jpeg)
        and jpeg[i] == 0xFF
        and (0xE0 <= jpeg[i + 1] <= 0xEF or jpeg[i + 1] == 0xFE)
    ):
        (length,) = struct.unpack(">H", jpeg[i + 2 : i + 4])
        i += 2 + length
    return i


def join_gain_map_jpeg(base: bytes, gain: bytes, lo: float, hi: float) -> bytes:
    """One file from the encoded base JPEG and the encoded gain-map JPEG (``lo``/``hi``:
    the log2 boosts its codes 0 and 255 stand for)."""
    g_at = _after_app_segments(gain)
    gain_file = gain[:g_at] + _segment(0xE1, _gain_xmp(lo, hi)) + gain[g_at:]
    # one XMP packet (the photo's, carried by the writer, joined to the container's): a
    # reader that keeps one packet lost either the rating and place or the gain map
    without, descriptions, namespaces = _take_xmp(base)
    packet = _primary_xmp(len(gain_file), descriptions, namespaces)
    if len(packet) + 2 <= 0xFFFF:
        base = without
    else:  # a photo's XMP too large to share one segment: kept as a packet of its own
        packet = _primary_xmp(len(gain_file))
    at = _after_app_segments(base)
    xmp = _segment(0xE1, packet)
    mpf_len = len(_segment(0xE2, _mpf(0, 0, 0)))
    primary_size = len(base) + len(xmp) + mpf_len
    mpf_start = at + len(xmp)  # the MPF segment follows the XMP one
    tiff_at = mpf_start + 8  # marker, length, "MPF\0"
    mpf = _segment(0xE2, _mpf(primary_size, len(gain_file), primary_size - tiff_at))
    return base[:at] + xmp + mpf + base[at:] + gain_file
