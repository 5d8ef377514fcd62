"""Measuring a camera's curve from an exposure bracket, for every front end (the CLI's
``measure-curve``, the app's camera-curve box): read the shots, find their exposures, fit
the inverse response (:mod:`hdr_studio.core.response`) and write it as the curve file
``--curve FILE`` reads."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdr_studio.core.errors import InputError, OutputError
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import CancelToken, ProgressFn, no_progress
from hdr_studio.core.response import ResponseFit

#: a fit residual above this (in stops) means the shots do not show the same scene alike
MISMATCH_STOPS = 0.25
#: a curve measured only below this code level has its top extrapolated (a note says so)
WELL_MEASURED_TOP = 224


class MissingExposure(InputError):
    """A shot has no shutter time in its metadata and no spacing was given."""


@dataclass(frozen=True)
class BracketOutcome:
    fit: ResponseFit
    output: Path
    notes: tuple[str, ...]
    shifts: tuple[tuple[int, int], ...] = ()  # each shot's (dx, dy) onto the middle one, px
    camera: str | None = None  # the camera the shots name (Exif make and model)
    remembered: Path | None = None  # where the curve was kept for ``--curve camera``

    @property
    def largest_shift(self) -> int:
        """How far alignment moved any shot, in pixels along either axis (0: not at all)."""
        return max((max(abs(x), abs(y)) for x, y in self.shifts), default=0)


def exposure_of(image: Image) -> float | None:
    """Relative exposure from the shot's Exif: shutter time × ISO / f-number² (the terms it
    has); None without a shutter time."""

    def value(name: str) -> float | None:
        entry = image.metadata.get(name)
        try:
            v = float(entry[1]) if entry is not None else None
        except (TypeError, ValueError):
            return None
        return v if v is not None and np.isfinite(v) and v > 0 else None

    t = value("ExposureTime")
    if t is None:
        return None
    iso = value("Exif:PhotographicSensitivity") or value("Exif:ISOSpeedRatings") or 100.0
    f = value("FNumber") or 1.0
    return t * iso / 100.0 / (f * f)


def _levels(image: Image) -> np.ndarray:
    if image.curve_free is not None:
        raise InputError(
            f"{image.source_path}: {image.curve_free}; a camera curve is measured "
            "from the camera's 8/16-bit SDR photos"
        )
    from hdr_studio.core.tonemap import to_display_uint8

    return to_display_uint8(image.code)


def _comments(
    paths: Sequence[Path], fit: ResponseFit, source: str, shifts: Sequence[tuple[int, int]]
) -> list[str]:
    moves = shifts or [None] * len(paths)
    return [
        f"HDR Studio camera curve (inverse response), measured from {len(paths)} shots:",
        *(
            f"  {p.name}  relative exposure {t:.4g}"
            + (f"  aligned by ({m[0]:+d}, {m[1]:+d}) px" if m else "  not aligned")
            for p, t, m in zip(paths, fit.exposures, moves, strict=True)
        ),
        f"exposures from {source}; {fit.samples} samples; fit residual {fit.residual:.3f} stops",
        "columns: code value, relative linear light. Use with --curve FILE.",
    ]


def _read_shots(
    files: list[Path], progress: ProgressFn, cancel: CancelToken | None
) -> tuple[list[np.ndarray], list[float | None], set[str | None]]:
    """Each shot's code levels, its exposure from the Exif (None when it has none) and the
    cameras the shots name."""
    from hdr_studio.api import camera_curves
    from hdr_studio.core.reader import read_image

    shots, exposures, cameras = [], [], set()
    for i, path in enumerate(files):
        if cancel is not None:
            cancel.raise_if_cancelled()
        image = read_image(path)
        shots.append(_levels(image))
        exposures.append(exposure_of(image))
        cameras.add(camera_curves.camera_of(image))
        progress(0.7 * (i + 1) / len(files), f"read {path.name}")
    return shots, exposures, cameras


def _exposure_times(
    files: list[Path],
    shots: list[np.ndarray],
    exposures: list[float | None],
    stops: float | None,
) -> tuple[list[float], str]:
    """The shots' relative exposure times and where they came from: ``stops`` EV apart in
    the order of the shots' brightness, else the Exif (``MissingExposure`` when a shot has
    none)."""
    if stops is not None:
        brightness = [float(np.mean(s)) for s in shots]
        rank = np.argsort(np.argsort(brightness))
        times = [2.0 ** (stops * float(r)) for r in rank]
        return times, f"--stops {stops:g} (shots ordered by brightness)"
    missing = [p.name for p, t in zip(files, exposures, strict=True) if t is None]
    if missing:
        raise MissingExposure(
            f"{missing[0]} has no shutter time in its metadata: give the bracket's "
            "spacing in EV (--stops)"
        )
    times = [float(t) for t in exposures if t is not None]
    return times, "Exif (shutter time x ISO / f-number^2)"


def _fit_notes(fit: ResponseFit) -> list[str]:
    """What the user should know of a fit: an extrapolated top, shots that disagree."""
    notes = []
    if fit.levels[1] < WELL_MEASURED_TOP:
        notes.append(
            f"no shot measured the brightest codes (above {fit.levels[1]}): the curve's top "
            "is extrapolated; a darker shot would measure it"
        )
    if fit.residual > MISMATCH_STOPS:
        notes.append(
            f"the shots disagree by {fit.residual:.2f} stops on average: did the camera turn, "
            "something in the scene move, or are the exposures wrong? The readings that "
            "disagree most were discounted, but check the curve"
        )
    return notes


def measure_bracket(
    paths: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    stops: float | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    align: bool = True,
    remember: bool = True,
) -> BracketOutcome:
    """Measure the camera curve from the bracket ``paths`` and write it to ``output``.

    Exposures come from each shot's Exif (shutter time, ISO, f-number); ``stops`` instead
    says the shots are that many EV apart (ordered by brightness, darkest first). The shots
    are aligned first (a hand-held bracket; :mod:`hdr_studio.core.align`) unless ``align``
    is False. When the shots name one camera, the curve is also remembered for it
    (``--curve camera``; :mod:`hdr_studio.api.camera_curves`) unless ``remember`` is False.
    One-line errors for a bracket it cannot measure; the output is checked before any work,
    never a source, and written atomically."""
    from hdr_studio.api import camera_curves
    from hdr_studio.core.align import align_bracket
    from hdr_studio.core.atomic import atomic_path, check_output
    from hdr_studio.core.curve import curve_text
    from hdr_studio.core.response import measure_response

    progress = progress or no_progress
    files = [Path(p) for p in paths]
    out = Path(output)
    if len(files) < 2:
        raise InputError("measuring a camera curve needs two or more shots of a bracket")
    if stops is not None and not 0.3 <= stops <= 6.0:
        raise InputError(f"--stops must be 0.3 to 6 EV, got {stops:g}")
    check_output(out, force, tuple(files))
    shots, exposures, cameras = _read_shots(files, progress, cancel)
    times, source = _exposure_times(files, shots, exposures, stops)
    shifts: list[tuple[int, int]] = []
    if align:
        progress(0.75, "aligning the shots")
        shots, shifts = align_bracket(shots, times)
    if cancel is not None:
        cancel.raise_if_cancelled()
    progress(0.85, "fitting the curve")
    fit = measure_response(shots, times)
    notes = _fit_notes(fit)
    camera = cameras.pop() if len(cameras) == 1 else None
    text = curve_text(fit.curve, _comments(files, fit, source, shifts))
    with atomic_path(out, force, tuple(files)) as tmp:
        try:
            tmp.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    kept = None
    if remember and camera:
        try:
            kept = camera_curves.remember(camera, text)
        except OutputError as exc:  # the curve file is written; only keeping it failed
            notes.append(f"the curve was not kept for {camera}: {exc}")
    progress(1.0, f"wrote {out.name}")
    return BracketOutcome(fit, out, tuple(notes), tuple(shifts), camera, kept)
