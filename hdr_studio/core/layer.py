"""Raw layer buffers as host applications hand them over (GIMP, Krita): a described block of
little-endian samples ↔ an :class:`~hdr_studio.core.image.Image` and back.

A description says width, height, channels (3 or 4), sample type (``u8``, ``u16``, ``f16``,
``f32``), channel order (``RGBA``/``BGRA``/``RGB``/``BGR``: Krita's integer layers are
BGRA) and the colour space, by name (:data:`NAMED_SPACES`, or a host's profile name such as
Krita's ``sRGB-elle-V2-g10.icc``) or as ICC profile bytes. Integer samples are code values
in the space's encoding; float samples in a linear space are linear light that may exceed 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class LayerFormat:
    """How a buffer is laid out and encoded."""

    width: int
    height: int
    channels: int
    sample: str
    order: str
    primaries: str
    transfer: str
    alpha: bool = True  # with 4 channels: the 4th is straight alpha (False: padding, ignored)

    @property
    def nbytes(self) -> int:
        return self.width * self.height * self.channels * SAMPLES[self.sample].itemsize


def space_from_name(name: str) -> tuple[str, str]:
    """(primaries, transfer) of a named space or of a host profile name (Krita's profile
    names: ``sRGB-elle-V2-srgbtrc.icc``, ``Rec2020-elle-V4-g10.icc``, ``scRGB (linear)``,
    ``sRGB built-in``, the Rec. 2020 PQ profile…)."""
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
        elif "srgb" in key or "scrgb" in key or "709" in key:
            primaries = "rec709"
        else:
            raise InputError(
                f"unknown colour space {name!r} (named spaces: {', '.join(NAMED_SPACES)}; "
                "or send the ICC profile)"
            )
        if re.search(r"g10\b|linear", key):
            transfer = "linear"
        elif "g22" in key:
            transfer = "gamma:2.19921875" if primaries == "adobergb" else "gamma:2.2"
        elif "g18" in key:
            transfer = "gamma:1.8"
        elif "srgbtrc" in key or "srgb" in key:
            transfer = "srgb"
        else:
            raise InputError(f"colour space {name!r}: unknown tone curve")
    return primaries, transfer


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


def space_name(primaries: str, transfer: str) -> dict[str, str]:
    """The ``colorspace`` object of a header for ``primaries`` and ``transfer``."""
    for name, pair in NAMED_SPACES.items():
        if pair == (primaries, transfer):
            return {"name": name}
    return {"primaries": primaries, "transfer": transfer}


def layer_format(header: dict) -> LayerFormat:
    """Check a client's description (one-line errors) and return it as a :class:`LayerFormat`."""
    import base64

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
    if space.get("icc"):
        try:
            icc = base64.b64decode(str(space["icc"]), validate=True)
        except ValueError:
            raise InputError("colorspace.icc is not base64") from None
        primaries, transfer = space_from_icc(icc)
    elif space.get("name"):
        primaries, transfer = space_from_name(str(space["name"]))
    elif space.get("primaries") and space.get("transfer"):
        from hdr_studio.core.gamut import PRIMARIES

        primaries, transfer = str(space["primaries"]), str(space["transfer"])
        if primaries not in PRIMARIES:
            raise InputError(f"unknown primaries {primaries!r} (known: {', '.join(PRIMARIES)})")
        if transfer not in ("linear", "srgb", "pq") and not re.fullmatch(
            r"gamma:\d+(\.\d+)?", transfer
        ):
            raise InputError(f"unknown transfer {transfer!r} (linear, srgb, pq, gamma:G)")
        if transfer.startswith("gamma:") and not 0.2 <= float(transfer[6:]) <= 5.0:
            raise InputError(f"gamma must be in [0.2, 5], got {transfer[6:]}")
    else:
        raise InputError("colorspace must have 'name', 'icc' or 'primaries' and 'transfer'")
    alpha = header.get("alpha", channels == 4)
    if not isinstance(alpha, bool) or (alpha and channels != 4):
        raise InputError("alpha must be true or false, and true only with 4 channels")
    return LayerFormat(width, height, channels, sample, order, primaries, transfer, alpha)


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
    raw = _to_rgba_order(raw, fmt.order)
    is_float = fmt.sample in ("f16", "f32")
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
    px = np.empty((h, w, len(order)), np.float32)
    px[..., :3] = code[..., ::-1] if order.startswith("BGR") else code
    if len(order) == 4:
        px[..., 3] = alpha if alpha is not None else np.float32(1.0)
    if sample in ("u8", "u16"):
        top = 255.0 if sample == "u8" else 65535.0
        np.clip(px, 0.0, 1.0, out=px)
        px *= np.float32(top)
        np.rint(px, out=px)
    return px if sample == "f32" else px.astype(SAMPLES[sample])


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
