"""The base of every registered network's description (:class:`ModelSpec`) and the table
they register in. The specs (:mod:`hdr_studio.inference.specs`) import this module, and
:mod:`hdr_studio.inference.registry` imports both: no import runs in a circle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from torch import nn

from hdr_studio.core.fill import RAW, Calibration, LogRatio
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import ProgressFn
from hdr_studio.core.result import MethodKind, ModelResult

#: Registered specs by name (filled by :func:`register`).
REGISTRY: dict[str, ModelSpec] = {}


@dataclass
class ModelSpec:
    name: ClassVar[str]
    kind: ClassVar[MethodKind]
    title: ClassVar[str]
    paper: ClassVar[str]
    in_channels: ClassVar[int]
    out_channels: ClassVar[int]
    input_domain: ClassVar[str]
    output_domain: ClassVar[str]
    #: Named configurations: "full" is the paper's size, "small" the CPU variant we ship.
    configs: ClassVar[dict[str, dict[str, Any]]]
    #: Tile overlap (pixels) that makes tiled inference match a whole-image run.
    halo: ClassVar[int] = 64
    #: Pictures with more pixels than this are filled at a working size of about this many
    #: pixels, and the fill's log ratio brought up to full size (:meth:`finish_ratio`); the
    #: measured pixels stay full size. None: always at full size.
    work_pixels: ClassVar[int | None] = None
    options: dict[str, Any] = field(default_factory=dict)

    def build(self, config: dict[str, Any]) -> nn.Module:
        raise NotImplementedError

    def stride(self, config: dict[str, Any]) -> int:
        return int(self.build(config).stride)  # type: ignore[arg-type]  (each net's int)

    def bytes_per_pixel(self, config: dict[str, Any]) -> int:
        """Rough fp32 activation memory per input pixel, for choosing tile sizes."""
        return 4 * 12 * int(max(v for k, v in config.items() if "width" in k))

    def prepare(self, image: Image) -> np.ndarray:
        """The network input for ``image``: (H, W, in_channels) float32."""
        return np.ascontiguousarray(image.code)

    def needed(self, image: Image) -> np.ndarray | None:
        """(H, W) bool: the pixels whose network output :meth:`finish` reads (the runner
        skips tiles with none of them); ``None``: all of them."""
        return None

    def finish(
        self,
        out: np.ndarray,
        image: Image,
        cal: Calibration = RAW,
        coarse_ratio: np.ndarray | LogRatio | None = None,
        progress: ProgressFn | None = None,
    ) -> ModelResult:
        """The model's result from the network output ``out``, with the gains ``cal``; HDR
        models take ``coarse_ratio`` (the coarse-scale pass's log ratio: full size, or a
        :class:`~hdr_studio.core.fill.LogRatio` brought up where read) in wide clipped
        regions (:func:`hdr_studio.core.fill.keep_measured`), and report its steps to
        ``progress`` (fractions of this step)."""
        raise NotImplementedError

    def estimate_ratio(self, out: np.ndarray, image: Image) -> np.ndarray:
        """The network output's HDR estimate as a log ratio to ``image``'s measurement
        (models with :attr:`work_pixels`)."""
        raise NotImplementedError

    def finish_ratio(
        self,
        ratio: np.ndarray | LogRatio,
        image: Image,
        cal: Calibration = RAW,
        coarse_ratio: np.ndarray | LogRatio | None = None,
        progress: ProgressFn | None = None,
    ) -> ModelResult:
        """As :meth:`finish`, from an estimate given as its log ratio to the measurement
        (computed at the working size and brought up to ``image``'s)."""
        raise NotImplementedError


def work_scale(height: int, width: int, work_pixels: int | None) -> float:
    """The factor (≤ 1) a picture is shrunk by to be filled at about ``work_pixels``."""
    if work_pixels is None or height * width <= work_pixels:
        return 1.0
    return float(np.sqrt(work_pixels / (height * width)))


def register(cls: type[ModelSpec]) -> type[ModelSpec]:
    REGISTRY[cls.name] = cls()
    return cls
