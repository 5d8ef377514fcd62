"""Raw layer buffers as host applications hand them over (GIMP, Krita): a described block of
little-endian samples ↔ an :class:`~hdr_studio.core.image.Image` and back.

A description says width, height, channels (3 or 4), sample type (``u8``, ``u16``, ``f16``,
``f32``), channel order (``RGBA``/``BGRA``/``RGB``/``BGR``: Krita's integer layers are
BGRA) and the colour space: the document's ICC profile (what the plug-ins send), a name
(:data:`NAMED_SPACES`, the profiles :mod:`hdr_studio.core.cms` builds, or a host's profile
name such as Krita's ``sRGB-elle-V2-g10.icc``) or primaries and a transfer. Integer samples
are code values in the space's encoding; float samples in a linear space are linear light
that may exceed 1.

A profile is used for what it does, not for its name: one whose curves and colorants are
exactly sRGB, Display P3, Adobe RGB or Rec.2020 with an sRGB or gamma curve is decoded as
the engine's own space (the same pixels as ``hdr-studio`` reading the file); any other RGB
profile (ProPhoto, ACEScg, WideRGB, a tabulated curve, esRGB …) is converted by LittleCMS
to linear Rec.2020 and back. A PQ (SMPTE ST 2084) profile marks an HDR layer: its white
(``white_nits``: BT.2408's 203 cd/m² unless the client says, Krita's 80 for its canvases)
becomes 1.0, so the clipping analysis judges against the document's own white.
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hdr_studio.core.errors import InputError
from hdr_studio.core.image import Image

SAMPLES = {
    "u8": np.dtype("<u1"),
    "u16": np.dtype("<u2"),
    "f16": np.dtype("<f2"),
    "f32": np.dtype("<f4"),
}
ORDERS = ("RGBA", "BGRA", "RGB", "BGR")
#: Half float's largest finite value.
HALF_MAX = np.float32(65504.0)

#: Named colour spaces: name → (primaries, transfer).
NAMED_SPACES = {
    "srgb": ("rec709", "srgb"),
    "srgb-linear": ("rec709", "linear"),
    "rec2020-linear": ("rec2020", "linear"),
    "rec2020-pq": ("rec2020", "pq"),
    "p3": ("p3", "srgb"),
    "p3-linear": ("p3", "linear"),
    "adobergb": ("adobergb", "gamma:2.19921875"),
    "adobergb-linear": ("adobergb", "linear"),
}


#: What to do in each host when a profile cannot be used.
CONVERT_ADVICE = {
    "krita": "Image ▸ Convert Image Color Space… to sRGB or Rec.2020",
    "gimp": "Image ▸ Color Management ▸ Convert to Color Profile… (sRGB or Rec.2020)",
    "": "convert the image to sRGB or Rec.2020 in its editor",
}
#: SDR white in a PQ layer when the client does not say: ITU-R BT.2408's 203 cd/m² (Krita
#: says 80, where its scene-linear 1.0 and its PQ canvases put SDR white).
PQ_WHITE_NITS = 203.0


@dataclass(frozen=True)
class LayerFormat:
    """How a buffer is laid out and encoded. ``profile``: the LittleCMS profile the samples
    are encoded for when they go through LittleCMS (then ``primaries`` is the working
    ``rec2020`` and ``transfer`` ``linear``); ``white_nits``: the luminance of SDR white in
    an HDR (PQ) layer."""

    width: int
    height: int
    channels: int
    sample: str
    order: str
    primaries: str
    transfer: str
    alpha: bool = True  # with 4 channels: the 4th is straight alpha (False: padding, ignored)
    profile: Any = field(default=None, compare=False)
    white_nits: float | None = None
    description: str = ""
    linear_profile: bool = False  # the profile's curves are linear (float samples: light)

    @property
    def nbytes(self) -> int:
        return self.width * self.height * self.channels * SAMPLES[self.sample].itemsize


def _advice(host: str) -> str:
    return CONVERT_ADVICE.get(host, CONVERT_ADVICE[""])


def space_from_name(name: str, host: str = "") -> tuple[str, str]:
    """(primaries, transfer) of a named space or of a host profile name (Krita's profile
    names: ``sRGB-elle-V2-srgbtrc.icc``, ``Rec2020-elle-V4-g10.icc``, ``scRGB (linear)``,
    ``sRGB built-in``, the Rec. 2020 PQ profile…). Spaces outside the engine's four
    primaries (ProPhoto, ACEScg, WideRGB) are :func:`cms_name` profiles instead."""
    key = name.strip().lower()
    if key in NAMED_SPACES:
        return NAMED_SPACES[key]
    if "2084" in key or re.search(r"\bpq\b", key):
        primaries, transfer = "rec2020", "pq"
    else:
        if re.search(r"rec\.? ?2020|bt\.?2020|2100", key):
            primaries = "rec2020"
        elif re.search(r"\bp3\b|display p3", key):
            primaries = "p3"
        elif "clayrgb" in key or "adobe" in key:
            primaries = "adobergb"
        elif re.search(r"(?<![a-z])(sc|s)rgb|\b709\b", key):  # not esRGB
            primaries = "rec709"
        else:
            raise InputError(f"unknown colour space {name!r}: {_advice(host)}")
        if re.search(r"g10\b|linear", key):
            transfer = "linear"
        elif "g22" in key:
            transfer = "gamma:2.19921875" if primaries == "adobergb" else "gamma:2.2"
        elif "g18" in key:
            transfer = "gamma:1.8"
        elif "srgbtrc" in key or "srgb" in key or key == "display p3":
            transfer = "srgb"
        elif "adobe rgb" in key:
            transfer = "gamma:2.19921875"
        else:
            raise InputError(f"colour space {name!r}: unknown tone curve; {_advice(host)}")
    return primaries, transfer


def cms_name(name: str) -> str | None:
    """The :data:`hdr_studio.core.cms.NAMED` profile a name means (``prophoto``,
    ``acescg``, Krita's ``LargeRGB-elle-…``, ``ACEScg-elle-…``, ``WideRGB-elle-…``), if
    any."""
    from hdr_studio.core.cms import NAMED

    key = name.strip().lower()
    if key in NAMED:
        return key
    linear = bool(re.search(r"g10\b|linear", key))
    for word, base in (("largergb", "prophoto"), ("prophoto", "prophoto"), ("romm", "prophoto")):
        if word in key:
            return base + ("-linear" if linear else "")
    if "acescg" in key:
        return "acescg"
    if "widergb" in key:
        return "widergb"
    return None


def space_from_icc(data: bytes) -> tuple[str, str]:
    """(primaries, transfer) an ICC profile describes; one-line error when it is not a
    matrix/TRC RGB profile of a known gamut with an sRGB or gamma curve."""
    from hdr_studio.core.icc import parse_icc

    try:
        enc = parse_icc(data)
    except Exception as exc:  # malformed bytes from a client
        raise InputError(f"ICC profile could not be read ({exc})") from None
    if enc.primaries is None:
        raise InputError(f"ICC profile '{enc.description}': primaries not recognised")
    if enc.transfer == "table":
        raise InputError(f"ICC profile '{enc.description}': tabulated tone curve not supported")
    transfer = "linear" if enc.transfer in ("gamma:1", "gamma:1.0") else enc.transfer
    return enc.primaries, transfer


@functools.lru_cache(maxsize=32)
def _profile_space(data: bytes, host: str) -> tuple[str, str, Any, str, bool]:
    """(primaries, transfer, LittleCMS profile or None, description, linear) of ICC bytes.

    The profile is opened with LittleCMS; when its conversion to linear Rec.2020 equals the
    engine's own decoding of what :mod:`hdr_studio.core.icc` reads from it (within 5e-4 on
    a ramp of every channel, so a gamma stored as 563/256 reads as 2.2 as the file reader
    does), the engine's space is used (no LittleCMS on the pixels);
    otherwise LittleCMS converts. PQ profiles are the engine's ``pq``."""
    from hdr_studio.core import cms
    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.transfer import decode

    try:
        profile = cms.Profile.from_icc(data)
    except cms.LibraryMissing:  # no LittleCMS: what the profile's own tags say, as files are
        primaries, transfer = space_from_icc(data)
        return primaries, transfer, None, "", transfer == "linear"
    except cms.CmsError as exc:
        raise InputError(
            f"the image's colour profile cannot be used ({exc}): {_advice(host)}"
        ) from None
    description = profile.description
    ramp = np.linspace(0.0, 1.0, 257, dtype=np.float32)
    probe = np.concatenate([np.stack([ramp, 0 * ramp, 0 * ramp], -1), np.stack([ramp] * 3, -1)])
    probe = np.concatenate([probe, probe[:, [1, 0, 2]], probe[:, [1, 2, 0]]])
    try:
        want = cms.convert(probe, profile, cms.working())
    except cms.CmsError as exc:
        raise InputError(
            f"the image's colour profile '{description}': {exc}; {_advice(host)}"
        ) from None
    gray = want[257:514].mean(axis=1)
    linear = bool(abs(gray[128] / max(gray[256], 1e-9) - 0.5) < 2e-3)
    if re.search(r"2084|\bpq\b", description.lower()):
        return "rec2020", "pq", None, description, False
    try:
        primaries, transfer = space_from_icc(data)
        mine = convert_primaries(decode(probe, transfer), primaries, "rec2020")
        if float(np.max(np.abs(mine - want))) < 5e-4:  # what the file reader decodes
            return primaries, transfer, None, description, transfer == "linear"
    except InputError:
        pass
    return "rec2020", "linear", profile, description, linear


