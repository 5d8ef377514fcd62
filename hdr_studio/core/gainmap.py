"""Gain-map HDR photos: an SDR photo plus a gain map that lifts it to an HDR rendition.

Read here:

* **JPEG with a gain map** (Ultra HDR, Adobe's, ISO 21496-1): the primary JPEG is the SDR
  base; the gain map is the second image the MPF segment (CIPA DC-007) lists, its
  parameters in that image's ``hdrgm`` XMP (Adobe/Google gain-map specification 1.0) or
  its ISO 21496-1 ``APP2`` metadata. Per channel, with g the gain-map value in [0, 1]:
  log2 boost = lerp(GainMapMin, GainMapMax, g^(1/Gamma)) · W, and
  HDR = (SDR + OffsetSDR) · 2^boost − OffsetHDR, in the base's linear primaries. Read at
  the file's own headroom (W = 1: the display that shows the full HDR rendition,
  HDRCapacityMax stops above SDR white).
* **ISO 21496-1 in HEIF**: a ``tmap`` derived item (ISO/IEC 23008-12) whose inputs are the
  base and the gain map, its payload the same metadata; the gain map is read where libheif
  exposes it (an auxiliary image, as iPhones write it).
* **Apple's HDR gain map** (HEIC auxiliary image or MPF JPEG with
  ``HDRGainMap:HDRGainMapHeadroom``): HDR = SDR · (1 + (headroom − 1) · sRGB⁻¹(g)) (Apple,
  "Applying Apple HDR effect to your photos").

The result is an HDR :class:`~hdr_studio.core.image.Image` (linear; 1.0 = SDR white; code
values relative to the file's headroom) with :attr:`Image.gain_map` holding the SDR base
and the parameters. Inconsistent metadata is an :class:`InputError`.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.core.errors import InputError

__all__ = [
    "GainMapInfo",
    "GainMapParams",
    "apple_headroom",
    "apply_apple_gain_map",
    "apply_gain_map",
    "find_jpeg_gain_map",
    "heif_tmap",
    "read_gain_map_jpeg",
]

_ISO_URN = b"urn:iso:std:iso:ts:21496:-1\x00"
_HDRGM_NS = b"http://ns.adobe.com/hdr-gain-map/1.0/"


@dataclass(frozen=True)
class GainMapParams:
    """Gain-map parameters per channel (3 values; a single-channel map repeats them):
    ``gain_min``/``gain_max`` log2 boosts, ``gamma``, ``offset_sdr``/``offset_hdr``, and the
    headroom range ``capacity_min``/``capacity_max`` (log2 stops above SDR white)."""

    gain_min: tuple[float, float, float]
    gain_max: tuple[float, float, float]
    gamma: tuple[float, float, float] = (1.0, 1.0, 1.0)
    offset_sdr: tuple[float, float, float] = (1 / 64, 1 / 64, 1 / 64)
    offset_hdr: tuple[float, float, float] = (1 / 64, 1 / 64, 1 / 64)
    capacity_min: float = 0.0
    capacity_max: float = 1.0
    base_is_hdr: bool = False

    def check(self) -> None:
        """Raise ValueError for metadata no writer can have meant."""
        values = (*self.gain_min, *self.gain_max, *self.gamma, *self.offset_sdr)
        values += (*self.offset_hdr, self.capacity_min, self.capacity_max)
        if not all(np.isfinite(values)):
            raise ValueError("non-finite gain-map parameters")
        if any(mx < mn for mn, mx in zip(self.gain_min, self.gain_max, strict=True)):
            raise ValueError(f"GainMapMax {self.gain_max} below GainMapMin {self.gain_min}")
        if any(g <= 0 for g in self.gamma):
            raise ValueError(f"gain-map gamma must be positive, got {self.gamma}")
        if self.capacity_max <= self.capacity_min or self.capacity_max <= 0:
            raise ValueError(
                f"HDRCapacityMax {self.capacity_max} not above HDRCapacityMin {self.capacity_min}"
            )
        if max(abs(v) for v in (*self.gain_min, *self.gain_max)) > 16:
            raise ValueError(f"gain beyond 16 stops ({self.gain_min}..{self.gain_max})")


@dataclass
class GainMapInfo:
    """What made an HDR photo HDR: its kind (``"hdrgm"``, ``"iso21496"``, ``"apple"``),
    its headroom in stops above SDR white, the SDR base :class:`Image`, the parameters."""

    kind: str
    headroom_stops: float
    sdr: Any = field(repr=False)
    params: GainMapParams | None = None

    @property
    def kind_name(self) -> str:
        names = {"hdrgm": "Ultra HDR / Adobe", "iso21496": "ISO 21496-1", "apple": "Apple"}
        return names.get(self.kind, self.kind)

    def short(self) -> str:
        """A few words for a status line: whose gain map, and its headroom."""
        return f"{self.kind_name} gain map, +{self.headroom_stops:.1f} stops"

    def summary(self) -> str:
        return (
            f"HDR photo: {self.kind_name} gain map, "
            f"{self.headroom_stops:.2f} stops of headroom (SDR base kept)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"gain_map": self.kind, "headroom_stops": round(self.headroom_stops, 4)}


# --- JPEG structure -------------------------------------------------------------------
def _segments(data: bytes, start: int = 0) -> list[tuple[int, int, bytes]]:
    """(marker, offset, payload) of a JPEG's segments up to its first scan."""
    out = []
    i = start + 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        out.append((marker, i, data[i + 4 : i + 2 + length]))
        if marker == 0xDA:  # start of scan: the metadata is behind us
            break
        i += 2 + length
    return out


