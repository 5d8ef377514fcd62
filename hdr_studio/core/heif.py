"""HEIC/HEIF photos through libheif (``pillow-heif``, the optional extra ``[heif]``): 8- and
10/12-bit, decoded by their nclx colour information (primaries, transfer: sRGB, BT.709,
PQ, HLG) or their ICC profile, with their Exif (camera, exposure) kept. A 10-bit PQ or HLG
HEIC is HDR input. Apple's HDR gain map (an auxiliary image
``urn:com:apple:photo:2020:aux:hdrgainmap``) is applied at the file's own headroom
(:mod:`hdr_studio.core.gainmap`), the SDR photo kept beside it.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.core.errors import InputError
from hdr_studio.core.image import megapixels

__all__ = ["APPLE_GAIN_MAP", "read_heif"]

APPLE_GAIN_MAP = "urn:com:apple:photo:2020:aux:hdrgainmap"


def _pillow_heif() -> Any:
    try:
        import pillow_heif
    except ImportError:
        raise InputError(
            "HEIC/HEIF photos need libheif: pip install 'hdr-studio[heif]' (the app and the "
            "bundle include it)"
        ) from None
    return pillow_heif


def _fail(path: Path, why: str) -> InputError:
    return InputError(f"{path}: {' '.join(str(why).split())}")


def _decoder_missing(path: Path, heif: Any) -> bool:
    return not heif.libheif_info().get("decoders")


def read_heif(path: Path, max_pixels: int) -> Any:
    """Decode the HEIC/HEIF file ``path`` to an :class:`~hdr_studio.core.image.Image`."""
    from hdr_studio.core.colour_tags import decode_nclx, icc_encoding
    from hdr_studio.core.exif import exif_fields
    from hdr_studio.core.image import Image

    heif = _pillow_heif()
    if _decoder_missing(path, heif):
        raise _fail(path, "this libheif has no HEVC decoder (install pillow-heif's wheel)")
    try:
        container = heif.open_heif(str(path), convert_hdr_to_8bit=False)
        w, h = container.size
        if w * h > max_pixels:
            raise _fail(path, f"image is {w}x{h}, above the limit of {megapixels(max_pixels)}")
        pixels = np.asarray(container)
    except InputError:
        raise
    except Exception as exc:  # libheif's errors come as several exception types
        raise _fail(path, f"not a readable HEIC/HEIF image ({exc})") from None
    info = container.info
    depth = int(info.get("bit_depth") or 8)
    notes: list[str] = []
    if pixels.dtype == np.uint16:  # libheif hands high bit depths over shifted to 16 bits
        code = (pixels >> (16 - depth)).astype(np.float32) / np.float32(2**depth - 1)
    else:
        code = pixels.astype(np.float32) / np.float32(255)
    if code.ndim == 2:
        code = code[..., None]
    alpha = np.ascontiguousarray(code[..., 3]) if code.shape[2] == 4 else None
    rgb = code[..., :3] if code.shape[2] >= 3 else np.repeat(code[..., :1], 3, axis=2)
    primaries, transfer = "rec709", "srgb"
    nclx = info.get("nclx_profile")
    icc = info.get("icc_profile")
    if nclx:
        primaries, transfer = decode_nclx(
            path, int(nclx.get("color_primaries", 1)), int(nclx.get("transfer_characteristics", 13))
        )
    elif icc:
        declared = icc_encoding(bytes(icc), notes)  # (None, None): unreadable, stays sRGB
        if declared[0] is not None and declared[1] is not None:
            primaries, transfer = declared
    metadata = exif_fields(bytes(info.get("exif") or b""))
    metadata.pop("Orientation", None)  # libheif applies the file's rotation itself
    image = Image.from_pixels(
        np.ascontiguousarray(rgb),
        primaries,
        transfer,
        alpha=alpha,
        bit_depth=depth,
        levels=2**depth,
        source_format="heif",
        source_path=path,
        metadata=metadata,
        notes=notes,
    )
    if transfer in ("pq", "hlg"):
        return image
    return _apply_gain_map(path, container, image)


def _apply_gain_map(path: Path, container: Any, image: Any) -> Any:
    """The HDR rendition of a HEIC with a gain map: ISO 21496-1 (a ``tmap`` item) where its
    gain map is an auxiliary image libheif hands over, else Apple's own (its headroom in
    the XMP); the SDR photo as it is when there is none."""
    from hdr_studio.core.gainmap import (
        GainMapInfo,
        apple_headroom,
        apply_apple_gain_map,
        apply_gain_map,
        heif_tmap,
    )

    aux = container.info.get("aux") or {}
    aux_ids = {i for ids in aux.values() for i in ids}
    data = path.read_bytes()
    try:
        tmap = heif_tmap(data)
        if tmap is not None:
            tmap[0].check()
    except (ValueError, IndexError, struct.error) as exc:
        raise _fail(path, f"inconsistent gain-map metadata ({exc})") from None
    if tmap is not None and tmap[1] in aux_ids and not tmap[0].base_is_hdr:
        params, item = tmap
        gain = _aux(path, container, item)
        hdr = apply_gain_map(image.linear, gain, params)
        from hdr_studio.core.gainmap import _hdr_image

        info = GainMapInfo("iso21496", params.capacity_max, sdr=image, params=params)
        return _hdr_image(image, hdr, info)
    apple = aux.get(APPLE_GAIN_MAP) or []
    if not apple:
        return image
    headroom = apple_headroom(data)
    if headroom is None:
        image.notes.append("an Apple HDR gain map without a headroom: read as SDR")
        return image
    return apply_apple_gain_map(image, _aux(path, container, apple[0]), headroom)


def _aux(path: Path, container: Any, item: int) -> np.ndarray:
    try:
        return np.asarray(container.get_aux_image(item))
    except Exception as exc:
        raise _fail(path, f"unreadable HDR gain map ({exc})") from None
