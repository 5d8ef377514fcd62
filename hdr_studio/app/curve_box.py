"""The Reconstruct panel's camera curve box: the choice of inverse response (the editor's
``curve`` setting) and a small plot of it (code value → relative linear light), with the
name of the curve drawn. What the choices resolve to lives in
:class:`~hdr_studio.app.model.curve.CurveModel`; this box shows it and asks for files."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from hdr_studio.api.curves import parse_curve
from hdr_studio.api.formats import open_filter
from hdr_studio.app.model.curve import CHOICES, CurveModel, choice_of
from hdr_studio.app.model.state import EditSettings
from hdr_studio.app.widgets import blocked, set_tip, tip, view_box


class CurveBox(QtWidgets.QGroupBox):
    def __init__(self, edits: EditSettings, model: CurveModel, jobs) -> None:
        super().__init__("Camera curve")
        self.edits, self.model, self.jobs = edits, model, jobs
        layout = QtWidgets.QVBoxLayout(self)
        self.combo = QtWidgets.QComboBox()
        for label, spec in CHOICES:
            self.combo.addItem(label, spec)
        set_tip(
            self.combo,
            "The camera's inverse response used to linearise 8/16-bit photos (cameras and "
            "phones put their own tone curve into JPEGs); a measured curve: one column of "
            "linear values, or two columns code,linear",
        )
        layout.addWidget(self.combo)
        self.plot = pg.PlotWidget()
        self.plot.setFixedHeight(110)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        box = view_box(self.plot)
        box.setXRange(0, 1, padding=0.02)
        box.setYRange(0, 1, padding=0.02)
        self.plot.getAxis("bottom").setLabel("code")
        self.plot.getAxis("left").setLabel("linear")
        self.line = self.plot.plot(pen=pg.mkPen((255, 200, 80), width=2))
        self.reference = self.plot.plot(
            pen=pg.mkPen((120, 120, 120), width=1, style=QtCore.Qt.PenStyle.DashLine)
        )
        layout.addWidget(self.plot)
        self.caption = QtWidgets.QLabel()  # the name of the curve drawn
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.status)
        self.combo.activated.connect(self._chosen)
        edits.subscribe(lambda name: self.sync() if name == "curve" else None)
        model.subscribe(self._model_changed)
        jobs.state.subscribe(self._job_changed)
        self.sync()

    # --- choosing ----------------------------------------------------------------------
    def _chosen(self, index: int) -> None:
        spec = self.combo.itemData(index)
        if spec == "bracket":
            self.sync()  # stays on the curve in use until a measured curve is in
            self._ask_bracket()
            return
        if spec == "file":
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "Measured camera curve", "", "Tables (*.csv *.txt);;All files (*)"
            )
            if path:
                self.use_file(path)
            self.sync()
            return
        self.edits.update(curve=spec)

    def use_file(self, path: str, warn: bool = True) -> bool:
        """Use a measured curve from ``path``; False (and a message, with ``warn``) when it
        is not one."""
        why = self.model.use_file(path)
        if why is not None:
            if warn:
                QtWidgets.QMessageBox.warning(self, "Camera curve", why)
            return False
        self.edits.update(curve=path)
        return True

    def _ask_bracket(self) -> None:
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
            self.model.measure(self.jobs, self.edits, shots, out)

    def _model_changed(self, name: str) -> None:
        if name == "needs_stops" and self.model.needs_stops:
            shots, output = self.model.needs_stops
            ev, ok = QtWidgets.QInputDialog.getDouble(
                self,
                "Camera curve",
                "The shots carry no shutter times. How many EV apart are they?",
                2.0,
                0.3,
                6.0,
                1,
            )
            if ok:
                self.model.measure(self.jobs, self.edits, list(shots), output, ev)
            return
        if name == "report":
            self.status.setText(self.model.report)
            self.status.setVisible(bool(self.model.report))
        self.sync()

    def _job_changed(self, name: str) -> None:
        job = self.jobs.state
        if name == "progress" and job.state == "running":
            self.status.setText(f"Measuring the curve… {job.progress:.0%}")
        elif name == "state" and job.state in ("failed", "cancelled"):
            self.status.setText(
                f"Could not measure the curve: {job.error}"
                if job.state == "failed"
                else "Measuring cancelled."
            )
            self.status.show()

    # --- showing -----------------------------------------------------------------------
    def sync(self) -> None:
        labels = self.model.labels()
        for spec, (text, tooltip) in labels.items():
            index = self.combo.findData(spec)
            self.combo.setItemText(index, text)
            self.combo.setItemData(index, tip(tooltip), QtCore.Qt.ItemDataRole.ToolTipRole)
        curve = self.edits.curve
        with blocked(self.combo):
            self.combo.setCurrentIndex(self.combo.findData(choice_of(curve)))
        x, y, name = self.model.shown(curve)
        self.line.setData(x, y)
        self.reference.setData(x, parse_curve("srgb")(x))  # sRGB, dashed, for comparison
        self.caption.setText(f"Drawn: {name}")

    def curve(self) -> str | None:
        """The request's ``curve``: None (the file's encoding), a name, or the file's path."""
        return self.edits.curve
