"""The camera curve choice: which inverse response linearises the photo. The choice itself is
the editor's ``curve`` setting (undoable); this model holds what the choices resolve to for
the open photo — the curve kept for its camera, the curve "auto" settles on (asked of the
engine), the measured curve file in use — and measures a curve from a bracket on a job
runner. The box in the Reconstruct panel only shows it. No Qt here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.api.curves import InverseCurve
from hdr_studio.api.errors import HdrStudioError
from hdr_studio.app.model.jobs import Jobs
from hdr_studio.app.model.observable import Observable
from hdr_studio.app.model.state import EditSettings

#: The box's choices: label and the request's ``curve`` for each ("file" and "bracket" are
#: actions that end in a curve file's path).
CHOICES: tuple[tuple[str, str | None], ...] = (
    ("As the file says", None),
    ("sRGB", "srgb"),
    ("Gamma 2.2", "gamma:2.2"),
    ("Gamma 2.4", "gamma:2.4"),
    ("Gamma 2.6", "gamma:2.6"),
    ("Camera's curve", "camera"),
    ("Auto", "auto"),
    ("Measured curve from a file…", "file"),
    ("Measure from a bracket…", "bracket"),
)
NAMED = {spec for _, spec in CHOICES if spec not in ("file", "bracket")}


def curve_label(curve: str | None) -> str:
    """The box's label for a request's ``curve`` ("Gamma 2.4", "Measured: NAME")."""
    if curve in NAMED:
        return next(label for label, spec in CHOICES if spec == curve)
    return f"Measured: {Path(str(curve)).name}"


def choice_of(curve: str | None) -> str | None:
    """The box's choice for a request's ``curve``: a curve file's path is "file"."""
    return curve if curve in NAMED else "file"


