"""The export dialog: format, reference white, peak and quality (enabled where the format
uses them), the 'invented' channel (an EXR of a reconstruction), then a file name."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

from hdr_studio.api.engine import check_export, formats_for
from hdr_studio.api.errors import OutputError
from hdr_studio.api.formats import EXPORT_FORMATS as FORMATS
from hdr_studio.api.formats import ExportOptions
from hdr_studio.api.types import ResultKind
from hdr_studio.app.model.export import export_path, extensions, invented_available, uses
from hdr_studio.app.model.settings import Store, stored_bool
from hdr_studio.app.model.state import Document
from hdr_studio.app.widgets import float_widget, int_widget, set_tip, tag_parameter


class ExportDialog(QtWidgets.QDialog):
    """Lists the formats that fit the result's kind (an SDR declipping result is offered SDR
    and linear formats, never PQ)."""

    def __init__(
        self, parent, doc: Document, settings: Store, kind: ResultKind, exposure: float = 0.0
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.doc = doc
        self.kind = kind
        self.settings = settings
        form = QtWidgets.QFormLayout(self)
        self.format = QtWidgets.QComboBox()
        for name in formats_for(kind):
            record = FORMATS[name]
            self.format.addItem(f"{record.description}  ({record.extensions[0]})", name)
        self.format.setCurrentIndex(
            max(0, self.format.findData(settings.value("export/format", "png-pq")))
        )
        # Ranges and defaults from the request's parameter table; the last values used win.
        self.white = float_widget("reconstruct.export.reference_white")
        self.white.setValue(float(settings.value("export/white", self.white.value())))
        self.white.setSuffix(" cd/m²")
        set_tip(self.white, "The luminance SDR white (linear 1.0) takes in PQ files (BT.2408: 203)")
        self.peak = float_widget("reconstruct.export.peak_nits")
        self.peak.setValue(float(settings.value("export/peak", self.peak.value())))
        self.peak.setSuffix(" cd/m²")
        set_tip(self.peak, "Brighter light rolls off to this peak (BT.2390), never a hard clip")
        self.quality = int_widget("reconstruct.export.quality")
        self.quality.setValue(int(settings.value("export/quality", self.quality.value())))
        set_tip(
            self.quality, "Compression quality of JPEG, AVIF and JPEG XL (JPEG XL: 100 is lossless)"
        )
        self.exposure = float_widget("reconstruct.export.sdr_exposure")
        self.exposure.setValue(exposure)  # what the editor sees: the view's exposure
        self.exposure.setSuffix(" EV")
        set_tip(
            self.exposure,
            "Exposure before the SDR rendition (the SDR formats, an Ultra HDR file's base "
            "image): the view's, as set in the toolbar",
        )
        form.addRow("Format", self.format)
        form.addRow("SDR white maps to", self.white)
        form.addRow("Peak", self.peak)
        form.addRow("Quality (lossy)", self.quality)
        form.addRow("SDR exposure", self.exposure)
        self.invented = QtWidgets.QCheckBox("Add an 'invented' channel (EXR)")
        tag_parameter(self.invented, "reconstruct.export.invented_channel")
        self._invented_wanted = stored_bool(settings.value("export/invented", "false"))
        form.addRow("", self.invented)
        self.invented.toggled.connect(self._invented_toggled)
        self.strip_location = QtWidgets.QCheckBox("Leave out where it was taken (GPS)")
        tag_parameter(self.strip_location, "reconstruct.export.strip_location")
        self.strip_location.setChecked(
            stored_bool(settings.value("export/strip_location", "false"))
        )
        form.addRow("", self.strip_location)
        self.format.currentIndexChanged.connect(lambda _: self._format_changed())
        what = (
            "the reconstruction"
            if doc.result is not None
            else "the linearised photo (no reconstruction yet)"
        )
        form.addRow(QtWidgets.QLabel(f"Exports {what}."))
        self.problem = QtWidgets.QLabel()
        self.problem.setWordWrap(True)
        self.problem.setMinimumWidth(420)
        self.problem.setStyleSheet("color: #e55;")
        self.problem.hide()
        form.addRow(self.problem)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Save
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._choose)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.file_dialog: QtWidgets.QFileDialog | None = None
        self.path = ""
        self.fmt = "png-pq"
        self.options = ExportOptions()
        self._format_changed()

    # --- what the format uses ----------------------------------------------------------
    def _format_changed(self) -> None:
        fmt = self.format.currentData()
        for widget, option in (
            (self.white, "reference_white"),
            (self.peak, "peak_nits"),
            (self.quality, "quality"),
            (self.exposure, "sdr_exposure"),
        ):
            widget.setEnabled(uses(fmt, option))
        carries = uses(fmt, "strip_location")
        self.strip_location.setEnabled(carries)
        set_tip(
            self.strip_location,
            "The photo's GPS position and its IPTC city and country are left out of the "
            "file, for a photo to be published; camera, exposure and copyright are kept"
            if carries
            else "This format carries none of the photo's metadata: nothing to leave out",
        )
        available = invented_available(fmt, self.doc.result is not None)
        self.invented.setEnabled(available)
        self.invented.blockSignals(True)
        self.invented.setChecked(available and self._invented_wanted)
        self.invented.blockSignals(False)
        set_tip(
            self.invented,
            "0–1 per pixel: the share of its light that was reconstructed, not measured; "
            "after Mirror passes also 'uncertain': the stops by which they disagreed"
            if available
            else "Only an OpenEXR export of a reconstruction carries it: nothing is invented "
            "before one, and other formats have no room for it",
        )
        self.problem.hide()

    def _invented_toggled(self, on: bool) -> None:
        self._invented_wanted = on

    # --- the file name -----------------------------------------------------------------
    def _choose(self) -> None:
        fmt = self.format.currentData()
        ext = extensions(fmt)[0]
        src = self.doc.path or Path.home() / "untitled"
        folder = Path(self.settings.value("export/dir", str(src.parent)))
        if not folder.is_dir():  # an unplugged drive: the photo's own folder
            folder = src.parent
        tail = "_hdr" if FORMATS[fmt].hdr else "_sdr"  # an SDR and an HDR PNG: two names
        dlg = QtWidgets.QFileDialog(self, "Export", str(folder / f"{src.stem}{tail}{ext}"))
        dlg.setAcceptMode(QtWidgets.QFileDialog.AcceptMode.AcceptSave)
        globs = " ".join(f"*{e}" for e in extensions(fmt))
        dlg.setNameFilter(f"{FORMATS[fmt].description} ({globs})")
        # No default suffix (a native dialog may add it to any name, x.jpg.png): the name
        # typed is checked and completed here, and the overwrite question is asked below, of
        # the file that will be written.
        dlg.setOption(QtWidgets.QFileDialog.Option.DontConfirmOverwrite, True)
        dlg.fileSelected.connect(self.file_chosen)
        self.file_dialog = dlg
        dlg.open()

    def file_chosen(self, typed: str) -> None:
        """Check the name the file dialog returned and accept the export, or say why not."""
        fmt = self.format.currentData()
        path, why = export_path(typed, fmt)
        if path is None:
            self._refuse(why)
            return
        try:
            options = ExportOptions(
                self.white.value(),
                self.peak.value(),
                self.quality.value(),
                sdr_exposure=self.exposure.value() if self.exposure.isEnabled() else 0.0,
                invented_channel=self.invented.isChecked() and self.invented.isEnabled(),
                strip_location=self.strip_location.isChecked(),
            )
            image = self.doc.image
            assert image is not None  # the dialog opens only for an open photo's result
            check_export(image, path, self.kind, fmt)
        except (ValueError, OutputError) as exc:
            other = "folder" if isinstance(exc, OutputError) and exc.folder else "name"
            self._refuse(f"{exc}: choose another {other}.")
            return
        if path.exists() and not self._confirm_replace(path):
            return
        self.path, self.fmt, self.options = str(path), fmt, options
        for k, v in (
            ("format", fmt),
            ("white", options.reference_white),
            ("peak", options.peak_nits),
            ("quality", options.quality),
            ("invented", "true" if self._invented_wanted else "false"),
            ("strip_location", "true" if self.strip_location.isChecked() else "false"),
            ("dir", str(path.parent)),
        ):
            self.settings.setValue(f"export/{k}", v)
        self.accept()

    def _refuse(self, why: str) -> None:
        self.problem.setText(why)
        self.problem.show()
        self.adjustSize()  # the whole reason shows, not its first line

    def _confirm_replace(self, path: Path) -> bool:
        answer = QtWidgets.QMessageBox.question(
            self, "Export", f"{path.name} already exists. Replace it?"
        )
        return answer == QtWidgets.QMessageBox.StandardButton.Yes