def _mpf_images(data: bytes) -> list[tuple[int, int]]:
    """(offset, size) of the images a JPEG's MPF segment lists (offsets from the file's
    start), the primary first."""
    for marker, offset, payload in _segments(data):
        if marker != 0xE2 or not payload.startswith(b"MPF\x00"):
            continue
        tiff = payload[4:]
        base = offset + 8  # MPF offsets count from its TIFF header
        order = "<" if tiff[:2] == b"II" else ">"
        (ifd,) = struct.unpack(order + "I", tiff[4:8])
        (count,) = struct.unpack(order + "H", tiff[ifd : ifd + 2])
        for k in range(count):
            entry = tiff[ifd + 2 + 12 * k : ifd + 14 + 12 * k]
            tag, _typ, n = struct.unpack(order + "HHI", entry[:8])
            if tag != 0xB002:
                continue
            (where,) = struct.unpack(order + "I", entry[8:12])
            images = []
            for j in range(n // 16):
                _attr, size, off, _d1, _d2 = struct.unpack(
                    order + "IIIHH", tiff[where + 16 * j : where + 16 * j + 16]
                )
                images.append((0 if off == 0 else base + off, size))
            return images
    return []


def _xmp(data: bytes, start: int = 0) -> bytes:
    for marker, _offset, payload in _segments(data, start):
        if marker == 0xE1 and payload.startswith(b"http://ns.adobe.com/xap/1.0/\x00"):
            return payload
    return b""


def find_jpeg_gain_map(data: bytes) -> tuple[int, int] | None:
    """(offset, size) of a JPEG's gain-map image, if the file has one (an MPF secondary
    image carrying ``hdrgm`` XMP, ISO 21496-1 metadata or Apple's gain-map type)."""
    if data[:3] != b"\xff\xd8\xff":
        return None
    try:
        images = _mpf_images(data)
    except (struct.error, IndexError):
        return None
    for offset, size in images[1:]:
        head = data[offset : offset + min(size, 1 << 16)]
        if head[:3] == b"\xff\xd8\xff" and (
            _HDRGM_NS in head or _ISO_URN in head or b"hdrgainmap" in head
        ):
            return offset, size
    return None


# --- metadata -------------------------------------------------------------------------
def _xmp_values(xmp: str, name: str) -> list[float] | None:
    attr = re.search(rf'hdrgm:{name}="([^"]*)"', xmp)
    if attr:
        return [float(attr.group(1))]
    elem = re.search(rf"<hdrgm:{name}>(.*?)</hdrgm:{name}>", xmp, re.S)
    if not elem:
        return None
    items = re.findall(r"<rdf:li>([^<]*)</rdf:li>", elem.group(1))
    return [float(v) for v in items] if items else [float(elem.group(1).strip())]


def _three(values: list[float] | None, default: float) -> tuple[float, float, float]:
    if not values:
        return (default,) * 3  # type: ignore[return-value]
    if len(values) == 1:
        return (values[0],) * 3  # type: ignore[return-value]
    if len(values) != 3:
        raise ValueError(f"a gain-map parameter has {len(values)} values (1 or 3 expected)")
    return tuple(values)  # type: ignore[return-value]


def _params_from_xmp(xmp: bytes) -> GainMapParams | None:
    text = xmp.decode("utf-8", errors="replace")
    if "hdrgm:" not in text:
        return None
    gain_max = _xmp_values(text, "GainMapMax")
    capacity_max = _xmp_values(text, "HDRCapacityMax")
    if gain_max is None or capacity_max is None:
        raise ValueError("hdrgm metadata without GainMapMax or HDRCapacityMax")
    base_hdr = re.search(r'hdrgm:BaseRenditionIsHDR="([^"]*)"', text)
    return GainMapParams(
        gain_min=_three(_xmp_values(text, "GainMapMin"), 0.0),
        gain_max=_three(gain_max, 0.0),
        gamma=_three(_xmp_values(text, "Gamma"), 1.0),
        offset_sdr=_three(_xmp_values(text, "OffsetSDR"), 1 / 64),
        offset_hdr=_three(_xmp_values(text, "OffsetHDR"), 1 / 64),
        capacity_min=(_xmp_values(text, "HDRCapacityMin") or [0.0])[0],
        capacity_max=capacity_max[0],
        base_is_hdr=bool(base_hdr and base_hdr.group(1).lower() == "true"),
    )


def _params_from_iso(payload: bytes) -> GainMapParams | None:
    """ISO 21496-1 metadata (after its URN): versions, flags, headrooms and per-channel
    fractions (numerator/denominator pairs, or one common denominator)."""
    if len(payload) < 5:
        return None  # the primary image's version-only marker
    pos = 0

    def take(fmt: str) -> tuple:
        nonlocal pos
        size = struct.calcsize(">" + fmt)
        if pos + size > len(payload):
            raise ValueError("ISO 21496-1 gain-map metadata ends early")
        out = struct.unpack(">" + fmt, payload[pos : pos + size])
        pos += size
        return out

    minimum_version, _writer = take("HH")
    if minimum_version != 0:
        raise ValueError(f"ISO 21496-1 metadata of version {minimum_version} (0 is read)")
    (flags,) = take("B")
    channels = 3 if flags & 0x80 else 1
    backward = bool(flags & 0x04)
    if flags & 0x08:  # one common denominator
        (den,) = take("I")
        base_n, alt_n = take("II")
        fractions = [take("iiIii") for _ in range(channels)]
        if den == 0:
            raise ValueError("ISO 21496-1 metadata with a zero denominator")
        base, alternate = base_n / den, alt_n / den
        per = [[v / den for v in f] for f in fractions]
    else:
        base_n, base_d, alt_n, alt_d = take("IIII")
        rows = [take("iIiIIIiIiI") for _ in range(channels)]
        if 0 in (base_d, alt_d) or any(r[k] == 0 for r in rows for k in (1, 3, 5, 7, 9)):
            raise ValueError("ISO 21496-1 metadata with a zero denominator")
        base, alternate = base_n / base_d, alt_n / alt_d
        per = [[r[k] / r[k + 1] for k in range(0, 10, 2)] for r in rows]
    cols = list(zip(*per, strict=True))  # min, max, gamma, base offset, alternate offset
    return GainMapParams(
        gain_min=_three(list(cols[0]), 0.0),
        gain_max=_three(list(cols[1]), 0.0),
        gamma=_three(list(cols[2]), 1.0),
        offset_sdr=_three(list(cols[3]), 1 / 64),
        offset_hdr=_three(list(cols[4]), 1 / 64),
        capacity_min=min(base, alternate),
        capacity_max=max(base, alternate),
        base_is_hdr=backward or base > alternate,
    )


def _gain_params(gain_jpeg: bytes) -> tuple[str, GainMapParams]:
    params = _params_from_xmp(_xmp(gain_jpeg))
    if params is not None:
        return "hdrgm", params
    for marker, _offset, payload in _segments(gain_jpeg):
        if marker == 0xE2 and payload.startswith(_ISO_URN):
            iso = _params_from_iso(payload[len(_ISO_URN) :])
            if iso is not None:
                return "iso21496", iso
    raise ValueError("the gain map carries no hdrgm or ISO 21496-1 parameters")


def apple_headroom(data: bytes) -> float | None:
    """Apple's ``HDRGainMapHeadroom`` (linear) from a file's XMP, if present."""
    found = re.search(rb"HDRGainMapHeadroom>\s*([0-9.eE+-]+)\s*<", data) or re.search(
        rb'HDRGainMapHeadroom="([0-9.eE+-]+)"', data
    )
    return float(found.group(1)) if found else None


# --- applying ---------------------------------------------------------------------------
def _resize_to(gain: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    g = gain.astype(np.float32) / np.float32(255 if gain.dtype == np.uint8 else 65535)
    if g.ndim == 3 and g.shape[2] == 1:
        g = g[..., 0]
    if g.shape[:2] != shape:
        g = cv2.resize(g, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return g if g.ndim == 3 else np.repeat(g[..., None], 3, axis=2)


def apply_gain_map(sdr: np.ndarray, gain: np.ndarray, params: GainMapParams) -> np.ndarray:
    """HDR rendition at the file's own headroom (W = 1) from the SDR base's linear pixels
    (H, W, 3) float32 and the gain map ((h, w) or (h, w, 3) uint8 code values)."""
    g = _resize_to(gain, sdr.shape[:2])
    # Per channel (three values each): float32 arrays of shape (3,).
    lo, hi = np.asarray(params.gain_min, np.float32), np.asarray(params.gain_max, np.float32)
    gamma = np.asarray(params.gamma, np.float32)
    g = np.power(np.clip(g, 0.0, 1.0), np.float32(1.0) / gamma)
    boost = lo + (hi - lo) * g
    o_sdr = np.asarray(params.offset_sdr, np.float32)
    o_hdr = np.asarray(params.offset_hdr, np.float32)
    return ((sdr + o_sdr) * np.exp2(boost) - o_hdr).astype(np.float32)


#: Within this share of a channel's ceiling a gain-map photo's pixel counts as clipped.
_CEILING_SHARE = 0.98


def _peak(info: GainMapInfo) -> np.ndarray:
    """Per channel, the brightest value the photo can hold: SDR white lifted by the largest
    gain (its own headroom)."""
    if info.params is None:  # Apple's: SDR white × headroom
        return np.full(3, 2.0**info.headroom_stops, np.float32)
    p = info.params
    top = [
        (1 + s) * 2.0**m - h for s, m, h in zip(p.offset_sdr, p.gain_max, p.offset_hdr, strict=True)
    ]
    return np.asarray(top, np.float32)


def _hdr_image(base: Any, hdr: np.ndarray, info: GainMapInfo) -> Any:
    """The HDR :class:`Image`. Its code values say what clipped against the photo's own
    headroom: 1.0 in the channels at their ceiling (an SDR highlight the gain map lifted
    as far as it goes, or as far as the photo goes: the scene was brighter still), the SDR
    photo's own code values
    elsewhere, held below every method's clip ramp (as a raw's,
    :data:`hdr_studio.core.raw.UNCLIPPED_CODE_CEILING`) — so the overlays and the
    reconstruction see only what clipped in the HDR photo, and shadows as the SDR photo
    has them."""
    from hdr_studio.core.raw import UNCLIPPED_CODE_CEILING

    # The ceiling: the headroom's, or the brightest value the photo reaches when its encoder
    # left headroom unused (a clipped highlight is then a plateau at that value).
    ceiling = np.minimum(_peak(info), np.float32(hdr.max()) if hdr.size else np.float32(1))
    at_ceiling = hdr >= np.float32(_CEILING_SHARE) * ceiling
    code = np.minimum(base.code, np.float32(UNCLIPPED_CODE_CEILING))
    code = np.where(at_ceiling, np.float32(1.0), code).astype(np.float32)
    return replace(
        base,
        linear=np.ascontiguousarray(hdr, dtype=np.float32),
        code=code,
        transfer="linear",
        gain_map=info,
        notes=list(base.notes),
    )


def apply_apple_gain_map(base: Any, gain: np.ndarray, headroom: float) -> Any:
    """The HDR rendition of an SDR photo ``base`` (:class:`Image`) with Apple's gain map
    (uint8, any size) and headroom (linear, > 1)."""
    from hdr_studio.core.transfer import srgb_decode

    if not np.isfinite(headroom) or not 1.0 < headroom <= 2.0**16:
        raise InputError(
            f"{base.source_path}: inconsistent gain-map metadata (Apple headroom {headroom})"
        )
    g = srgb_decode(_resize_to(gain, base.linear.shape[:2]))
    hdr = base.linear * (np.float32(1.0) + np.float32(headroom - 1.0) * g)
    info = GainMapInfo("apple", float(np.log2(headroom)), sdr=base)
    return _hdr_image(base, hdr, info)


def read_gain_map_jpeg(path: Path, base: Any, data: bytes, where: tuple[int, int]) -> Any:
    """The HDR rendition of the gain-map JPEG ``data`` whose SDR base was decoded as
    ``base`` (:class:`Image`, orientation not yet applied) and whose gain map lies at
    ``where`` (offset, size)."""
    import imagecodecs

    offset, size = where
    gain_jpeg = data[offset : offset + size]

    def bad(why: str) -> InputError:
        return InputError(f"{path}: inconsistent gain-map metadata ({' '.join(why.split())})")

    try:
        gain = np.asarray(imagecodecs.jpeg8_decode(gain_jpeg))
    except Exception as exc:
        raise bad(f"the gain map image does not decode: {exc}") from None
    headroom = apple_headroom(gain_jpeg)
    if headroom is not None and _HDRGM_NS not in gain_jpeg:
        return apply_apple_gain_map(base, gain, headroom)
    try:
        kind, params = _gain_params(gain_jpeg)
        params.check()
    except (ValueError, struct.error) as exc:
        raise bad(str(exc)) from None
    if params.base_is_hdr:
        base.notes.append("the gain map maps an HDR base to SDR: the base is read as it is")
        return base
    hdr = apply_gain_map(base.linear, gain, params)
    info = GainMapInfo(kind, params.capacity_max, sdr=base, params=params)
    return _hdr_image(base, hdr, info)


# --- ISO 21496-1 in HEIF: the 'tmap' derived item ----------------------------------------
def _boxes(buf: bytes, start: int, end: int):
    """(type, body start, end) of the ISO-BMFF boxes in ``buf[start:end]``."""
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", buf[i : i + 8])
        head = 8
        if size == 1:
            (size,) = struct.unpack(">Q", buf[i + 8 : i + 16])
            head = 16
        elif size == 0:
            size = end - i
        if size < head or i + size > end:
            return
        yield kind, i + head, i + size
        i += size


def _uint(buf: bytes, pos: int, size: int) -> int:
    return int.from_bytes(buf[pos : pos + size], "big") if size else 0


def _iloc(buf: bytes, body: int, end: int) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """item ID → (construction method, [(offset, length)]) from an ``iloc`` box."""
    version = buf[body]
    pos = body + 4
    offset_size, length_size = buf[pos] >> 4, buf[pos] & 15
    base_size, index_size = buf[pos + 1] >> 4, (buf[pos + 1] & 15 if version in (1, 2) else 0)
    pos += 2
    count_size = 2 if version < 2 else 4
    count = _uint(buf, pos, count_size)
    pos += count_size
    items = {}
    for _ in range(count):
        item = _uint(buf, pos, count_size)
        pos += count_size
        method = 0
        if version in (1, 2):
            method = _uint(buf, pos, 2) & 15
            pos += 2
        pos += 2  # data reference index
        base = _uint(buf, pos, base_size)
        pos += base_size
        extents = []
        n_extents = _uint(buf, pos, 2)
        pos += 2
        for _ in range(n_extents):
            pos += index_size
            off = _uint(buf, pos, offset_size)
            pos += offset_size
            length = _uint(buf, pos, length_size)
            pos += length_size
            extents.append((base + off, length))
        items[item] = (method, extents)
        if pos > end:
            break
    return items


def heif_tmap(data: bytes) -> tuple[GainMapParams, int] | None:
    """The ISO 21496-1 parameters of a HEIF file's ``tmap`` item (ISO/IEC 23008-12 derived
    image: the base and the gain map as its two inputs) and the gain map's item ID; None
    when the file has no ``tmap``. ValueError for metadata that cannot be read."""
    meta = next(((b, e) for kind, b, e in _boxes(data, 0, len(data)) if kind == b"meta"), None)
    if meta is None:
        return None
    children = {kind: (b, e) for kind, b, e in _boxes(data, meta[0] + 4, meta[1])}
    if b"iinf" not in children or b"iref" not in children or b"iloc" not in children:
        return None
    b, e = children[b"iinf"]
    start = b + (6 if data[b] == 0 else 8)
    tmap_id = None
    for kind, ib, _ie in _boxes(data, start, e):
        if kind != b"infe" or data[ib] < 2:
            continue
        id_size = 2 if data[ib] == 2 else 4
        item = _uint(data, ib + 4, id_size)
        if data[ib + 4 + id_size + 2 : ib + 4 + id_size + 6] == b"tmap":
            tmap_id = item
    if tmap_id is None:
        return None
    b, e = children[b"iref"]
    id_size = 2 if data[b] == 0 else 4
    inputs: list[int] = []
    for kind, rb, _re in _boxes(data, b + 4, e):
        if kind == b"dimg" and _uint(data, rb, id_size) == tmap_id:
            count = _uint(data, rb + id_size, 2)
            first = rb + id_size + 2
            inputs = [_uint(data, first + k * id_size, id_size) for k in range(count)]
    if len(inputs) != 2:
        raise ValueError("the tmap item does not name a base and a gain map")
    method, extents = _iloc(data, *children[b"iloc"]).get(tmap_id, (0, []))
    if method == 1 and b"idat" in children:
        origin = children[b"idat"][0]
        payload = b"".join(data[origin + o : origin + o + n] for o, n in extents)
    else:
        payload = b"".join(data[o : o + n] for o, n in extents)
    if len(payload) < 6 or payload[0] != 0:
        raise ValueError("unreadable tmap item")
    params = _params_from_iso(payload[1:])
    if params is None:
        raise ValueError("unreadable tmap item")
    return params, inputs[1]
