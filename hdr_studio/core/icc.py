"""Reading (and writing) matrix/TRC ICC profiles, enough to identify the colour encoding
of a photo: sRGB, Display P3, Adobe RGB (1998) or Rec.2020 primaries with an sRGB,
gamma or tabulated tone curve (ICC.1:2010 / ICC v2 structures).

Primaries are identified from the profile's colorant tags (rXYZ, gXYZ, bXYZ, which ICC
stores adapted to the D50 PCS) against the known spaces adapted with Bradford, so a
profile is recognised by what it does, not by its description text.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

import numpy as np

from hdr_studio.core._colour_science import colour
from hdr_studio.core.gamut import PRIMARIES, rgb_to_xyz_matrix
from hdr_studio.core.transfer import ADOBE_RGB_GAMMA, srgb_decode

_D50 = np.array([0.9642, 1.0, 0.8249])
_D65 = np.array([0.95047, 1.0, 1.08883])


@dataclass(frozen=True)
class IccEncoding:
    """What a profile says: ``primaries`` (our name or None) and ``transfer``
    (``"srgb"``, ``"gamma:<g>"``, ``"table"``) with the tone curve LUT when tabulated."""

    primaries: str | None
    transfer: str
    description: str
    lut: tuple[float, ...] | None = None


def _s15(b: bytes) -> float:
    return struct.unpack(">i", b)[0] / 65536.0


def _tags(data: bytes) -> dict[str, bytes]:
    if len(data) < 132 or data[36:40] != b"acsp":
        raise ValueError("not an ICC profile")
    (count,) = struct.unpack(">I", data[128:132])
    tags = {}
    for i in range(min(count, 256)):
        off = 132 + 12 * i
        sig, start, size = struct.unpack(">4sII", data[off : off + 12])
        tags[sig.decode("latin-1")] = data[start : start + size]
    return tags


def _xyz(tag: bytes) -> np.ndarray:
    return np.array([_s15(tag[8 + 4 * k : 12 + 4 * k]) for k in range(3)])


def _description(tag: bytes | None) -> str:
    if not tag:
        return ""
    kind = tag[:4]
    if kind == b"desc":
        (n,) = struct.unpack(">I", tag[8:12])
        return tag[12 : 12 + n].split(b"\0", 1)[0].decode("latin-1", "replace")
    if kind == b"mluc":
        (count,) = struct.unpack(">I", tag[8:12])
        if count:
            length, offset = struct.unpack(">II", tag[20:28])
            return tag[offset : offset + length].decode("utf-16-be", "replace")
    return ""


def _curve(tag: bytes | None) -> tuple[str, tuple[float, ...] | None]:
    """Classify a TRC tag as sRGB, a pure gamma, or a table."""
    if not tag:
        return "srgb", None
    if tag[:4] == b"curv":
        (n,) = struct.unpack(">I", tag[8:12])
        if n == 0:
            return "gamma:1.0", None
        if n == 1:
            return _gamma_name(struct.unpack(">H", tag[12:14])[0] / 256.0), None
        lut = np.frombuffer(tag[12 : 12 + 2 * n], dtype=">u2").astype(np.float64) / 65535.0
        return _classify_lut(lut)
    if tag[:4] == b"para":
        (ftype,) = struct.unpack(">H", tag[8:10])
        nparams = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}.get(ftype, 0)
        p = [_s15(tag[12 + 4 * k : 16 + 4 * k]) for k in range(nparams)]
        if ftype == 0:
            return _gamma_name(p[0]), None
        x = np.linspace(0, 1, 1024)
        g, a, b = p[0], p[1], p[2]
        c, d = (p[3], p[4]) if ftype >= 3 else (0.0, -1.0)
        y = np.where(x >= d, np.maximum(a * x + b, 0) ** g, c * x)
        return _classify_lut(y)
    return "srgb", None


def _gamma_name(g: float) -> str:
    """``gamma:<g>``, snapped to the common exponents that fixed-point storage rounds
    (2.2 is stored as 563/256)."""
    for common in (1.0, 1.8, 2.2, 2.4, 2.6):
        if abs(g - common) < 2.5e-3:
            return f"gamma:{common:g}"
    return f"gamma:{g:g}"


def _classify_lut(lut: np.ndarray) -> tuple[str, tuple[float, ...] | None]:
    x = np.linspace(0, 1, lut.size)
    if np.max(np.abs(srgb_decode(x.astype(np.float32)) - lut)) < 2e-3:
        return "srgb", None
    for g in (2.2, ADOBE_RGB_GAMMA, 1.8, 2.4, 1.0):
        if np.max(np.abs(x**g - lut)) < 2e-3:
            return _gamma_name(g), None
    return "table", tuple(float(v) for v in lut)


@functools.cache
def _bradford_d65_to_d50() -> np.ndarray:
    c = colour()
    return np.asarray(
        c.adaptation.matrix_chromatic_adaptation_VonKries(_D65, _D50, transform="Bradford")
    )


@functools.cache
def colorants_d50(primaries: str) -> np.ndarray:
    """The D50-adapted colorant columns an ICC profile stores for ``primaries`` (3×3)."""
    return _bradford_d65_to_d50() @ rgb_to_xyz_matrix(primaries)


def parse_icc(data: bytes) -> IccEncoding:
    """Identify the colour encoding of an RGB matrix/TRC ICC profile.

    Raises ``ValueError`` for data that is not an ICC profile.
    """
    tags = _tags(bytes(data))
    desc = _description(tags.get("desc"))
    primaries = None
    if all(k in tags for k in ("rXYZ", "gXYZ", "bXYZ")):
        m = np.stack([_xyz(tags["rXYZ"]), _xyz(tags["gXYZ"]), _xyz(tags["bXYZ"])], axis=1)
        for name in PRIMARIES:
            if np.max(np.abs(colorants_d50(name) - m)) < 0.01:
                primaries = name
                break
    else:
        low = desc.lower()
        for key, name in (("p3", "p3"), ("adobe", "adobergb"), ("2020", "rec2020")):
            if key in low:
                primaries = name
        if primaries is None and "srgb" in low:
            primaries = "rec709"
    transfer, lut = _curve(tags.get("rTRC"))
    return IccEncoding(primaries=primaries, transfer=transfer, description=desc, lut=lut)


def build_icc(primaries: str, transfer: str, description: str) -> bytes:
    """Build a small ICC v2 display profile (matrix/TRC) for ``primaries`` and a
    ``"srgb"`` or ``"gamma:<g>"`` tone curve, e.g. to tag SDR exports or make test files."""
    m = colorants_d50(primaries)

    def xyz_tag(v: np.ndarray) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(c * 65536)) for c in v)

    if transfer == "srgb":
        params = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
        trc = b"para\0\0\0\0" + struct.pack(">HH", 3, 0)
        trc += b"".join(struct.pack(">i", round(p * 65536)) for p in params)
    elif transfer.startswith("gamma:"):
        g = float(transfer.split(":", 1)[1])
        trc = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(g * 256)) + b"\0\0"
    else:
        raise ValueError(f"cannot build an ICC tone curve for {transfer!r}")
    text = description.encode("ascii", "replace") + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 79
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz_tag(_D50)),
        (b"rXYZ", xyz_tag(m[:, 0])),
        (b"gXYZ", xyz_tag(m[:, 1])),
        (b"bXYZ", xyz_tag(m[:, 2])),
        (b"rTRC", trc),
        (b"gTRC", trc),
        (b"bTRC", trc),
        (b"cprt", b"text\0\0\0\0No copyright, use freely\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, blob in tags:
        while (offset + len(body)) % 4:
            body += b"\0"
        table += struct.pack(">4sII", sig, offset + len(body), len(blob))
        body += blob
    size = offset + len(body)
    header = struct.pack(">I4sI4s4s4s", size, b"none", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += b"\0" * 12 + b"acsp" + b"\0" * 28  # to the PCS illuminant at byte 68
    header += b"".join(struct.pack(">i", round(c * 65536)) for c in _D50)
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + body
