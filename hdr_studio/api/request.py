"""The reconstruction request: a plain, picklable description of one job, the same for every
front end (the CLI, the app, the bridge, a batch worker on a pool or a cluster)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hdr_studio.api.parameters import RESULTS, check_request
from hdr_studio.core.clipping import DEFAULT_OVER
from hdr_studio.core.export import ExportOptions
from hdr_studio.core.image import Image
from hdr_studio.core.reader import DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class ReconstructRequest:
    """Everything one reconstruction needs. The fields a front end offers are described,
    with their ranges, defaults and help, in :data:`hdr_studio.api.parameters.RECONSTRUCT`,
    and checked against it here.

    input: a file path, or an :class:`~hdr_studio.core.image.Image` built from pixels in
        memory (:meth:`Image.from_pixels`) with its colour space.
    method: a catalogue name; ``None`` picks the default (the shipped default network, else
        ``classical``).
    options: the method's options by name (catalogue ``Option`` names; ``classical``:
        ``max_gain``, ``reach``), checked against their ranges.
    over: the over-exposure threshold (code value) the classical method clips at.
    result: ``auto``, ``hdr`` or ``sdr`` (:data:`RESULTS`).
    output: where to write the result (``None``: only return the pixels).
    format: an export format name; ``None`` follows the output's extension (and an SDR
        result takes the SDR counterpart of that format).
    export: reference white, peak, quality.
    force: overwrite an existing output (never the source).
    device, tile: where and in what tiles the networks run.
    precision: the networks' number format: ``auto`` (bf16 on CPUs that compute it natively
        and on GPUs, else fp32), ``fp32``, ``bf16`` or ``fp16`` (GPUs).
    threads: CPU threads for this job (``None``: every core the process may use; a pool
        sets it so that workers × threads = cores).
    max_pixels: larger inputs are refused.
    models: the weights folder (``None``: ``$HDR_STUDIO_MODELS`` or the shipped one).
    curve: the camera's inverse response to linearise an integer photo with instead of the
        encoding its file declares: ``srgb``, ``gamma:G``, a table FILE
        (:mod:`hdr_studio.core.curve`) or ``camera``: the curve measured for the photo's
        camera, where one is remembered (:mod:`hdr_studio.api.camera_curves`); ``auto``:
        that curve, else one estimated from the photo
        (:mod:`hdr_studio.core.curve_estimate`); ``None``: the file's own encoding.
    strength: how far the result goes beyond the measurement (0–1.5; 1 = the method's
        calibrated result, 0 = the linearised input; :mod:`hdr_studio.core.strength`).
    passes: 1, or 3 to average a network's results on the picture and its mirror images
        (left–right, upside down): about 3× the time, a little more accurate in clipped
        areas (``bench/QUALITY.md``); the built-in methods ignore it.
    selection: an (H, W) float32 mask in [0, 1] (a host's selection): the result replaces
        the input only inside it (blended at soft edges); ``None``: everywhere.
    """

    input: Path | Image
    method: str | None = None
    options: dict[str, float] = field(default_factory=dict)
    over: float = DEFAULT_OVER
    result: str = "auto"
    output: Path | None = None
    format: str | None = None
    export: ExportOptions = field(default_factory=ExportOptions)
    force: bool = False
    device: str = "auto"
    precision: str = "auto"
    tile: int | None = None
    threads: int | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    models: Path | None = None
    strength: float = 1.0
    curve: str | None = None
    passes: int = 1
    selection: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.input, str):
            object.__setattr__(self, "input", Path(self.input))
        if isinstance(self.output, str):
            object.__setattr__(self, "output", Path(self.output))
        check_request({name: getattr(self, name) for name in self.__dataclass_fields__})


__all__ = ["RESULTS", "ReconstructRequest"]