def space_for_icc(data: bytes, host: str = "") -> tuple[str, str, Any]:
    """(primaries, transfer, LittleCMS profile or None) the bridge uses for ICC bytes: the
    engine's own space when the profile is exactly one (profile None), else the profile."""
    primaries, transfer, profile, _, _ = _profile_space(bytes(data), host)
    return primaries, transfer, profile


def space_name(primaries: str, transfer: str) -> dict[str, str]:
    """The ``colorspace`` object of a header for ``primaries`` and ``transfer``."""
    for name, pair in NAMED_SPACES.items():
        if pair == (primaries, transfer):
            return {"name": name}
    return {"primaries": primaries, "transfer": transfer}


def _colour_space(space: dict, host: str) -> tuple[str, str, Any, str, bool]:
    """(primaries, transfer, ICC profile or None, its description, whether the profile is
    linear) of a header's ``colorspace``: an ICC profile, a name, or primaries and transfer
    given apart; one-line errors."""
    if space.get("icc"):
        try:
            icc = base64.b64decode(str(space["icc"]), validate=True)
        except ValueError:
            raise InputError("colorspace.icc is not base64") from None
        return _profile_space(icc, host)
    if space.get("name"):
        named = cms_name(str(space["name"]))
        if named is not None and named not in NAMED_SPACES:
            from hdr_studio.core import cms

            return _profile_space(cms.Profile.named(named).icc(), host)
        primaries, transfer = space_from_name(str(space["name"]), host)
        return primaries, transfer, None, "", False
    if space.get("primaries") and space.get("transfer"):
        return (*_explicit_space(str(space["primaries"]), str(space["transfer"])), None, "", False)
    raise InputError("colorspace must have 'name', 'icc' or 'primaries' and 'transfer'")


