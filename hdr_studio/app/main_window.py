"""The main window: the viewer in the centre, panels in docks, the filmstrip below. It binds
widgets to the plain models (:mod:`hdr_studio.app.model`); the document's jobs and their
policy live in :class:`~hdr_studio.app.model.controller.DocumentController`, what is drawn
is computed by :mod:`hdr_studio.app.model.frames` on workers."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio.api.errors import HdrStudioError
from hdr_studio.api.formats import open_filter
from hdr_studio.api.types import ClipStats
from hdr_studio.app.docks import (
    Docks,
    PanelsHidden,
    as_fitted,
    build_docks,
    fit_widths,
    hide_stray_tab_bars_soon,
)
from hdr_studio.app.hdr_view import HdrPresenter
from hdr_studio.app.menus import Handlers, build_menus, build_toolbar, show_shortcuts
from hdr_studio.app.model import render
from hdr_studio.app.model.controller import NO_PHOTO, DocumentController
from hdr_studio.app.model.curve import CurveModel
from hdr_studio.app.model.history import History
from hdr_studio.app.model.session import Session
from hdr_studio.app.model.settings import RecentFiles, Store
from hdr_studio.app.model.state import AppState, JobState
from hdr_studio.app.model.status import describe_opened
from hdr_studio.app.model.tonemap_cache import ToneMapCache
from hdr_studio.app.startup import StartUp
from hdr_studio.app.view_binding import ViewBinding
from hdr_studio.app.viewer import ImageViewer
from hdr_studio.app.window_settings import restore_window, save_window
from hdr_studio.app.workers import JobController, LatestOnly, run_closure


class MainWindow(QtWidgets.QMainWindow):
    """``store``: where settings live between sessions (default: the user's QSettings; a
    :class:`~hdr_studio.app.model.settings.MemoryStore` leaves them untouched);
    ``hdr_backend``: the HDR view's graphics backend (default: the platform's; "null":
    Qt's null backend, which draws nothing)."""

    def __init__(
        self,
        state: AppState | None = None,
        store: Store | None = None,
        hdr_backend: str | None = None,
    ) -> None:
        super().__init__()
        self.state = s = state or AppState()
        self.setWindowTitle("HDR Studio")
        self.setAcceptDrops(True)
        self.settings: Store = (
            store if store is not None else QtCore.QSettings("HDR Studio", "HDR Studio")
        )
        self.recent = RecentFiles(self.settings)
        self.tonemaps = ToneMapCache()
        self.jobs = JobController(s.job, self)
        self.curve_jobs = JobController(JobState(), self)
        self.previews = LatestOnly(run_closure, debounce_ms=0, parent=self)
        self.refinish = LatestOnly(run_closure, debounce_ms=40, parent=self)
        self.analyses = LatestOnly(run_closure, debounce_ms=0, parent=self)
        self.controller = DocumentController(
            s, self.jobs, self.previews, self.refinish, self.analyses
        )
        self.history = History()
        self.history.watch(s)
        self.session = Session()
        self.session.attach(s, self.history)
        self.controller.session = self.session
        self.curves = CurveModel()
        self.last_error = ""
        self.roundtrip = None  # set when a host's layer is open (hdr_studio.app.model.roundtrip)

        from hdr_studio.api.catalogue import BUILT_IN

        s.methods.update(methods=tuple(BUILT_IN))  # the networks follow (start-up worker)
        self.viewer = ImageViewer()
        self.setCentralWidget(self.viewer)
        self.docks: Docks = build_docks(self)
        self.panels_hidden = PanelsHidden(self, self.docks)
        self._first_layout = self.saveState()  # View ▸ Panels ▸ Reset panels
        self.fresh_layout = True  # no arrangement of the user's (restore_window says)
        self.menus = build_menus(self, s, self._handlers(), self.docks.widgets, self.viewer)
        self.toolbar = build_toolbar(self, s, self.menus)
        self.binding = ViewBinding(self)
        self.hdr = HdrPresenter(self, hdr_backend)
        self.statusBar().showMessage("Open a photo (Ctrl+O) or drop one here.")
        self._restore()
        self.startup = StartUp(self)
        QtCore.QTimer.singleShot(0, self.startup.start)
        QtCore.QTimer.singleShot(0, self.hdr.probe)

    # --- shortcuts for tests and scripts ---------------------------------------------
    @property
    def level(self) -> render.DisplayLevel | None:
        return self.controller.level

    @property
    def reconstruct_panel(self):
        return self.docks.reconstruct

    @property
    def clipping_panel(self):
        return self.docks.clipping

    @property
    def act_overlay(self) -> QtGui.QAction:
        return self.menus.overlay

    @property
    def act_send_back(self) -> QtGui.QAction:
        return self.menus.send_back

    @property
    def sdr_result(self) -> QtWidgets.QCheckBox:
        return self.toolbar.sdr_result

    @property
    def startup_worker(self) -> LatestOnly:
        return self.startup.worker

    @property
    def renderer(self) -> LatestOnly:
        return self.binding.renderer

    @property
    def panel_worker(self) -> LatestOnly:
        return self.binding.panel_worker

    def _handlers(self) -> Handlers:
        v = self.viewer
        return Handlers(
            open=self.open_dialog,
            export=self.export_dialog,
            batch=self.batch_dialog,
            send_back=self.send_back,
            quit=self.close,
            clear_recent=self.clear_recent,
            undo=self.history.undo,
            redo=self.history.redo,
            apply_to_next=self.apply_to_next,
            select_rectangle=self.select_rectangle,
            whole_photo=lambda: self.state.edits.update(selection=None),
            next_photo=lambda: self.go(1),
            previous_photo=lambda: self.go(-1),
            fit=v.fit,
            actual_pixels=v.actual_pixels,
            zoom_in=lambda: v.zoom(1.25),
            zoom_out=lambda: v.zoom(0.8),
            toggle_result=self.toggle_result,
            hdr_view=lambda on: self.hdr.want(bool(on)),
            keep_reference=self.keep_reference,
            reconstruct=self.reconstruct,
            cancel=self.jobs.cancel,
            shortcuts=lambda: show_shortcuts(self),
            about=self.about,
            hide_panels=self.panels_hidden.set,
            reset_panels=self.reset_panels,
        )

    # --- settings --------------------------------------------------------------------
    def _restore(self) -> None:
        restore_window(self)
        self.history.restore(None, "Opened")
        self._refresh_recent()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if self.fresh_layout:  # the panels sized to the window the screen allowed
            self.fresh_layout = False
            fit_widths(self, self.docks, self.width())
        hide_stray_tab_bars_soon(self)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        # Panels at the widths fitted to the window's old width (not arranged by hand, in
        # this session or one before) are fitted to its new width: made narrower, the
        # window kept them at full width and the photo had 320 px of 1 024.
        super().resizeEvent(event)
        old = event.oldSize().width()
        if self.isVisible() and 0 < old != self.width() and as_fitted(self.docks, old):
            fit_widths(self, self.docks, self.width())

    def reset_panels(self) -> None:
        """View ▸ Panels ▸ Reset panels: every panel where it first was, sized to the
        window."""
        self.menus.hide_panels.setChecked(False)
        self.restoreState(self._first_layout)
        for dock in self.docks.widgets:
            dock.show()
        fit_widths(self, self.docks, self.width())
        hide_stray_tab_bars_soon(self)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.jobs.cancel()
        save_window(self)
        self.shutdown()
        if self.roundtrip is not None and not self.roundtrip.sent:
            self.roundtrip.close()  # the host leaves its document as it was
        super().closeEvent(event)

    def workers(self) -> list:
        return [
            self.jobs,
            self.curve_jobs,
            self.previews,
            self.refinish,
            self.analyses,
            self.startup.worker,
            *self.binding.workers(),
            self.hdr.worker,
            self.docks.filmstrip.thumbs,
            self.docks.metadata.worker,
        ]

    def shutdown(self, msecs: int = 30000) -> None:
        """Cancel and wait for every worker (no thread outlives the window)."""
        self.jobs.cancel()
        self.curve_jobs.cancel()
        for w in self.workers():
            w.wait(msecs)

    def idle(self) -> bool:
        """No job running and no computation waiting (tests and screenshots)."""
        return self.state.job.state != "running" and all(
            w.idle for w in self.workers() if isinstance(w, LatestOnly)
        )

    # --- recent files ------------------------------------------------------------------
    def _refresh_recent(self) -> None:
        menu = self.menus.recent
        menu.clear()
        paths = self.recent.paths()
        for p in paths:
            act = menu.addAction(p)
            act.triggered.connect(lambda _=False, path=p: self.open_recent(path))
        menu.addSeparator()
        menu.addAction(self.menus.clear_recent)
        self.menus.clear_recent.setEnabled(bool(paths))

    def clear_recent(self) -> None:
        self.recent.clear()
        self._refresh_recent()

    def open_recent(self, path: str) -> None:
        """Open a recent file; one that is gone leaves the list with a message."""
        if not Path(path).is_file():
            self.recent.remove(path)
            self._refresh_recent()
            self._error(f"{path}: no such file (removed from Open Recent)")
            return
        self.open(path)

    # --- opening -----------------------------------------------------------------------
    def open_dialog(self) -> None:
        start = self.recent.last_folder(Path.home())
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open photo", start, open_filter())
        if path:
            self.open(path)

    def dragEnterEvent(self, e: QtGui.QDragEnterEvent) -> None:
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dropEvent(self, e: QtGui.QDropEvent) -> None:
        urls = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open(urls[0])

    def open(self, path: str | Path) -> None:
        self.controller.open(path, self._opened)

    def go(self, step: int) -> None:
        """Open the next (1) or previous (-1) photo of the folder."""
        target = self.session.neighbour(step)
        if target is None:
            where = "last" if step > 0 else "first"
            self.statusBar().showMessage(
                f"This is the {where} photo of its folder."
                if self.session.index >= 0
                else NO_PHOTO,
                5000,
            )
            return
        self.open(target)

    def apply_to_next(self) -> None:
        """Open the next photo with this photo's settings (reconstructed, if this was)."""
        if self.state.document.image is None:
            self.statusBar().showMessage(NO_PHOTO, 8000)
            return
        if self.session.neighbour(1) is None:
            self.statusBar().showMessage("There is no next photo in this folder.", 5000)
            return
        self.session.carry_to_next()
        self.go(1)

    def open_session(self, session: str) -> None:
        """Open the layer a host (GIMP, Krita) sent through the bridge; **Send back** then
        returns the result to it."""
        from hdr_studio.app.model.roundtrip import RoundTrip

        try:
            self.roundtrip = RoundTrip.connect(session)
        except HdrStudioError as exc:
            self._error(str(exc))
            return
        trip = self.roundtrip
        self.menus.send_back.setVisible(True)
        self.controller.open_image(Path(trip.name), trip.load, self._opened)

    def send_back(self, on_sent=None) -> None:
        """Return the result (or, before any reconstruction, nothing) to the host."""
        doc, trip = self.state.document, self.roundtrip
        if trip is None or doc.outcome is None or doc.image is None:
            self._error("Reconstruct first: Send back returns the result to the host.")
            return
        outcome, image = doc.outcome, doc.image
        from hdr_studio.bridge.client import layer_name

        label = outcome.metadata.get("label") or outcome.method
        strength = float(outcome.metadata.get("strength", 1.0))

        def work(progress, cancel):
            progress(0.2, "sending back")
            trip.send_back(image, outcome.pixels, outcome.kind.value, label, strength)

        def done(_):
            name = layer_name(label, strength)
            self.statusBar().showMessage(f"Sent back to the host as '{name}'", 8000)
            if on_sent is not None:
                on_sent()

        self.jobs.start("Send back", work, done)

    def _opened(self, path: Path, stats: ClipStats) -> None:
        image = self.state.document.image
        assert image is not None  # the photo that was opened
        self.docks.clipping.show_stats(stats)
        if self.roundtrip is None:
            self.recent.add(path)
            self._refresh_recent()
        notes = "".join(f"; {note}" for note in image.notes)
        self.docks.clipping.set_sensor(image.sensor_clip is not None)
        self.show_long_status(f"{path.name}: {describe_opened(image, stats)}{notes}", 15000)

    def show_long_status(self, text: str, ms: int) -> None:
        """A status line shortened with "…" to the room beside the zoom readout (it ran
        under it, and a raw's white-balance note was what got lost); the whole of it in
        the status bar's tooltip and, for a photo's notes, the Metadata panel."""
        bar = self.statusBar()
        room = bar.width() - self.binding.zoom_label.width() - self.hdr.label.width() - 48
        shown = bar.fontMetrics().elidedText(text, QtCore.Qt.TextElideMode.ElideRight, room)
        bar.setToolTip(text if shown != text else "")
        bar.showMessage(shown, ms)

    # --- editing -----------------------------------------------------------------------
    def reconstruct(self, method: str | None = None) -> None:
        """Reconstruct with the editor's settings (``method``: choose it first)."""
        if method and self.state.methods.get(method) is not None:
            self.state.edits.update(method=method)
        why = self.controller.reconstruct()
        if why is not None:
            self.statusBar().showMessage(why, 8000)

    def keep_reference(self) -> None:
        why = self.controller.keep_reference()
        self.statusBar().showMessage(
            why or "Kept as A: reconstruct again to compare (A / B).", 8000
        )

    def select_rectangle(self) -> None:
        """Limit the result to a rectangle (the middle half of the photo, to adjust)."""
        image = self.state.document.image
        if image is None:
            self.statusBar().showMessage(NO_PHOTO, 8000)
            return
        if self.state.edits.selection is None:
            w, h = image.width, image.height
            self.state.edits.update(selection=(w // 4, h // 4, w - w // 4, h - h // 4))

    def toggle_result(self) -> None:
        v = self.state.view
        v.update(compare="none", layer="original" if v.layer == "result" else "result")

    # --- export and batch ----------------------------------------------------------------
    def export_dialog(self) -> None:
        from hdr_studio.app.export_dialog import ExportDialog

        doc = self.state.document
        if doc.image is None:
            self.statusBar().showMessage(NO_PHOTO, 8000)
            return
        dlg = ExportDialog(
            self, doc, self.settings, self.controller.export_kind(), self.state.view.exposure
        )
        if dlg.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.export(dlg.path, dlg.fmt, dlg.options)

    def export(self, path: str | Path, fmt: str | None, options) -> None:
        """Write the result (or the linearised photo) off the GUI thread."""
        try:
            why = self.controller.export(path, fmt, options, self._exported)
        except HdrStudioError as exc:
            self._error(str(exc))
            return
        if why is not None:
            self.statusBar().showMessage(why, 8000)

    def _exported(self, path: Path, notes: list[str]) -> None:
        said = f"Exported {path.name if notes else path}" + "".join(f"; {n}" for n in notes)
        self.show_long_status(said, 15000 if notes else 8000)

    def batch_dialog(self):
        """File ▸ Batch…: a non-modal dialog over the batch code of the command line."""
        from hdr_studio.app.batch_dialog import BatchDialog

        dlg = BatchDialog(self, self.state, self.settings)
        dlg.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()
        return dlg

    # --- messages ----------------------------------------------------------------------
    def _error(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Warning, "HDR Studio", text, parent=self
        )
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, does not block the event loop
        self.last_error = text

    def about(self) -> None:
        from hdr_studio import __version__

        QtWidgets.QMessageBox.about(
            self, "HDR Studio", f"HDR Studio {__version__}\nRecovers clipped highlights as HDR."
        )
