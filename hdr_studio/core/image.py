"""The image model every part of HDR Studio passes around."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Image:
    """A decoded photograph.

    Attributes:
        linear: ``(H, W, 3)`` float32 scene-linear RGB in ``primaries``; 1.0 = the source's
            white (SDR white for 8/16-bit photos). Never clamped.
        code: ``(H, W, 3)`` float32 code values the clipping analysis thresholds: the
            source's own normalised code values for integer files; for float files the sRGB
            encoding of the pixels relative to the file's maximum when it exceeds 1 (only
            the file's ceiling counts as clipped), else relative to 1.
        primaries: ``"rec709"``, ``"p3"``, ``"adobergb"`` or ``"rec2020"``.
        transfer: transfer function the source was decoded with (``"srgb"``, ``"linear"``,
            ``"gamma:<g>"``, ``"pq"``, ``"table"``).
        white: linear value of the source's white (1.0 for SDR sources).
        bit_depth: bits per channel of the source (8, 16, 32; 16 also for half floats).
        source_format: OIIO format name of the source (``"jpeg"``, ``"openexr"``, …).
        source_path: file the image came from, if any.
        alpha: optional ``(H, W)`` float32 straight alpha.
        metadata: attributes to carry into exports: name → (OIIO type string, value).
        notes: one-line notes about conversions done on reading (shown as warnings).
        sensor_clip: ``(H, W, 3)`` bool, the channels the camera's sensor saturated (camera
            raw files, :mod:`hdr_studio.core.raw`); analysis and reconstruction use it
            instead of a code-value threshold. None for other files.
        raw: what raw highlight reconstruction needs (:class:`~hdr_studio.core.raw.RawInfo`:
            the camera matrix and the channels' clip levels), for camera raw files.
        gain_map: the SDR rendition and gain-map parameters of a gain-map HDR photo
            (:class:`~hdr_studio.core.gainmap.GainMapInfo`), else None.
    """

    linear: np.ndarray
    code: np.ndarray
    primaries: str = "rec709"
    transfer: str = "srgb"
    white: float = 1.0
    bit_depth: int = 8
    source_format: str = ""
    source_path: Path | None = None
    alpha: np.ndarray | None = None
    metadata: dict[str, tuple[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sensor_clip: np.ndarray | None = field(default=None, repr=False)
    raw: Any = field(default=None, repr=False)
    gain_map: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("linear", "code"):
            a = getattr(self, name)
            if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.float32:
                raise ValueError(f"Image.{name} must be (H, W, 3) float32, got {a.shape} {a.dtype}")
        if self.linear.shape != self.code.shape:
            raise ValueError("Image.linear and Image.code differ in shape")
        if self.sensor_clip is not None and (
            self.sensor_clip.shape != self.linear.shape or self.sensor_clip.dtype != bool
        ):
            raise ValueError("Image.sensor_clip must be (H, W, 3) bool like Image.linear")

    @property
    def already_linear(self) -> bool:
        """A float or linear-encoded file: its pixels are light already, so no camera curve
        (measured, kept or estimated) applies to it."""
        return self.transfer == "linear" or self.bit_depth == 32

    @property
    def shadow_code(self) -> np.ndarray:
        """The code values under-exposure is judged on. An SDR photo's own. An HDR file's
        (float, PQ, HLG; not a raw's or a gain-map photo's, whose codes are the camera's)
        are the sRGB encoding of its light relative to diffuse white (1.0): a float
        file's codes are relative to its peak and a PQ file's are PQ signal, so a
        reconstructed EXR showed twice its photo's under-exposed share and a PQ export
        none. Computed once."""
        cached = self.__dict__.get("_shadow_code")
        if cached is not None and cached.shape == self.code.shape:
            return cached
        hdr_file = self.transfer in ("linear", "pq", "hlg")  # float files are "linear"
        if not hdr_file or self.raw is not None or self.gain_map is not None:
            return self.code
        from hdr_studio.core.transfer import srgb_encode

        shadows = srgb_encode(np.clip(self.linear, 0.0, 1.0)).astype(np.float32)
        self.__dict__["_shadow_code"] = shadows
        return shadows

    @property
    def curve_free(self) -> str | None:
        """Why no camera curve applies to this photo (None: one does): its pixels are light
        already, or its file's curve is a standard HDR one (PQ, HLG) the camera did not
        choose, whose decoding is exact."""
        if self.already_linear:
            return "already linear"
        if self.transfer in ("pq", "hlg"):
            return f"HDR already ({self.transfer.upper()})"
        return None

    @classmethod
    def from_pixels(
        cls,
        rgb: np.ndarray,
        primaries: str = "rec709",
        transfer: str = "srgb",
        *,
        is_float: bool = False,
        alpha: np.ndarray | None = None,
        bit_depth: int | None = None,
        levels: int | None = None,
        **fields: Any,
    ) -> Image:
        """An image from decoded pixels in memory (a file's, or a host application's layer).

        ``rgb``: (H, W, 3) float32. For integer sources (``is_float`` false) these are code
        values in [0, 1] encoded with ``transfer`` (``"linear"`` allowed); for float sources
        they are linear values (``transfer`` is ``"linear"``) and may exceed 1, and only the
        pixels at the data's own ceiling count as clipped (:func:`float_code_values`).
        ``levels``: the code values are exactly k / (levels − 1) (an integer file's): decoded
        through a table (:func:`~hdr_studio.core.transfer.decode_levels`, same values).
        ``fields``: further :class:`Image` attributes (source_format, metadata, notes…)."""
        from hdr_studio.core.gamut import PRIMARIES
        from hdr_studio.core.transfer import decode, decode_levels, srgb_encode

        if primaries not in PRIMARIES:
            raise ValueError(
                f"unknown primaries {primaries!r}; expected one of {sorted(PRIMARIES)}"
            )
        px = np.ascontiguousarray(rgb, dtype=np.float32)
        if px.ndim != 3 or px.shape[2] != 3:
            raise ValueError(f"pixels must be (H, W, 3), got {px.shape}")
        if is_float:
            linear, code, transfer = px, float_code_values(px), "linear"
        elif transfer == "linear":
            linear, code = px, srgb_encode(px)
        elif levels is not None:
            linear, code = decode_levels(px, transfer, levels), px
        else:
            linear, code = decode(px, transfer), px
        return cls(
            linear=np.ascontiguousarray(linear, dtype=np.float32),
            code=np.ascontiguousarray(code, dtype=np.float32),
            primaries=primaries,
            transfer=transfer,
            bit_depth=bit_depth or (32 if is_float else 8),
            alpha=alpha,
            **fields,
        )

    @property
    def height(self) -> int:
        return int(self.linear.shape[0])

    @property
    def width(self) -> int:
        return int(self.linear.shape[1])


def float_code_values(linear: np.ndarray) -> np.ndarray:
    """Code values for the clipping analysis of a float (HDR) file: sRGB encoding of the
    pixels relative to the file's own maximum when that is above 1, so that only pixels at
    the file's ceiling count as clipped (an HDR file's values above SDR white are content,
    not clipping); relative to 1.0 otherwise."""
    from hdr_studio.core.transfer import srgb_encode

    peak = float(np.max(linear)) if linear.size else 1.0
    return srgb_encode(linear / np.float32(peak)) if peak > 1.0 else srgb_encode(linear)


def megapixels(n: float) -> str:
    """A pixel count as a person reads it: "24 MP", "0.96 MP", "1,000 pixels"."""
    return f"{n / 1e6:.3g} MP" if n >= 100_000 else f"{int(n):,} pixels"