def _explicit_space(primaries: str, transfer: str) -> tuple[str, str]:
    """``primaries`` and ``transfer`` checked (a known gamut; linear, srgb, pq or gamma:G
    with G in [0.2, 5])."""
    from hdr_studio.core.gamut import PRIMARIES

    if primaries not in PRIMARIES:
        raise InputError(f"unknown primaries {primaries!r} (known: {', '.join(PRIMARIES)})")
    if transfer not in ("linear", "srgb", "pq") and not re.fullmatch(
        r"gamma:\d+(\.\d+)?", transfer
    ):
        raise InputError(f"unknown transfer {transfer!r} (linear, srgb, pq, gamma:G)")
    if transfer.startswith("gamma:") and not 0.2 <= float(transfer[6:]) <= 5.0:
        raise InputError(f"gamma must be in [0.2, 5], got {transfer[6:]}")
    return primaries, transfer


def layer_format(header: dict) -> LayerFormat:
    """Check a client's description (one-line errors) and return it as a :class:`LayerFormat`.
    ``header["host"]`` (``krita``, ``gimp``) picks the advice a refused profile gets."""
    try:
        width, height = int(header["width"]), int(header["height"])
        channels = int(header.get("channels", 4))
        sample = str(header["sample"]).lower()
        order = str(header.get("order", "RGBA" if channels == 4 else "RGB")).upper()
        space = header.get("colorspace", {"name": "srgb"})
    except (KeyError, TypeError, ValueError, OverflowError) as exc:  # e.g. width: Infinity
        raise InputError(f"bad layer header: {exc.__class__.__name__} {exc}") from None
    if width < 1 or height < 1:
        raise InputError(f"width and height must be positive, got {width}x{height}")
    if channels not in (3, 4):
        raise InputError(f"channels must be 3 or 4, got {channels}")
    if sample not in SAMPLES:
        raise InputError(f"unknown sample type {sample!r} (known: {', '.join(SAMPLES)})")
    if order not in ORDERS or len(order) != channels:
        raise InputError(f"channel order {order!r} does not fit {channels} channels")
    if isinstance(space, str):
        space = {"name": space}
    if not isinstance(space, dict):
        raise InputError("colorspace must be an object with 'name' or 'icc'")
    host = str(header.get("host", ""))
    primaries, transfer, profile, description, linear_profile = _colour_space(space, host)
    white_nits = None
    if transfer == "pq":
        white = space.get("white_nits", header.get("white_nits", PQ_WHITE_NITS))
        if not isinstance(white, int | float) or isinstance(white, bool) or not 1 <= white <= 1e4:
            raise InputError("white_nits must be a number in [1, 10000]")
        white_nits = float(white)
    if transfer == "linear" and profile is None:
        linear_profile = True
    alpha = header.get("alpha", channels == 4)
    if not isinstance(alpha, bool) or (alpha and channels != 4):
        raise InputError("alpha must be true or false, and true only with 4 channels")
    return LayerFormat(
        width,
        height,
        channels,
        sample,
        order,
        primaries,
        transfer,
        alpha,
        profile=profile,
        white_nits=white_nits,
        description=description,
        linear_profile=linear_profile,
    )


