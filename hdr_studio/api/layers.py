"""Layers as the GIMP and Krita plug-ins send them (the bridge's wire format; the app's round
trip): a header and raw samples decoded into an :class:`~hdr_studio.api.types.Image` in the
engine's terms, and results encoded back in the layer's own samples, order and colour
space (an ICC profile through LittleCMS). See ``plugins/PROTOCOL.md``."""

from __future__ import annotations

import base64

import numpy as np

from hdr_studio.core.errors import InputError
from hdr_studio.core.layer import (
    SAMPLES,
    LayerFormat,
    decode_layer,
    encode_layer_array,
    encode_source,
    layer_format,
    peak_value,
    space_name,
    split_selection,
)


def encode_for_profile(rgb: np.ndarray, primaries: str, icc_b64: str) -> np.ndarray:
    """Linear ``rgb`` (H, W, 3) in ``primaries`` as the code values of the ICC profile
    ``icc_b64`` (base64): the engine's own encoding where the profile is one of its spaces
    (not PQ), else LittleCMS (float, unbounded between matrix-shaper profiles).
    ``ValueError`` when the profile is not a usable RGB profile."""
    from hdr_studio.core import cms
    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.layer import space_for_icc
    from hdr_studio.core.transfer import encode

    try:
        icc = base64.b64decode(icc_b64, validate=True)
        target, curve, profile = space_for_icc(icc)
    except (ValueError, InputError) as exc:
        raise ValueError(f"icc: not a usable RGB ICC profile ({exc})") from None
    if profile is None and curve != "pq":  # the engine's own space: its own numbers
        return encode(convert_primaries(rgb, primaries, target), curve)
    return cms.convert(rgb, cms.working(primaries), profile or cms.Profile.from_icc(icc))


__all__ = [
    "SAMPLES",
    "LayerFormat",
    "decode_layer",
    "encode_for_profile",
    "encode_layer_array",
    "encode_source",
    "layer_format",
    "peak_value",
    "space_name",
    "split_selection",
]
