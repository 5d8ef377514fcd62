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

    def __post_init__(self) -> None:
        for name in ("linear", "code"):
            a = getattr(self, name)
            if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.float32:
                raise ValueError(f"Image.{name} must be (H, W, 3) float32, got {a.shape} {a.dtype}")
        if self.linear.shape != self.code.shape:
            raise ValueError("Image.linear and Image.code differ in shape")

    @property
    def height(self) -> int:
        return int(self.linear.shape[0])

    @property
    def width(self) -> int:
        return int(self.linear.shape[1])