def _to_rgba_order(px: np.ndarray, order: str) -> np.ndarray:
    if order.startswith("BGR"):
        idx = [2, 1, 0] + ([3] if len(order) == 4 else [])
        return px[..., idx]
    return px


def decode_layer(fmt: LayerFormat, data: bytes | memoryview) -> Image:
    """The :class:`Image` a buffer holds (alpha kept); rejects a length that does not match
    the description and non-finite floats."""
    if len(data) != fmt.nbytes:
        raise InputError(
            f"body has {len(data)} pixel bytes, the header describes {fmt.nbytes} "
            f"({fmt.width}x{fmt.height}x{fmt.channels} {fmt.sample})"
        )
    dtype = SAMPLES[fmt.sample]
    raw = np.frombuffer(data, dtype=dtype).reshape(fmt.height, fmt.width, fmt.channels)
    is_float = fmt.sample in ("f16", "f32")
    if not is_float and fmt.profile is None and fmt.transfer not in ("linear", "pq", "hlg"):
        return _decode_levels(fmt, raw)
    raw = _to_rgba_order(raw, fmt.order)
    rgb = np.ascontiguousarray(raw[..., :3], dtype=np.float32)  # one pass: copy + convert
    with_alpha = fmt.channels == 4 and fmt.alpha
    alpha = np.ascontiguousarray(raw[..., 3], dtype=np.float32) if with_alpha else None
    if is_float:
        if not np.isfinite(rgb).all() or (alpha is not None and not np.isfinite(alpha).all()):
            raise InputError("float samples contain NaN or Inf")
        levels = None
    else:
        levels = 256 if fmt.sample == "u8" else 65536
        rgb /= np.float32(levels - 1)
        if alpha is not None:
            alpha /= np.float32(levels - 1)
    bits = {"u8": 8, "u16": 16, "f16": 16, "f32": 32}[fmt.sample]
    if fmt.transfer == "pq":  # an HDR layer: its SDR white becomes 1.0
        from hdr_studio.core.transfer import decode

        linear = decode(rgb, "pq", reference_white=fmt.white_nits or PQ_WHITE_NITS)
        return Image.from_pixels(
            linear,
            fmt.primaries,
            "linear",
            is_float=True,
            alpha=alpha,
            bit_depth=bits,
            source_format="layer",
        )
    if fmt.profile is not None:
        return _decode_profile(fmt, raw, rgb, alpha, levels, bits)
    linear_float = is_float and fmt.transfer == "linear"
    return Image.from_pixels(
        rgb,
        fmt.primaries,
        "linear" if linear_float else fmt.transfer,
        is_float=linear_float,
        alpha=alpha,
        bit_depth=bits,
        levels=levels,
        source_format="layer",
    )


