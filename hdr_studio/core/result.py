"""What a reconstruction method gives: the kinds of result and the result itself.

These types sit in the core so that every layer above (the networks, the method catalogue,
the front ends) can name them without importing one another."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class ResultKind(StrEnum):
    """One result of a method: ``hdr`` (scene-linear, may exceed 1) or ``sdr``
    (display-referred, about 0–1)."""

    HDR = "hdr"
    SDR = "sdr"


class MethodKind(StrEnum):
    """What a method gives: an HDR result, an SDR (declipped) result, or both (DRHT)."""

    HDR = "hdr"
    SDR = "sdr"
    HDR_SDR = "hdr+sdr"

    @property
    def gives_hdr(self) -> bool:
        return self in (MethodKind.HDR, MethodKind.HDR_SDR)

    @property
    def gives_sdr(self) -> bool:
        return self in (MethodKind.SDR, MethodKind.HDR_SDR)

    def gives(self, result: ResultKind) -> bool:
        return self.gives_hdr if result is ResultKind.HDR else self.gives_sdr


@dataclass
class ModelResult:
    """A reconstruction as linear pixels in the source image's primaries, 1.0 = the source's
    white: ``hdr`` (may exceed 1) and/or ``sdr`` (display-referred, ≤ ~1), each (H, W, 3)
    float32. ``spread``: with mirror passes, how much they disagreed, in stops, (H, W)
    float32 — per pixel the standard deviation across the passes of log₂ of the brightest
    channel: of each estimate's ratio to the measurement for a network filled once from
    its averaged estimates (``masked``; 0 where the result is the measurement), of each
    result for the others; ``None`` for a single pass."""

    hdr: np.ndarray | None = None
    sdr: np.ndarray | None = None
    spread: np.ndarray | None = None

    def get(self, kind: ResultKind) -> np.ndarray | None:
        return self.hdr if kind is ResultKind.HDR else self.sdr
