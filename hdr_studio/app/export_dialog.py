"""The export dialog: format, reference white, peak and quality, then a file name."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from hdr_studio.api.engine import check_export, formats_for
from hdr_studio.app.state import Document
from hdr_studio.core.errors import OutputError
from hdr_studio.core.export import FORMATS, ExportOptions
from hdr_studio.core.result import ResultKind


class ExportDialog(QtWidgets.QDialog):
    """Lists the formats that fit the result's kind (an SDR declipping result is offered SDR
    and linear formats, never PQ)."""

    def __init__(self, parent, doc: Document, settings: QtCore.QSettings, kind: ResultKind) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.doc = doc
        self.kind = kind
        self.settings = settings
        form = QtWidgets.QFormLayout(self)
        self.format = QtWidgets.QComboBox()
        for name in formats_for(kind):
            fmt = FORMATS[name]
            self.format.addItem(f"{fmt.description}  ({fmt.extensions[0]})", name)
        self.format.setCurrentIndex(
            max(0, self.format.findData(settings.value("export/format", "png-pq")))
        )
        self.white = QtWidgets.QDoubleSpinBox()
        self.white.setRange(1, 10000)
        self.white.setValue(float(settings.value("export/white", 203.0)))
        self.white.setSuffix(" cd/m²")
        self.peak = QtWidgets.QDoubleSpinBox()
        self.peak.setRange(100, 10000)
        self.peak.setValue(float(settings.value("export/peak", 1000.0)))
        self.peak.setSuffix(" cd/m²")
        self.quality = QtWidgets.QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(int(settings.value("export/quality", 92)))
        form.addRow("Format", self.format)
        form.addRow("SDR white maps to", self.white)
        form.addRow("Peak", self.peak)
        form.addRow("Quality (lossy)", self.quality)
        self.invented = QtWidgets.QCheckBox("Add an 'invented' channel (EXR)")
        self.invented.setToolTip(
            "0–1 per pixel: the share of its light that was reconstructed, not measured; "
            "after Mirror passes also 'uncertain': the stops by which they disagreed"
        )
        self.invented.setChecked(settings.value("export/invented", "false") == "true")
        form.addRow("", self.invented)
        self.format.currentIndexChanged.connect(
            lambda _: self.invented.setEnabled(self.format.currentData() == "exr")
        )
        self.invented.setEnabled(self.format.currentData() == "exr")
        what = (
            "the reconstruction"
            if doc.result is not None
            else "the linearised photo (no reconstruction yet)"
        )
        form.addRow(QtWidgets.QLabel(f"Exports {what}."))
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Save
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._choose)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.path = ""
        self.fmt = "png-pq"
        self.options = ExportOptions()

    def _choose(self) -> None:
        try:
            options = ExportOptions(
                self.white.value(),
                self.peak.value(),
                self.quality.value(),
                invented_channel=self.invented.isChecked() and self.invented.isEnabled(),
            )
        except ValueError as exc:
            QtWidgets.QMessageBox.warning(self, "Export", str(exc))
            return
        fmt = self.format.currentData()
        ext = FORMATS[fmt].extensions[0]
        src = self.doc.path or Path.home() / "untitled"
        suggested = (
            Path(self.settings.value("export/dir", str(src.parent))) / f"{src.stem}_hdr{ext}"
        )
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export", str(suggested), f"*{ext}")
        if not path:
            return
        if not path.lower().endswith(FORMATS[fmt].extensions):
            path += ext
        try:
            check_export(self.doc.image, Path(path), self.kind, fmt)
        except OutputError as exc:
            QtWidgets.QMessageBox.warning(self, "Export", f"{exc}: choose another name.")
            return
        self.path, self.fmt, self.options = path, fmt, options
        for k, v in (
            ("format", fmt),
            ("white", options.reference_white),
            ("peak", options.peak_nits),
            ("quality", options.quality),
            ("invented", "true" if self.invented.isChecked() else "false"),
            ("dir", str(Path(path).parent)),
        ):
            self.settings.setValue(f"export/{k}", v)
        self.accept()