@dataclass(eq=False)
class CurveModel(Observable):
    """What the curve choices resolve to for the open photo. ``camera``: the photo's camera
    (Exif make and model); ``kept``/``kept_path``: the curve kept for it; ``file``/
    ``file_curve``: the measured curve file chosen last; ``report``: what the last bracket
    measurement said (or why it failed); ``needs_stops``: the last bracket had no shutter
    times, so its spacing must be asked for; ``photo_serial``: counts the photos opened."""

    camera: str | None = None
    kept: InverseCurve | None = None
    kept_path: str = ""
    file: str = ""
    file_curve: InverseCurve | None = None
    report: str = ""
    needs_stops: tuple = ()  # (shots, output) of a measurement waiting for its spacing
    photo_serial: int = 0  # counts the photos opened: what is drawn depends on the photo

    def __post_init__(self) -> None:
        super().__post_init__()
        self._photo: Any = None  # private: "_" names are no fields and notify nobody
        self._auto: tuple[InverseCurve | None, ...] = ()  # (curve or None,) once settled

    # --- the open photo ----------------------------------------------------------------
    def set_photo(self, image: Any) -> None:
        """The open photo (or None): "camera" and "auto" use the curve kept for its camera,
        "auto" else the curve estimated from it."""
        from hdr_studio.api.camera_curves import camera_of

        object.__setattr__(self, "_photo", image)
        self.read_kept(camera_of(image) if image is not None else None)
        # "as the file says" (a raw file's linear data) and "auto" (its estimate) are drawn
        # from the photo itself: say it changed even when its camera did not
        self.update(photo_serial=self.photo_serial + 1)

    def read_kept(self, *camera: str | None) -> None:
        """Read the curve kept for the camera given (None: the photo names none), or, with
        none given, for the open photo's again (a measurement may have kept one)."""
        from hdr_studio.api.camera_curves import curve_for
        from hdr_studio.api.curves import parse_curve

        name = camera[0] if camera else self.camera
        found = curve_for(name)
        curve, path = None, ""
        if found is not None:
            try:
                curve, path = parse_curve(str(found.path)), str(found.path)
            except HdrStudioError:
                curve = None
        object.__setattr__(self, "_auto", ())
        self.update(camera=name, kept=curve, kept_path=path)

    def auto_curve(self) -> InverseCurve | None:
        """The curve "auto" settles on for the open photo, asked of the engine (None: the
        file's encoding); once per photo or change of kept curves (an estimate takes a few
        tens of ms)."""
        if not self._auto:
            from hdr_studio.api.camera_curves import AUTO
            from hdr_studio.api.engine import photo_curve

            try:
                photo = self._photo
                curve = photo_curve(photo, AUTO)[0] if photo is not None else None
            except HdrStudioError:
                curve = None  # a kept curve that no longer reads: the reconstruction says so
            object.__setattr__(self, "_auto", (curve,))
        return self._auto[0]

    # --- the choices -------------------------------------------------------------------
    def labels(self) -> dict[str, tuple[str, str]]:
        """(text, tooltip) of the choices whose label depends on the photo or the file."""
        camera = self.camera
        out: dict[str, tuple[str, str]] = {}
        if self.kept is not None:
            out["camera"] = (
                f"Camera's curve: {camera}",
                f"Measured for {camera}: {self.kept_path}",
            )
            out["auto"] = (f"Auto: camera's curve ({camera})", f"Measured for {camera}")
        else:
            why = (
                f"No curve is kept for {camera}: measure one from a bracket shot with it."
                if camera
                else "The photo names no camera."
            )
            out["camera"] = (
                "Camera's curve (none kept)",
                why + " Until then the file's encoding is used.",
            )
            out["auto"] = (
                "Auto: estimated from the photo",
                "No curve is kept for the photo's camera, so one is estimated from the photo. "
                "A weak estimate that stays near sRGB: one photo says little about its curve "
                "(bench/QUALITY.md). Measure the camera's curve from a bracket for a real one.",
            )
        if self.file:
            out["file"] = (f"Measured: {Path(self.file).name}", self.file)
        return out

    def use_file(self, path: str) -> str | None:
        """Make ``path`` the measured curve in use; returns why not when it is not one."""
        from hdr_studio.api.curves import parse_curve

        try:
            curve = parse_curve(path)
        except HdrStudioError as exc:
            return str(exc)
        self.update(file=str(path), file_curve=curve)
        return None

    def shown(self, curve: str | None) -> tuple[np.ndarray, np.ndarray, str]:
        """The plot of the request's ``curve`` for the open photo: code values, linear
        values, and the name of the curve drawn (sRGB where a choice falls back to the
        file's encoding; the identity for a camera raw file, whose data is linear)."""
        from hdr_studio.api.curves import parse_curve

        x = np.linspace(0.0, 1.0, 256, dtype=np.float32)
        srgb = parse_curve("srgb")
        chosen: InverseCurve | None
        if curve is None:
            chosen = None
        elif curve == "camera":
            chosen = self.kept
        elif curve == "auto":
            chosen = self.auto_curve()
        elif curve in NAMED:
            chosen = parse_curve(curve)
        else:
            chosen = self.file_curve if curve == self.file else None
        if chosen is None:
            photo = self._photo
            if photo is not None and str(photo.source_format).startswith("raw"):
                # a camera raw file is the sensor's linear data: no curve to undo
                return x, x.copy(), "the sensor's linear data (camera raw)"
            if photo is not None and photo.transfer != "srgb" and photo.gain_map is None:
                return x, *_file_encoding(x, photo.transfer)
            return x, srgb(x), "the file's encoding (sRGB shown)"
        return x, chosen(x), chosen.name

    # --- measuring from a bracket -----------------------------------------------------
    def measure(
        self,
        jobs: Jobs,
        edits: EditSettings,
        shots: list[str],
        output: str,
        stops: float | None = None,
    ) -> None:
        """Measure the camera curve from the bracket ``shots`` with ``jobs``, write it to
        ``output`` (its overwrite already confirmed) and choose it in ``edits``. A bracket
        without shutter times sets ``needs_stops``; measure again with ``stops``."""
        from hdr_studio.api.bracket import MissingExposure, measure_bracket

        self.update(needs_stops=(), report="Measuring the curve…")

        def work(progress, cancel):
            try:
                return measure_bracket(shots, output, stops, True, progress, cancel)
            except MissingExposure:
                return None

        def done(outcome) -> None:
            if outcome is None:
                self.update(report="", needs_stops=(tuple(shots), output))
                return
            self.read_kept()  # the measured curve may now be kept for the photo's camera
            self.use_file(str(outcome.output))
            moved = outcome.largest_shift
            aligned = f"aligned, moved up to {moved} px; " if moved else ""
            kept = (
                f'\nKept for {outcome.camera}: choose "Camera\'s curve" for its photos.'
                if outcome.remembered is not None
                else ""
            )
            warnings = "".join(f"\nWarning: {n}." for n in outcome.notes)
            self.update(
                report=f"Measured from {len(shots)} shots ({aligned}fit residual "
                f"{outcome.fit.residual:.2f} stops).{warnings}{kept}"
            )
            edits.update(curve=str(outcome.output))

        jobs.start("measure camera curve", work, done)


def _file_encoding(x: np.ndarray, transfer: str) -> tuple[np.ndarray, str]:
    """The file's own transfer function over ``x`` (its top at 1) and its name: PQ and HLG
    files carry HDR code values, linear files (OpenEXR, float TIFF) none to undo."""
    from hdr_studio.api.display import decode

    names = {
        "linear": "the file's linear data (no curve)",
        "pq": "the file's encoding: PQ (SMPTE ST 2084), 1 = 10 000 cd/m²",
        "hlg": "the file's encoding: HLG, 1 = 1000 cd/m²",
    }
    name = names.get(transfer, f"the file's encoding ({transfer.replace(':', ' ')})")
    try:
        y = decode(x, transfer)
    except ValueError:
        return x.copy(), f"the file's encoding ({transfer}, not drawn)"
    top = float(y[-1]) if y.size and float(y[-1]) > 0 else 1.0
    return (y / np.float32(top)).astype(np.float32), name
