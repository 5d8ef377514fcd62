"""File ▸ Batch…: the batch of the command line (same planning, pool and report) run from the
app on a worker, with overall progress, each photo's status (those already current too),
Cancel, the report, and "Open output folder". The output folder, format, naming template,
resume and subfolder choices are kept between sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio.api.errors import InputError
from hdr_studio.api.formats import EXPORT_FORMATS as FORMATS
from hdr_studio.api.formats import ExportOptions, open_filter
from hdr_studio.app.model.batch import (
    TEMPLATE_FIELDS,
    BatchSettings,
    apply_template,
    check_template,
    example_name,
    template_values,
)
from hdr_studio.app.model.curve import curve_label
from hdr_studio.app.model.export import extensions, uses
from hdr_studio.app.model.settings import Store
from hdr_studio.app.model.state import AppState, JobState
from hdr_studio.app.widgets import set_tip, tag_parameter
from hdr_studio.app.workers import JobController

COLUMNS = ("Photo", "Status", "Seconds", "Message")


class _Events(QtCore.QObject):
    # Not "event": that name is QObject.event(), which Qt calls for every event delivered.
    posted = QtCore.Signal(object)


class BatchDialog(QtWidgets.QDialog):
    """Inputs (files or a folder), output folder, naming template, method, format, camera
    curve, resume; Run, Cancel, Open output folder. The strength and passes are the
    Reconstruct panel's, as the dialog says."""

    def __init__(self, parent, state: AppState, store: Store) -> None:
        super().__init__(parent)
        self.setWindowTitle("Batch")
        self.resize(780, 560)
        self.store = store
        self.saved = BatchSettings.load(store)
        self.state = JobState()
        self.jobs = JobController(self.state, self)
        self.events = _Events(self)
        self.events.posted.connect(self._on_event)
        self.report_path: Path | None = None
        self.result: Any = None
        self.app = state  # the Reconstruct panel's settings, read when the batch runs

        form = self._settings_form(state)
        buttons = self._run_area()
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.state.subscribe(self._job_changed)

    def _settings_form(self, state: AppState) -> QtWidgets.QFormLayout:
        """Inputs, output folder and names, method, format, camera curve, resume."""
        edits = state.edits
        form = QtWidgets.QFormLayout()
        form.addRow("Inputs", self._inputs_box())
        self.output = QtWidgets.QLineEdit(self.saved.output)
        browse = QtWidgets.QPushButton("Choose…")
        browse.clicked.connect(self._choose_output)
        out_row = QtWidgets.QHBoxLayout()
        out_row.addWidget(self.output)
        out_row.addWidget(browse)
        form.addRow("Output folder", out_row)
        self.template = QtWidgets.QLineEdit(self.saved.template)
        self.template.setPlaceholderText("{name}")
        set_tip(
            self.template,
            "Each output's name: "
            + "; ".join(f"{{{k}}} {v}" for k, v in TEMPLATE_FIELDS.items())
            + ". The format's extension is added.",
        )
        self.example = QtWidgets.QLabel()
        name_row = QtWidgets.QHBoxLayout()
        name_row.addWidget(self.template, 1)
        name_row.addWidget(self.example)
        form.addRow("Output names", name_row)
        self.method = QtWidgets.QComboBox()
        for m in state.methods.methods:
            if m.available:
                self.method.addItem(m.label, m.name)
        self.method.setCurrentIndex(max(0, self.method.findData(edits.method)))
        form.addRow("Method", self.method)
        self.format = QtWidgets.QComboBox()
        for name, fmt in FORMATS.items():
            self.format.addItem(fmt.description, name)
        self.format.setCurrentIndex(max(0, self.format.findData(self.saved.format)))
        form.addRow("Format", self.format)
        self.curve = self._curve_box(edits.curve)
        form.addRow("Camera curve", self.curve)
        self.panel_line = QtWidgets.QLabel()
        form.addRow("", self.panel_line)
        # the dialog stays open beside the window: the line follows the panel (it kept the
        # strength of when it opened, and a batch ran with it)
        unsubscribe = edits.subscribe(lambda *_: self._show_panel_settings())
        self.destroyed.connect(lambda *_: unsubscribe())
        self.finished.connect(lambda *_: unsubscribe())
        self._show_panel_settings()
        self.strip_location = QtWidgets.QCheckBox("Leave out where they were taken (GPS)")
        tag_parameter(self.strip_location, "reconstruct.export.strip_location")
        self.strip_location.setChecked(self.saved.strip_location)
        form.addRow("", self.strip_location)
        self.resume = QtWidgets.QCheckBox("Skip photos whose output is current (resume)")
        self.resume.setChecked(self.saved.resume)
        form.addRow("", self.resume)
        for signal in (
            self.template.textChanged,
            self.method.currentIndexChanged,
            self.format.currentIndexChanged,
        ):
            signal.connect(lambda *_: self._show_example())
        self.method.currentIndexChanged.connect(lambda *_: self._show_panel_settings())
        self.format.currentIndexChanged.connect(lambda *_: self._format_changed())
        self._show_example()
        self._format_changed()
        return form

    def _format_changed(self) -> None:
        carries = uses(self.format.currentData(), "strip_location")
        self.strip_location.setEnabled(carries)
        set_tip(
            self.strip_location,
            "The photos' GPS position and IPTC city and country are left out of the outputs"
            if carries
            else "This format carries none of the photos' metadata: nothing to leave out",
        )

    @staticmethod
    def _curve_box(panel_curve: str | None) -> QtWidgets.QComboBox:
        """The camera-curve choices, with the Reconstruct panel's selected."""
        curve = QtWidgets.QComboBox()
        curve.addItem("As each file says", None)
        curve.addItem("Each photo's camera's measured curve, where kept", "camera")
        curve.addItem("Auto: that curve, else a weak estimate from each photo", "auto")
        if panel_curve not in (None, "camera", "auto"):
            curve.addItem(f"As in the Reconstruct panel: {curve_label(panel_curve)}", panel_curve)
        curve.setCurrentIndex(max(0, curve.findData(panel_curve)))
        set_tip(
            curve,
            "How 8/16-bit photos are linearised. A camera's curve is kept when a bracket shot "
            "with it is measured (Camera curve ▸ Measure from a bracket…).",
        )
        return curve

    def _run_area(self) -> QtWidgets.QHBoxLayout:
        """The photos' table, the progress, the status line and the buttons."""
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        fit = QtWidgets.QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(1, fit)
        header.setSectionResizeMode(2, fit)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.progress = QtWidgets.QProgressBar()
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.run_button = QtWidgets.QPushButton("Run")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.open_folder = QtWidgets.QPushButton("Open output folder")
        self.open_folder.setEnabled(False)
        set_tip(self.open_folder, "Show the outputs in the file manager")
        close = QtWidgets.QPushButton("Close")
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.jobs.cancel)
        self.open_folder.clicked.connect(self.open_output_folder)
        close.clicked.connect(self.close)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.open_folder)
        buttons.addStretch(1)
        for b in (self.run_button, self.cancel_button, close):
            buttons.addWidget(b)
        return buttons

    # --- inputs ----------------------------------------------------------------------
    def _inputs_box(self) -> QtWidgets.QVBoxLayout:
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
        self.recursive.setChecked(self.saved.recursive)
        row.addWidget(self.recursive)
        box = QtWidgets.QVBoxLayout()
        box.addWidget(self.inputs)
        box.addLayout(row)
        return box

    def add_inputs(self, paths: Sequence[str | Path]) -> None:
        for p in paths:
            self.inputs.addItem(str(p))

    def _add_files(self) -> None:
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

    def _show_panel_settings(self) -> None:
        edits = self.app.edits
        method = self.method.currentData() or ""
        opts = edits.options_for(method)
        text = (
            f"Strength {round(edits.strength * 100)} %, "
            f"{'mirror passes' if edits.passes == 3 else 'one pass'}"
            + "".join(f", {k.replace('_', ' ')} {v:g}" for k, v in sorted(opts.items()))
            + " (as in the Reconstruct panel)"
        )
        self.panel_line.setText(text)
        self._show_example()

    def _values(self) -> dict[str, str]:
        return template_values(
            self.method.currentData() or "", self.app.edits.strength, self.format.currentData()
        )

    def _show_example(self) -> None:
        fmt = self.format.currentData()
        text = example_name(self.template.text() or "{name}", self._values(), extensions(fmt)[0])
        self.example.setText(f"IMG_0001 → {text}")

    # --- running ---------------------------------------------------------------------
    def _remember(self) -> None:
        BatchSettings(
            output=self.output.text().strip(),
            format=self.format.currentData(),
            resume=self.resume.isChecked(),
            recursive=self.recursive.isChecked(),
            template=self.template.text() or "{name}",
            strip_location=self.strip_location.isChecked(),
        ).save(self.store)

    def run(self) -> None:
        # the last run's rows go whatever happens: beside a refusal they read as its result
        self.table.setRowCount(0)
        inputs = [self.inputs.item(i).text() for i in range(self.inputs.count())]
        outdir = self.output.text().strip()
        if not inputs or not outdir:
            self.status.setText("Add photos or a folder, and choose an output folder.")
            return
        template = self.template.text() or "{name}"
        try:
            check_template(template)
        except InputError as exc:
            self.status.setText(str(exc))
            return
        self._remember()
        method, fmt = self.method.currentData(), self.format.currentData()
        edits = self.app.edits  # as the panel is now, as the window's own reconstruction
        curve, strength, passes = self.curve.currentData(), edits.strength, edits.passes
        options, over = edits.options_for(method), self.app.overlay.over
        export = ExportOptions(
            strip_location=self.strip_location.isChecked() and self.strip_location.isEnabled()
        )
        recursive, resume = self.recursive.isChecked(), self.resume.isChecked()
        values = self._values()
        self.table.setRowCount(0)
        self.open_folder.setEnabled(False)
        emit = self.events.posted.emit

        def work(progress, cancel):
            from hdr_studio.api.request import ReconstructRequest
            from hdr_studio.batch.inputs import collect
            from hdr_studio.batch.run import plan, run_batch

            items = collect(inputs, recursive, extensions(fmt)[0], Path(outdir))
            items = apply_template(items, template, values)
            request = ReconstructRequest(
                input=Path(),
                method=method,
                format=fmt,
                curve=curve,
                strength=strength,
                passes=passes,
                options=options,
                over=over,
                export=export,
            )
            out = Path(outdir)
            tasks, skipped, manifest = plan(items, out, request, resume, not resume)
            total = len(tasks) + len(skipped)
            for i, rec in enumerate(skipped):  # the photos already current show too
                emit({"event": "photo", **asdict(rec), "done": i + 1, "total": total})
            out.mkdir(parents=True, exist_ok=True)
            report = run_batch(tasks, skipped, manifest, 1, emit, lambda: cancel.cancelled)
            path, _ = report.write(out / "batch-report.json")
            return report, path

        self.jobs.start("Batch", work, self._finished)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event["event"] == "start":
            self.progress.setRange(0, max(1, event["total"]))
        elif event["event"] == "photo":
            row = self.table.rowCount()
            self.table.insertRow(row)
            values = (
                Path(event["file"]).name,
                event["status"],
                f"{event.get('seconds', 0.0):.1f}",
                event.get("message", ""),
            )
            for col, text in enumerate(values):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(str(event["file"]) if col == 0 else text)
                self.table.setItem(row, col, item)
            self._fit_names()
            self.progress.setRange(0, max(1, event["total"]))
            self.progress.setValue(event["done"])
            self.status.setText(f"{event['done']} of {event['total']} photos")

    def _fit_names(self) -> None:
        """The Photo column as wide as its longest name (it was 100 px: "IMG_2024…"), at
        most half the table; the whole path is in each name's tooltip."""
        hint = self.table.sizeHintForColumn(0) + 12
        most = self.table.viewport().width() // 2
        if hint > self.table.columnWidth(0):
            self.table.setColumnWidth(0, min(hint, max(most, 100)))

    def _finished(self, result) -> None:
        report, path = result
        self.result, self.report_path = report, path
        state = "interrupted" if report.interrupted else "done"
        if not report.interrupted:
            self.progress.setValue(self.progress.maximum())
        self.open_folder.setEnabled(True)
        self.status.setText(
            f"Batch {state}: {report.count('ok')} done, {report.count('current')} already "
            f"current, {report.count('failed')} failed. Report: {path}"
        )

    def open_output_folder(self) -> None:
        folder = self.output.text().strip()
        if folder:
            QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(folder))

    def _job_changed(self, field: str) -> None:
        running = self.state.state == "running"
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if field == "state" and self.state.state == "failed":
            self.status.setText(f"Batch failed: {self.state.error}")

    def closeEvent(self, event) -> None:
        self.jobs.cancel()
        self.jobs.wait(60000)
        self._remember()
        super().closeEvent(event)
