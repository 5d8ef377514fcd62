"""The Metadata panel: the photo's camera, lens, exposure, colour encoding and camera curve,
and what an export in the chosen format will carry (found by encoding a crop with the
export's writer, on a worker)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio.api.engine import formats_for
from hdr_studio.api.formats import EXPORT_FORMATS as FORMATS
from hdr_studio.app.model import metadata
from hdr_studio.app.model.settings import Store, stored_bool
from hdr_studio.app.model.state import AppState
from hdr_studio.app.model.status import transfer_name
from hdr_studio.app.widgets import blocked, set_tip
from hdr_studio.app.workers import LatestOnly


class MetadataPanel(QtWidgets.QWidget):
    def __init__(self, state: AppState, store: Store) -> None:
        super().__init__()
        self.state, self.store = state, store
        layout = QtWidgets.QVBoxLayout(self)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(("", ""))
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        layout.addWidget(self.tree, 1)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Export as"))
        self.format = QtWidgets.QComboBox()
        # the formats' long names made this tab, and the left panels with it, 376 px wide:
        # at 1024 px the photo had 296 px left
        self.format.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.format.setMinimumContentsLength(14)
        set_tip(
            self.format,
            "The format whose metadata is listed below (also the Export dialog's choice)",
        )
        row.addWidget(self.format, 1)
        layout.addLayout(row)
        self.photo = QtWidgets.QTreeWidgetItem(["Photo", ""])
        self.export = QtWidgets.QTreeWidgetItem(["Written into the export", ""])
        for item in (self.photo, self.export):
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
        self.tree.addTopLevelItems([self.photo, self.export])
        for item in (self.photo, self.export):  # across both columns: not cut by the labels'
            item.setFirstColumnSpanned(True)
        self.worker = LatestOnly(self._export_done, debounce_ms=100, parent=self)
        self.format.currentIndexChanged.connect(self._format_chosen)
        state.document.subscribe(self._document_changed)
        state.edits.subscribe(lambda name: self.sync_photo() if name == "curve" else None)
        self._fill_formats()
        self.sync_photo()

    def _fill_formats(self) -> None:
        doc = self.state.document
        kind = doc.outcome.kind if doc.outcome is not None else None
        names = formats_for(kind) if kind is not None else tuple(FORMATS)
        wanted = str(self.store.value("export/format", "png-pq"))
        with blocked(self.format):
            self.format.clear()
            for name in names:
                self.format.addItem(FORMATS[name].description, name)
            self.format.setCurrentIndex(max(0, self.format.findData(wanted)))

    def _format_chosen(self, _index: int) -> None:
        self.store.setValue("export/format", self.format.currentData())
        self.sync_export()

    def _document_changed(self, name: str) -> None:
        if name == "outcome":
            self._fill_formats()
        if name in ("image", "outcome"):
            self.sync_photo()
            self.sync_export()

    @staticmethod
    def _fill(parent: QtWidgets.QTreeWidgetItem, rows) -> None:
        """Rows of (label, value) or (label, value, the tags they stand for): the tags'
        own names are the label's tooltip, for readers of exiftool's output."""
        parent.takeChildren()
        for label, value, *tags in rows:
            child = QtWidgets.QTreeWidgetItem([label, value])
            child.setToolTip(1, value)
            names = tags[0] if tags else ()
            child.setToolTip(0, label + (f" ({', '.join(names)})" if names else ""))
            child.setData(0, QtCore.Qt.ItemDataRole.UserRole, list(names))
            parent.addChild(child)
        parent.setExpanded(True)

    def sync_photo(self) -> None:
        doc = self.state.document
        if doc.image is None:
            self._fill(self.photo, [("", "Open a photo")])
            return
        outcome = doc.outcome
        if outcome is not None:
            used = transfer_name(str(outcome.metadata.get("curve")))
            curve = f"{used} (used by the result)"
        else:
            shown = transfer_name(doc.image.transfer)
            curve = transfer_name(self.state.edits.curve or "") or f"as the file says ({shown})"
        self._fill(self.photo, metadata.photo_rows(doc.image, curve))
        self._fit_labels()

    def sync_export(self) -> None:
        doc = self.state.document
        fmt = self.format.currentData()
        if doc.image is None or fmt is None:
            self._fill(self.export, [])
            return
        image = metadata.with_curve_metadata(doc.image, doc.outcome)
        # as the Export dialog will write it: with the location left out when chosen there
        # (the panel listed the GPS rows the export then did not carry)
        strip = stored_bool(self.store.value("export/strip_location", "false"))
        self._fill(self.export, [("", "checking…")])
        self.worker.request(lambda: (fmt, metadata.export_rows(image, fmt, strip)))

    def _fit_labels(self) -> None:
        """The labels' column as wide as its labels, but at most two fifths of the panel:
        a long label ("Focal length (35 mm equivalent)") left the values a few letters."""
        self.tree.resizeColumnToContents(0)
        most = max(80, self.tree.viewport().width() * 2 // 5)
        if self.tree.columnWidth(0) > most:
            self.tree.setColumnWidth(0, most)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.sync_export()  # the Export dialog's choices may have changed meanwhile

    def _export_done(self, answer) -> None:
        fmt, rows = answer
        if fmt == self.format.currentData():
            self._fill(self.export, rows)
            self._fit_labels()

    def export_rows(self) -> list[tuple[str, str]]:
        """What the panel lists under "Written into the export" (for tests)."""
        items = (self.export.child(i) for i in range(self.export.childCount()))
        return [(item.text(0), item.text(1)) for item in items if item is not None]

    def export_tags(self) -> dict[str, list[str]]:
        """Each row's label → the file's attribute names it stands for (for tests)."""
        items = (self.export.child(i) for i in range(self.export.childCount()))
        role = QtCore.Qt.ItemDataRole.UserRole
        return {item.text(0): list(item.data(0, role) or []) for item in items if item}