def _decode_levels(fmt: LayerFormat, raw: np.ndarray) -> Image:
    """Integer samples in a named transfer (sRGB, a gamma): the code and linear values
    straight from the integers through tables — the values :meth:`Image.from_pixels` gives
    for their k / (levels − 1), without a float copy, a reordered copy and a way back to
    integers (a 12 MP 8-bit layer: ~0.3 s → ~0.1 s)."""
    from hdr_studio.core.transfer import decode_indices

    levels = 256 if fmt.sample == "u8" else 65536
    order = fmt.order.upper()
    rgb_index = [2, 1, 0] if order.startswith("BGR") else [0, 1, 2]
    if fmt.channels == 3 and order == "RGB":
        index = raw
    else:
        index = np.empty((fmt.height, fmt.width, 3), raw.dtype)
        for i, c in enumerate(rgb_index):  # one channel at a time: no fancy-index temporary
            index[..., i] = raw[..., c]
    code, linear = decode_indices(index, fmt.transfer, levels)
    alpha = None
    if fmt.channels == 4 and fmt.alpha:
        alpha = np.ascontiguousarray(raw[..., 3], dtype=np.float32)
        alpha /= np.float32(levels - 1)
    return Image(
        linear=linear,
        code=code,
        primaries=fmt.primaries,
        transfer=fmt.transfer,
        bit_depth=8 if fmt.sample == "u8" else 16,
        alpha=alpha,
        source_format="layer",
    )


def _decode_profile(fmt, raw, code, alpha, levels, bits) -> Image:
    """Samples encoded for a LittleCMS profile → linear Rec.2020. Integer samples of a
    matrix-shaper profile go through per-channel tables of LittleCMS's answers (a linear
    target makes the conversion the sum of each channel's part): the same values, fast."""
    from hdr_studio.core import cms

    target = cms.working(fmt.primaries)
    if levels is not None and fmt.profile.matrix_shaper:
        ramp = np.arange(levels, dtype=np.float32) / np.float32(levels - 1)
        zero = np.zeros_like(ramp)
        tables = [
            cms.convert(
                np.stack([ramp if k == c else zero for k in range(3)], -1), fmt.profile, target
            )
            for c in range(3)
        ]
        black = cms.convert(np.zeros((1, 3), np.float32), fmt.profile, target)[0]
        index = raw[..., :3]  # already in RGB(A) order
        # t0[r] + t1[g] + t2[b] − 2·black, summed in that order into one array with one
        # scratch gather: every fresh 12 MP float array costs more in page faults than its sum
        linear = np.take(tables[0], index[..., 0], axis=0)
        scratch = np.empty_like(linear)
        for c in (1, 2):
            np.take(tables[c], index[..., c], axis=0, out=scratch)
            linear += scratch
        del scratch
        linear -= 2 * black  # each table holds the black point once
    else:
        linear = cms.convert(code, fmt.profile, target)
    if fmt.sample in ("f16", "f32") and fmt.linear_profile:  # light already: an HDR layer
        return Image.from_pixels(
            linear,
            fmt.primaries,
            "linear",
            is_float=True,
            alpha=alpha,
            bit_depth=bits,
            source_format="layer",
        )
    if levels is None:  # float samples may stray outside the code range
        code = np.clip(code, 0.0, 1.0)
    return Image(
        linear=np.ascontiguousarray(linear, dtype=np.float32),
        code=np.ascontiguousarray(code, dtype=np.float32),
        primaries=fmt.primaries,
        transfer="linear",
        bit_depth=bits,
        alpha=alpha,
        source_format="layer",
        notes=[f"colour converted from '{fmt.description}' by LittleCMS"],
    )


