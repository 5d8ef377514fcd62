"""File ▸ Batch…: the batch of the command line (same planning, pool and report) run from the
app on a worker, with overall progress, each photo's status, Cancel and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from hdr_studio.api.catalogue import MethodInfo
from hdr_studio.app.state import JobState
from hdr_studio.app.workers import JobController
from hdr_studio.core.export import FORMATS

COLUMNS = ("Photo", "Status", "Seconds", "Message")


class _Events(QtCore.QObject):
    event = QtCore.Signal(object)


class BatchDialog(QtWidgets.QDialog):
    """Inputs (files or a folder), output folder, method, format, camera curve, resume; Run,
    Cancel. The strength and passes are the Reconstruct panel's, as the dialog says."""

    def __init__(
        self,
        parent,
        methods: list[MethodInfo],
        default: str,
        curve: tuple[str, str | None] = ("As each file says", None),
        strength: float = 1.0,
        passes: int = 1,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Batch")
        self.resize(760, 520)
        self.state = JobState()
        self.jobs = JobController(self.state, self)
        self.events = _Events(self)
        self.events.event.connect(self._on_event)
        self.report_path: Path | None = None
        self.result: Any = None

        form = QtWidgets.QFormLayout()
        self.inputs = QtWidgets.QListWidget()
        self.inputs.setMaximumHeight(90)
        add_files = QtWidgets.QPushButton("Add photos…")
        add_folder = QtWidgets.QPushButton("Add folder…")
        clear = QtWidgets.QPushButton("Clear")
        add_files.clicked.connect(self._add_files)
        add_folder.clicked.connect(self._add_folder)
        clear.clicked.connect(self.inputs.clear)
        row = QtWidgets.QHBoxLayout()
        for b in (add_files, add_folder, clear):
            row.addWidget(b)
        self.recursive = QtWidgets.QCheckBox("Include subfolders")
        row.addWidget(self.recursive)
        box = QtWidgets.QVBoxLayout()
        box.addWidget(self.inputs)
        box.addLayout(row)
        form.addRow("Inputs", box)
        self.output = QtWidgets.QLineEdit()
        browse = QtWidgets.QPushButton("Choose…")
        browse.clicked.connect(self._choose_output)
        out_row = QtWidgets.QHBoxLayout()
        out_row.addWidget(self.output)
        out_row.addWidget(browse)
        form.addRow("Output folder", out_row)
        self.method = QtWidgets.QComboBox()
        for m in methods:
            if m.available:
                self.method.addItem(m.label, m.name)
        self.method.setCurrentIndex(max(0, self.method.findData(default)))
        form.addRow("Method", self.method)
        self.format = QtWidgets.QComboBox()
        for name, fmt in FORMATS.items():
            self.format.addItem(fmt.description, name)
        self.format.setCurrentIndex(self.format.findData("exr"))
        form.addRow("Format", self.format)
        self.curve = QtWidgets.QComboBox()
        self.curve.addItem("As each file says", None)
        self.curve.addItem("Each photo's camera's measured curve, where kept", "camera")
        self.curve.addItem("Auto: that curve, else a weak estimate from each photo", "auto")
        if curve[1] not in (None, "camera", "auto"):
            self.curve.addItem(f"As in the Reconstruct panel: {curve[0]}", curve[1])
        self.curve.setCurrentIndex(max(0, self.curve.findData(curve[1])))
        self.curve.setToolTip(
            "How 8/16-bit photos are linearised. A camera's curve is kept when a bracket shot "
            "with it is measured (Camera curve ▸ Measure from a bracket…)."
        )
        form.addRow("Camera curve", self.curve)
        self.strength, self.passes = strength, passes
        form.addRow(
            "",
            QtWidgets.QLabel(
                f"Strength {round(strength * 100)} %, "
                f"{'mirror passes' if passes == 3 else 'one pass'} "
                "(as in the Reconstruct panel)"
            ),
        )
        self.resume = QtWidgets.QCheckBox("Skip photos whose output is current (resume)")
        self.resume.setChecked(True)
        form.addRow("", self.resume)

        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.progress = QtWidgets.QProgressBar()
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.run_button = QtWidgets.QPushButton("Run")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        close = QtWidgets.QPushButton("Close")
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.jobs.cancel)
        close.clicked.connect(self.close)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.run_button, self.cancel_button, close):
            buttons.addWidget(b)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.state.subscribe(self._job_changed)

    # --- inputs ----------------------------------------------------------------------
    def add_inputs(self, paths: list[str | Path]) -> None:
        for p in paths:
            self.inputs.addItem(str(p))

    def _add_files(self) -> None:
        from hdr_studio.core.formats import open_filter

        files, _ = QtWidgets.QFileDialog.getOpenFileNames(self, "Photos", "", open_filter())
        self.add_inputs(files)

    def _add_folder(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Folder of photos")
        if folder:
            self.add_inputs([folder])

    def _choose_output(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Output folder")
        if folder:
            self.output.setText(folder)

    # --- running ---------------------------------------------------------------------
    def run(self) -> None:
        inputs = [self.inputs.item(i).text() for i in range(self.inputs.count())]
        outdir = self.output.text().strip()
        if not inputs or not outdir:
            self.status.setText("Add photos or a folder, and choose an output folder.")
            return
        method, fmt = self.method.currentData(), self.format.currentData()
        curve, strength, passes = self.curve.currentData(), self.strength, self.passes
        recursive, resume = self.recursive.isChecked(), self.resume.isChecked()
        self.table.setRowCount(0)
        self._rows: dict[str, int] = {}
        emit = self.events.event.emit

        def work(progress, cancel):
            from hdr_studio.api.request import ReconstructRequest
            from hdr_studio.batch.inputs import collect
            from hdr_studio.batch.run import plan, run_batch
            from hdr_studio.core.errors import InputError

            items = collect(inputs, recursive, FORMATS[fmt].extensions[0])
            if not items:
                raise InputError("no photos found in the inputs")
            template = ReconstructRequest(
                input=Path(),
                method=method,
                format=fmt,
                curve=curve,
                strength=strength,
                passes=passes,
            )
            out = Path(outdir)
            tasks, skipped, manifest = plan(items, out, template, resume, not resume)
            out.mkdir(parents=True, exist_ok=True)
            report = run_batch(tasks, skipped, manifest, 1, emit, lambda: cancel.cancelled)
            path, _ = report.write(out / "batch-report.json")
            return report, path

        self.jobs.start("Batch", work, self._finished)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event["event"] == "start":
            self.progress.setRange(0, max(1, event["total"]))
            self.progress.setValue(0)
        elif event["event"] == "photo":
            row = self.table.rowCount()
            self.table.insertRow(row)
            values = (
                Path(event["file"]).name,
                event["status"],
                f"{event['seconds']:.1f}",
                event["message"],
            )
            for col, text in enumerate(values):
                self.table.setItem(row, col, QtWidgets.QTableWidgetItem(text))
            self.progress.setValue(event["done"])
            self.status.setText(f"{event['done']} of {event['total']} photos")

    def _finished(self, result) -> None:
        report, path = result
        self.result, self.report_path = report, path
        state = "interrupted" if report.interrupted else "done"
        self.status.setText(
            f"Batch {state}: {report.count('ok')} done, {report.count('current')} already "
            f"current, {report.count('failed')} failed. Report: {path}"
        )

    def _job_changed(self, field: str) -> None:
        running = self.state.state == "running"
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if field == "state" and self.state.state == "failed":
            self.status.setText(f"Batch failed: {self.state.error}")

    def closeEvent(self, event) -> None:
        self.jobs.cancel()
        self.jobs.wait(60000)
        super().closeEvent(event)
