"""The Reconstruct panel's camera curve: which inverse response linearises the photo (the
file's declared encoding, sRGB, a gamma, the curve kept for the photo's camera, "auto" (that
curve, else a weak estimate from the photo), a measured curve from a file, or one measured
here from an exposure bracket on a worker thread), with a small plot of it (code value →
relative linear light)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from hdr_studio.app.state import JobState
from hdr_studio.app.workers import JobController
from hdr_studio.core.errors import HdrStudioError
from hdr_studio.core.formats import open_filter

CHOICES = (
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


class CurveBox(QtWidgets.QGroupBox):
    """Emits nothing: the panel asks :meth:`curve` when a reconstruction starts."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Camera curve", parent)
        layout = QtWidgets.QVBoxLayout(self)
        self.combo = QtWidgets.QComboBox()
        for label, spec in CHOICES:
            self.combo.addItem(label, spec)
        self.combo.setToolTip(
            "The camera's inverse response used to linearise 8/16-bit photos (cameras and "
            "phones put their own tone curve into JPEGs); a measured curve: one column of "
            "linear values, or two columns code,linear"
        )
        layout.addWidget(self.combo)
        self.plot = pg.PlotWidget()
        self.plot.setFixedHeight(110)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setXRange(0, 1, padding=0.02)
        self.plot.setYRange(0, 1, padding=0.02)
        self.plot.getAxis("bottom").setLabel("code")
        self.plot.getAxis("left").setLabel("linear")
        self.line = self.plot.plot(pen=pg.mkPen((255, 200, 80), width=2))
        self.reference = self.plot.plot(
            pen=pg.mkPen((120, 120, 120), width=1, style=QtCore.Qt.PenStyle.DashLine)
        )
        layout.addWidget(self.plot)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.status)
        self.job = JobState()
        self.jobs = JobController(self.job, self)
        self._unsubscribe = self.job.subscribe(self._job_changed)
        self.file = ""
        self._file_curve = None  # the measured curve, read once when chosen
        self.camera: str | None = None  # the open photo's camera (Exif make and model)
        self._kept = None  # the curve kept for that camera, read when the camera changes
        self._photo = None  # the open photo, for the curve "auto" settles on for it
        self._auto: tuple = ()  # (that curve or None,) once settled; () until first shown
        self._last = 0
        self.combo.activated.connect(self._chosen)
        self._read_kept()
        self._draw()

    def _chosen(self, index: int) -> None:
        if self.combo.itemData(index) == "bracket":
            self.combo.setCurrentIndex(self._last)  # until a measured curve is in
            shots, _ = QtWidgets.QFileDialog.getOpenFileNames(
                self,
                "Bracket: two or more shots of the same scene (tripod or hand-held)",
                "",
                open_filter(),
            )
            if len(shots) < 2:
                if shots:
                    QtWidgets.QMessageBox.warning(
                        self, "Camera curve", "Choose two or more shots of the bracket."
                    )
                return
            first = QtCore.QFileInfo(shots[0])
            out, _ = QtWidgets.QFileDialog.getSaveFileName(
                self,
                "Save the measured camera curve",
                first.dir().filePath(f"{first.completeBaseName()}.curve.txt"),
                "Tables (*.txt *.csv)",
            )
            if out:
                self.measure(shots, out)
            return
        if self.combo.itemData(index) == "file":
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "Measured camera curve", "", "Tables (*.csv *.txt);;All files (*)"
            )
            if not path:
                self.combo.setCurrentIndex(self._last)
                return
            if not self.set_file(path):
                self.combo.setCurrentIndex(self._last)
                return
        self._last = index
        self.status.hide()  # a measurement's report belongs to the curve it measured
        self._draw()

    def set_photo(self, image) -> None:
        """The open photo (or None): "camera" and "auto" use the curve kept for its camera,
        "auto" else the curve estimated from it."""
        from hdr_studio.api.camera_curves import camera_of

        self.camera = camera_of(image) if image is not None else None
        self._photo = image
        self._read_kept()
        self._draw()

    def _auto_curve(self):
        """The curve "auto" settles on for the open photo, asked of the engine (None: the
        file's encoding); once per photo or change of kept curves (an estimate takes a few
        tens of ms)."""
        if not self._auto:
            from hdr_studio.api.camera_curves import AUTO
            from hdr_studio.api.engine import photo_curve

            try:
                curve = photo_curve(self._photo, AUTO)[0] if self._photo is not None else None
            except HdrStudioError:
                curve = None  # a kept curve that no longer reads: the reconstruction says so
            self._auto = (curve,)
        return self._auto[0]

    def _read_kept(self) -> None:
        """Read the curve kept for the open photo's camera (or None) once, when the camera or
        the kept curves change; the choice's label says which."""
        from hdr_studio.api.camera_curves import curve_for
        from hdr_studio.core.curve import parse_curve

        index = self.combo.findData("camera")
        found = curve_for(self.camera)
        curve = None
        if found is not None:
            try:
                curve = parse_curve(str(found.path))
            except HdrStudioError:
                curve = None
        self._kept, self._auto = curve, ()
        if curve is not None:
            text = f"Camera's curve: {self.camera}"
            tip = f"Measured for {self.camera}: {found.path}"
        else:
            text = "Camera's curve (none kept)"
            tip = (
                f"No curve is kept for {self.camera}: measure one from a bracket shot with it."
                if self.camera
                else "The photo names no camera."
            ) + " Until then the file's encoding is used."
        self.combo.setItemText(index, text)
        self.combo.setItemData(index, tip, QtCore.Qt.ItemDataRole.ToolTipRole)
        index = self.combo.findData("auto")
        if curve is not None:
            text, tip = f"Auto: camera's curve ({self.camera})", f"Measured for {self.camera}"
        else:
            text = "Auto: estimated from the photo"
            tip = (
                "No curve is kept for the photo's camera, so one is estimated from the photo. "
                "A weak estimate that stays near sRGB: one photo says little about its curve "
                "(bench/QUALITY.md). Measure the camera's curve from a bracket for a real one."
            )
        self.combo.setItemText(index, text)
        self.combo.setItemData(index, tip, QtCore.Qt.ItemDataRole.ToolTipRole)

    def set_file(self, path: str, warn: bool = True) -> bool:
        """Use a measured curve from ``path``; False (and a message, with ``warn``) when it
        is not one."""
        from hdr_studio.core.curve import parse_curve

        try:
            self._file_curve = parse_curve(path)
        except HdrStudioError as exc:
            if warn:
                QtWidgets.QMessageBox.warning(self, "Camera curve", str(exc))
            return False
        self.file = path
        index = self.combo.findData("file")
        self.combo.setItemText(index, f"Measured: {Path(path).name}")  # which curve is in use
        self.combo.setItemData(index, path, QtCore.Qt.ItemDataRole.ToolTipRole)
        self.combo.setCurrentIndex(index)
        self._last = self.combo.currentIndex()
        self._draw()
        return True

    def measure(self, shots: list[str], output: str, stops: float | None = None) -> None:
        """Measure the camera curve from the bracket ``shots`` on a worker, write it to
        ``output`` (its overwrite already confirmed) and use it."""
        from hdr_studio.api.bracket import MissingExposure, measure_bracket

        def work(progress, cancel):
            try:
                return measure_bracket(shots, output, stops, True, progress, cancel)
            except MissingExposure:
                return None  # ask for the spacing on the GUI thread

        def done(outcome) -> None:
            box = self.jobs.parent()  # the box shown now (adopt hands the worker on)
            if outcome is None:
                ev, ok = QtWidgets.QInputDialog.getDouble(
                    box,
                    "Camera curve",
                    "The shots carry no shutter times. How many EV apart are they?",
                    2.0,
                    0.3,
                    6.0,
                    1,
                )
                if ok:
                    box.measure(shots, output, ev)
                return
            box._read_kept()  # the measured curve may now be kept for the photo's camera
            box.set_file(str(outcome.output))
            fit = outcome.fit
            moved = outcome.largest_shift
            aligned = f"aligned, moved up to {moved} px; " if moved else ""
            kept = (
                f'\nKept for {outcome.camera}: choose "Camera\'s curve" for its photos.'
                if outcome.remembered is not None
                else ""
            )
            warnings = "".join(f"\nWarning: {n}." for n in outcome.notes)
            box.status.setText(
                f"Measured from {len(shots)} shots ({aligned}fit residual "
                f"{fit.residual:.2f} stops).{warnings}{kept}"
            )

        self.jobs.start("measure camera curve", work, done)

    def _job_changed(self, name: str) -> None:
        job = self.job
        if name == "progress" and job.state == "running":
            self.status.setText(f"Measuring the curve… {job.progress:.0%}")
        elif name == "state":
            self.status.setVisible(job.state != "idle")
            if job.state == "running":
                self.status.setText("Measuring the curve…")
            elif job.state == "failed":
                self.status.setText(f"Could not measure the curve: {job.error}")
            elif job.state == "cancelled":
                self.status.setText("Measuring cancelled.")

    def adopt(self, old: CurveBox) -> None:
        """Show ``old``'s choice (the panel is rebuilt once the networks are listed) and take
        over its measurement, running or not: its progress and result show here."""
        old._unsubscribe()
        self._unsubscribe()
        self.jobs.deleteLater()  # idle: this box has measured nothing yet
        self.job, self.jobs = old.job, old.jobs
        self.jobs.setParent(self)  # lives on with this box, whatever becomes of the old one
        self._unsubscribe = self.job.subscribe(self._job_changed)
        self.status.setText(old.status.text())
        self.status.setVisible(not old.status.isHidden())
        self.file, self._file_curve = old.file, old._file_curve
        self.camera, self._kept = old.camera, old._kept
        self._photo, self._auto = old._photo, old._auto
        for spec in ("file", "camera", "auto"):  # their labels name the curve in use
            index = self.combo.findData(spec)
            self.combo.setItemText(index, old.combo.itemText(index))
            tip = old.combo.itemData(index, QtCore.Qt.ItemDataRole.ToolTipRole)
            self.combo.setItemData(index, tip, QtCore.Qt.ItemDataRole.ToolTipRole)
        self.combo.setCurrentIndex(old.combo.currentIndex())
        self._last = self.combo.currentIndex()
        self._draw()

    def choice(self) -> tuple[str, str]:
        """What to keep across sessions: the choice's data ('' for the file's encoding) and
        the measured curve's path, if one is in use."""
        return self.combo.currentData() or "", self.file

    def restore(self, spec: str, file: str) -> None:
        """Bring back a :meth:`choice`; a curve file that is gone or no longer reads is
        dropped without a word (the file's encoding is used)."""
        if spec == "file":
            self.set_file(file, warn=False)
            return
        index = self.combo.findData(spec or None)
        if index >= 0 and spec != "bracket":
            self.combo.setCurrentIndex(index)
            self._last = index
            self._draw()

    def curve(self) -> str | None:
        """The request's ``curve``: None (the file's encoding), a name, or the file's path."""
        spec = self.combo.currentData()
        return self.file if spec == "file" else spec

    def _draw(self) -> None:
        from hdr_studio.core.curve import parse_curve

        x = np.linspace(0.0, 1.0, 256, dtype=np.float32)
        srgb = parse_curve("srgb")(x)
        self.reference.setData(x, srgb)  # the declared sRGB curve, dashed, for comparison
        spec = self.combo.currentData()
        if spec is None:
            shown = srgb
        elif spec == "camera":
            shown = self._kept(x) if self._kept is not None else srgb
        elif spec == "auto":
            curve = self._auto_curve()
            shown = curve(x) if curve is not None else srgb
            if curve is not None and self._kept is None:  # the estimate: name its exponent
                index = self.combo.findData("auto")
                exponent = curve.name.rsplit(": ", 1)[-1]
                self.combo.setItemText(index, f"Auto: estimated, {exponent}")
        elif spec == "file":
            shown = self._file_curve(x) if self._file_curve is not None else srgb
        else:
            shown = parse_curve(spec)(x)
        self.line.setData(x, shown)