def encode_source(rgb: np.ndarray, fmt: LayerFormat) -> np.ndarray:
    """Linear ``rgb`` in the layer's working primaries → code values (or, for a linear
    profile, light) in the layer's own encoding: its profile through LittleCMS, its PQ
    with its white, or its transfer. Never clipped (the caller quantises)."""
    from hdr_studio.core.transfer import encode

    if fmt.transfer == "pq":
        return encode(rgb, "pq", reference_white=fmt.white_nits or PQ_WHITE_NITS)
    if fmt.profile is not None:
        from hdr_studio.core import cms

        return cms.convert(rgb, cms.working(fmt.primaries), fmt.profile)
    return encode(rgb, fmt.transfer)


def encode_layer_array(
    rgb: np.ndarray,
    alpha: np.ndarray | None,
    sample: str = "f32",
    order: str = "RGBA",
    transfer: str = "linear",
) -> np.ndarray:
    """Linear ``rgb`` (H, W, 3) float32 (and optional alpha in [0, 1]) as an (H, W, C)
    array of ``sample`` type in channel ``order``, encoded with ``transfer``. Float samples
    keep values above 1; integer samples are rounded from the clipped code values."""
    from hdr_studio.core.transfer import encode

    if sample not in SAMPLES:
        raise InputError(f"unknown sample type {sample!r} (known: {', '.join(SAMPLES)})")
    order = order.upper()
    if order not in ORDERS:
        raise InputError(f"unknown channel order {order!r} (known: {', '.join(ORDERS)})")
    code = rgb if transfer == "linear" else encode(rgb, transfer)
    h, w = rgb.shape[:2]
    if sample == "u8" and h * w >= 4096:
        return _quantise_u8(code, alpha, order, fresh=code is not rgb)
    if sample in ("f32", "f16") and len(order) == 4 and h * w >= 4096:
        import cv2  # one threaded SIMD pass (alpha 1.0) instead of numpy's strided two

        conversion = cv2.COLOR_RGB2BGRA if order.startswith("BGR") else cv2.COLOR_RGB2RGBA
        code = np.ascontiguousarray(code, dtype=np.float32)
        if sample == "f16":
            # halved first, then shuffled as 16-bit integers (the bits of the halves):
            # 168 MB of fresh memory for 12 MP instead of 288 (bench/RESULTS.md)
            half = _to_half(code, fresh=code is not rgb).view(np.uint16)
            px = cv2.cvtColor(half, conversion)
            one = np.float16(1.0) if alpha is None else _to_half(alpha.astype(np.float32))
            px[..., 3] = np.asarray(one, np.float16).view(np.uint16)
            return px.view(np.float16)
        px = cv2.cvtColor(code, conversion)
        if alpha is not None:
            px[..., 3] = alpha
        return px
    px = np.empty((h, w, len(order)), np.float32)
    px[..., :3] = code[..., ::-1] if order.startswith("BGR") else code
    if len(order) == 4:
        px[..., 3] = alpha if alpha is not None else np.float32(1.0)
    if sample in ("u8", "u16"):
        top = 255.0 if sample == "u8" else 65535.0
        np.clip(px, 0.0, 1.0, out=px)
        px *= np.float32(top)
        np.rint(px, out=px)
    if sample == "f16":
        return _to_half(px, fresh=True)
    return px if sample == "f32" else px.astype(SAMPLES[sample])


def peak_value(pixels: np.ndarray) -> float:
    """The largest value of linear ``pixels`` (1 = SDR white), for a client to pick its
    sample type by: half floats end at :data:`HALF_MAX`. A value no float holds (not
    finite) reads as float32's largest."""
    peak = float(np.max(pixels)) if pixels.size else 0.0
    return round(peak, 4) if np.isfinite(peak) else 3.4e38


def _to_half(px: np.ndarray, fresh: bool = False) -> np.ndarray:
    """float32 samples as half floats (round to nearest even). Half's largest finite value
    is 65504: beyond it a sample saturates there instead of becoming infinite, which no
    host could paint with (a client that needs more asks for ``f32``; a job's status says
    its ``peak``). ``px`` is clipped in place when ``fresh`` (the caller's own scratch),
    else copied first where it needs clipping."""
    if px.size and max(float(px.max()), -float(px.min())) > HALF_MAX:
        px = np.clip(px, -HALF_MAX, HALF_MAX, out=px if fresh else None)
    if px.ndim < 2 or px.size < 16384 or not px.flags.c_contiguous:
        return px.astype(np.float16)
    import cv2  # the same rounding (tested bit for bit) in SIMD: 12 MP RGBA 0.02 s, not 0.14

    return cv2.multiply(px.reshape(px.shape[0], -1), 1.0, dtype=cv2.CV_16F).reshape(px.shape)


def _quantise_u8(code: np.ndarray, alpha: np.ndarray | None, order: str, fresh: bool):
    """:func:`encode_layer_array`'s 8-bit samples through OpenCV (clip, × 255, round half to
    even, as numpy's rint; one SIMD pass per plane into bytes): the same values without a
    float copy of the whole layer (12 MP: ~0.2 s less)."""
    import cv2

    h, w = code.shape[:2]
    clipped = code if fresh else np.empty_like(code)
    np.clip(code, 0.0, 1.0, out=clipped)
    levels = cv2.convertScaleAbs(clipped.reshape(h, -1), alpha=255.0).reshape(h, w, 3)
    px = np.empty((h, w, len(order)), np.uint8)
    px[..., :3] = levels[..., ::-1] if order.startswith("BGR") else levels
    if len(order) == 4:
        if alpha is None:
            px[..., 3] = 255
        else:
            a = np.clip(np.ascontiguousarray(alpha, dtype=np.float32), 0.0, 1.0)
            px[..., 3] = cv2.convertScaleAbs(a, alpha=255.0)
    return px


def encode_layer(
    rgb: np.ndarray,
    alpha: np.ndarray | None,
    sample: str = "f32",
    order: str = "RGBA",
    transfer: str = "linear",
) -> bytes:
    """:func:`encode_layer_array` as bytes."""
    return encode_layer_array(rgb, alpha, sample, order, transfer).tobytes()


def split_selection(fmt: LayerFormat, data: bytes | memoryview, has_selection: bool):
    """(pixel bytes, selection mask or None): a message with a selection carries one u8 per
    pixel (0 outside … 255 inside) after the pixels."""
    if not has_selection:
        return data, None
    n = fmt.width * fmt.height
    if len(data) != fmt.nbytes + n:
        raise InputError(
            f"body has {len(data)} bytes after the header; pixels and selection need "
            f"{fmt.nbytes} + {n}"
        )
    mask = np.frombuffer(data, np.uint8, count=n, offset=fmt.nbytes).reshape(fmt.height, fmt.width)
    return memoryview(data)[: fmt.nbytes], mask.astype(np.float32) * np.float32(1 / 255)
