"""The main window: viewer in the centre, panels in docks. It binds widgets to the plain
state; the document's jobs live in :class:`~hdr_studio.app.controller.DocumentController`,
what is drawn is computed by :mod:`hdr_studio.app.frames` on workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio.app import render
from hdr_studio.app.controller import DocumentController
from hdr_studio.app.frames import (
    Frame,
    FrameInputs,
    compute_detail,
    compute_frame,
    compute_panels,
    detail_inputs,
)
from hdr_studio.app.menus import build_menus, build_toolbar, sync_view_actions
from hdr_studio.app.panels import (
    ChromaticityPanel,
    ClippingPanel,
    HistogramPanel,
    LayersPanel,
    ReconstructPanel,
)
from hdr_studio.app.state import AppState
from hdr_studio.app.tonemap_cache import ToneMapCache
from hdr_studio.app.viewer import ImageViewer
from hdr_studio.app.workers import JobController, LatestOnly
from hdr_studio.core.clipping import ClipStats
from hdr_studio.core.errors import HdrStudioError
from hdr_studio.core.formats import open_filter

MAX_RECENT = 10


def describe_opened(image, stats: ClipStats) -> str:
    """The status line for an opened photo: size, encoding, what clipped and against what
    (a raw file's sensor, an HDR photo's own headroom), and whether it is HDR already."""
    line = (
        f"{image.width}×{image.height}, {image.bit_depth}-bit {image.transfer}/"
        f"{image.primaries}; {stats.over_any * 100:.2f} % over-exposed"
        + (" (sensor saturation)" if image.sensor_clip is not None else "")
        + f", {stats.under_any * 100:.2f} % under-exposed"
    )
    if image.gain_map is not None:
        line += f". {image.gain_map.summary()}; reconstruction still recovers what clipped"
    elif image.transfer in ("pq", "hlg"):
        line += f". Already HDR ({image.transfer.upper()}); reconstruction still offered"
    return line


def _startup() -> tuple[list, str, str, dict]:
    """Slow imports and look-ups for the window, done on a worker after it is shown: the
    method catalogue (imports torch), the device, the default method (its network loaded
    now, so the first reconstruction starts without loading it), the CIE curves."""
    from hdr_studio.api.catalogue import catalogue, default_method, device_line

    methods, default = catalogue(), default_method()
    if default not in ("classical", "none"):
        from hdr_studio.inference.pipeline import load_model

        load_model(default)  # kept in the process's model cache
    return methods, device_line(), default, ChromaticityPanel.static_curves()


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, state: AppState | None = None) -> None:
        super().__init__()
        self.state = state or AppState()
        self.setWindowTitle("HDR Studio")
        self.setAcceptDrops(True)
        self.settings = QtCore.QSettings("HDR Studio", "HDR Studio")
        self.tonemaps = ToneMapCache()
        self.jobs = JobController(self.state.job, self)
        self.controller = DocumentController(self.state, self.jobs)
        self.renderer = LatestOnly(self._apply_frame, parent=self)
        self.panel_worker = LatestOnly(self._apply_panels, debounce_ms=50, parent=self)
        self.startup_worker = LatestOnly(self._apply_startup, debounce_ms=0, parent=self)
        # Zoomed in past the display level: render the visible region at full resolution.
        self.detail_worker = LatestOnly(self._apply_detail, debounce_ms=80, parent=self)
        self.strength_worker = LatestOnly(
            self.controller.apply_strength, debounce_ms=40, parent=self
        )
        self.last_error = ""
        self.roundtrip = None  # set when a host's layer is open (hdr_studio.app.roundtrip)

        self.viewer = ImageViewer()
        self.setCentralWidget(self.viewer)
        self.viewer.main.box.sigRangeChanged.connect(lambda *_: self.request_detail())
        self.viewer.split_moved.connect(lambda f: self.state.view.update(split=f))
        self.viewer.hovered.connect(self._probe)

        self._build_docks()
        build_menus(self)
        build_toolbar(self)
        self.statusBar().showMessage("Open a photo (Ctrl+O) or drop one here.")

        s = self.state
        s.overlay.subscribe(lambda _: self.request_render())
        s.view.subscribe(self._view_changed)
        s.document.subscribe(self._document_changed)
        s.job.subscribe(self._job_changed)
        self._restore()

    @property
    def level(self) -> render.DisplayLevel | None:
        return self.controller.level

    # --- construction ----------------------------------------------------------------
    def _dock(self, title: str, widget: QtWidgets.QWidget, area) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left, right = (
            QtCore.Qt.DockWidgetArea.LeftDockWidgetArea,
            QtCore.Qt.DockWidgetArea.RightDockWidgetArea,
        )
        from hdr_studio.api.catalogue import BUILT_IN

        # The networks are listed once the start-up worker has imported torch.
        self._make_reconstruct_panel(list(BUILT_IN), "…", "classical")
        self.clipping_panel = ClippingPanel(self.state.overlay)
        self.layers_panel = LayersPanel()
        self.layers_panel.show_layer.connect(
            lambda n: self.state.view.update(layer=n, compare="none")
        )
        self.chroma_panel = ChromaticityPanel()
        self.histogram_panel = HistogramPanel()
        d1 = self._dock("Reconstruct", self.reconstruct_panel, left)
        d2 = self._dock("Clipping", self.clipping_panel, left)
        d3 = self._dock("Histogram", self.histogram_panel, left)
        d4 = self._dock("Layers", self.layers_panel, right)
        self._dock("Chromaticity (CIE 1931)", self.chroma_panel, right)
        self.resizeDocks([d1, d4], [300, 340], QtCore.Qt.Orientation.Horizontal)
        self.tabifyDockWidget(d1, d2)
        self.tabifyDockWidget(d2, d3)
        d1.raise_()
        QtCore.QTimer.singleShot(0, lambda: self.startup_worker.request(_startup))

    def _make_reconstruct_panel(self, methods, device: str, default: str) -> ReconstructPanel:
        panel = ReconstructPanel(self.state.job, methods, device, default=default)
        panel.run_requested.connect(self.reconstruct)
        panel.cancel_requested.connect(self.jobs.cancel)
        panel.strength_changed.connect(self.set_strength)
        self.reconstruct_panel = panel
        return panel

    def _apply_startup(self, result) -> None:
        methods, device, default, curves = result
        self.chroma_panel.set_static(curves)
        dock = self.findChild(QtWidgets.QDockWidget, "Reconstruct")
        old = self.reconstruct_panel
        panel = self._make_reconstruct_panel(methods, device, default)
        panel.adopt(old)  # what the editor set before the networks were listed stays
        dock.setWidget(panel)

    # --- settings --------------------------------------------------------------------
    def _restore(self) -> None:
        geo = self.settings.value("geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1400, 900)
        st = self.settings.value("windowState")
        if st is not None:
            self.restoreState(st)
        o = self.state.overlay
        o.update(
            mode=str(self.settings.value("overlay/mode", o.mode)),
            over=float(self.settings.value("overlay/over", o.over)),
            under=float(self.settings.value("overlay/under", o.under)),
            opacity=float(self.settings.value("overlay/opacity", o.opacity)),
        )
        self._refresh_recent()
        self.reconstruct_panel.curve_box.restore(
            str(self.settings.value("curve/choice", "")), str(self.settings.value("curve/file", ""))
        )

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.jobs.cancel()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        o = self.state.overlay
        for k in ("mode", "over", "under", "opacity"):
            self.settings.setValue(f"overlay/{k}", getattr(o, k))
        spec, file = self.reconstruct_panel.curve_box.choice()
        self.settings.setValue("curve/choice", spec)
        self.settings.setValue("curve/file", file)
        self.shutdown()
        if self.roundtrip is not None and not self.roundtrip.sent:
            self.roundtrip.close()  # the host leaves its document as it was
        super().closeEvent(event)

    def shutdown(self, msecs: int = 30000) -> None:
        """Cancel and wait for every worker (no thread outlives the window)."""
        self.jobs.cancel()
        self.reconstruct_panel.curve_box.jobs.cancel()
        for w in (
            self.jobs,
            self.reconstruct_panel.curve_box.jobs,
            self.renderer,
            self.panel_worker,
            self.startup_worker,
            self.detail_worker,
            self.strength_worker,
        ):
            w.wait(msecs)

    def _recent(self) -> list[str]:
        v = self.settings.value("recent", [])
        return [v] if isinstance(v, str) else list(v or [])

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for p in self._recent():
            act = self.recent_menu.addAction(p)
            act.triggered.connect(lambda _=False, path=p: self.open(path))
        self.recent_menu.setEnabled(bool(self._recent()))

    # --- opening ---------------------------------------------------------------------
    def open_dialog(self) -> None:
        start = self.settings.value("lastDir", str(Path.home()))
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

    def open_session(self, session: str) -> None:
        """Open the layer a host (GIMP, Krita) sent through the bridge; **Send back** then
        returns the result to it."""
        from hdr_studio.app.roundtrip import RoundTrip

        try:
            self.roundtrip = RoundTrip.connect(session)
        except HdrStudioError as exc:
            self._error(str(exc))
            return
        trip = self.roundtrip
        self.act_send_back.setVisible(True)

        def read():
            image = trip.load()
            return image

        self.controller.open_image(Path(trip.name), read, self._opened)

    def send_back(self, on_sent=None) -> None:
        """Return the result (or, before any reconstruction, nothing) to the host."""
        doc, trip = self.state.document, self.roundtrip
        if trip is None or doc.outcome is None or doc.image is None:
            self._error("Reconstruct first: Send back returns the result to the host.")
            return
        outcome, image = doc.outcome, doc.image
        label = outcome.metadata.get("label") or outcome.method

        def work(progress, cancel):
            progress(0.2, "sending back")
            trip.send_back(image, outcome.pixels, outcome.kind.value, label)

        def done(_):
            self.statusBar().showMessage(f"Sent back to the host as 'HDR Studio – {label}'", 8000)
            if on_sent is not None:
                on_sent()

        self.jobs.start("Send back", work, done)

    def _opened(self, path: Path, stats: ClipStats) -> None:
        image = self.state.document.image
        self.clipping_panel.show_stats(stats)
        for note in image.notes:
            self.statusBar().showMessage(f"{path.name}: {note}", 8000)
        if self.roundtrip is None:
            recent = [str(path)] + [p for p in self._recent() if p != str(path)]
            self.settings.setValue("recent", recent[:MAX_RECENT])
            self.settings.setValue("lastDir", str(path.parent))
            self._refresh_recent()
        self.setWindowTitle(f"{path.name} — HDR Studio")
        self.statusBar().showMessage(f"{path.name}: {describe_opened(image, stats)}", 15000)

    # --- reconstruction and export ---------------------------------------------------
    def reconstruct(self, method: str | None) -> None:
        if self.state.document.preview:
            self.statusBar().showMessage("The raw file is still decoding; try again.", 5000)
            return
        if method:
            panel = self.reconstruct_panel
            self.controller.reconstruct(
                method,
                options=panel.options(method),
                strength=panel.strength(),
                curve=panel.curve(),
                passes=panel.passes(),
            )

    def set_strength(self, strength: float) -> None:
        """The strength slider: rescale the result on a worker (no network rerun)."""
        compute = self.controller.strength_job(strength)
        if compute is not None:
            self.strength_worker.request(compute)

    def export_dialog(self) -> None:
        from hdr_studio.app.export_dialog import ExportDialog

        doc = self.state.document
        if doc.image is None:
            return
        dlg = ExportDialog(self, doc, self.settings, self.controller.export_kind())
        if dlg.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.export(dlg.path, dlg.fmt, dlg.options)

    def batch_dialog(self):
        """File ▸ Batch…: a non-modal dialog over the batch code of the command line."""
        from hdr_studio.app.batch_dialog import BatchDialog

        panel = self.reconstruct_panel
        methods = list(panel.methods.values())
        box = panel.curve_box
        dlg = BatchDialog(
            self,
            methods,
            panel.current_method(),
            (box.combo.currentText(), panel.curve()),
            panel.strength(),
            panel.passes(),
        )
        dlg.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()
        return dlg

    def export(self, path: str | Path, fmt: str | None, options) -> None:
        """Write the result (or the linearised photo) off the GUI thread."""
        try:
            self.controller.export(
                path, fmt, options, lambda p: self.statusBar().showMessage(f"Exported {p}", 8000)
            )
        except HdrStudioError as exc:
            self._error(str(exc))

    # --- state reactions -------------------------------------------------------------
    def _job_changed(self, field: str) -> None:
        j = self.state.job
        if field == "state" and j.state == "failed":
            self._error(f"{j.name} failed: {j.error}")
        if field in ("message", "progress") and j.state == "running":
            self.statusBar().showMessage(f"{j.name}: {j.message}")
        if field == "state" and j.state in ("done", "cancelled") and j.name != "Open":
            self.statusBar().showMessage(f"{j.name}: {j.state}", 8000)

    def _error(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Warning, "HDR Studio", text, parent=self
        )
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, does not block the event loop
        self.last_error = text

    def _view_changed(self, field: str) -> None:
        v = self.state.view
        if field in ("compare", "split"):
            self.viewer.set_compare(v.compare, v.split)
            sync_view_actions(self)
            if field == "split":
                self.request_detail()
                return
        if field == "layer":
            self.layers_panel.set_current(v.layer)
        self.request_render()

    def _document_changed(self, field: str) -> None:
        if field == "image":
            self.tonemaps.clear()  # the old photo's renderings will not be asked for again
            self.reconstruct_panel.curve_box.set_photo(self.state.document.image)
        if field == "result_sdr":
            has_sdr = self.state.document.result_sdr is not None
            self.sdr_result.setEnabled(has_sdr)
            if not has_sdr:
                self.state.view.update(show_sdr_result=False)
        if field in ("image", "result", "result_sdr", "base", "detail"):
            self.request_render()
        if field in ("image", "result"):
            self.request_panels()
        if field == "outcome":
            outcome = self.state.document.outcome
            self.act_send_back.setEnabled(outcome is not None)
            if outcome is not None and outcome.notes:  # e.g. which camera curve was used
                self.statusBar().showMessage("; ".join(outcome.notes), 15000)

    def toggle_result(self) -> None:
        v = self.state.view
        v.update(compare="none", layer="original" if v.layer == "result" else "result")

    def _probe(self, x: int, y: int) -> None:
        doc = self.state.document
        if doc.image is None:
            return
        ov = self.state.overlay
        text = render.probe(
            doc.image, doc.result, x, y, self.state.view.reference_white, ov.over, ov.under
        )
        if text and self.state.job.state != "running":
            self.statusBar().showMessage(text)

    # --- rendering (off the GUI thread) ----------------------------------------------
    def request_render(self) -> None:
        if self.state.document.image is None or self.level is None:
            return
        inputs = FrameInputs.capture(self.state, self.level)
        self.renderer.request(lambda: compute_frame(inputs, self.tonemaps))

    def request_detail(self) -> None:
        inputs = detail_inputs(self.state, self.level, self.viewer.visible_region())
        self.detail_worker.request(lambda: None if inputs is None else compute_detail(inputs))

    def _apply_detail(self, result) -> None:
        self.viewer.set_detail(*(result or (None,)))

    def _apply_frame(self, frame: Frame) -> None:
        self.viewer.set_frames(
            frame.before, frame.after, frame.overlay, frame.factor, frame.overlay_on_result
        )
        self.request_detail()
        with QtCore.QSignalBlocker(self.act_overlay):
            self.act_overlay.setChecked(self.state.overlay.enabled)

    def request_panels(self) -> None:
        doc, level = self.state.document, self.level
        if doc.image is None or level is None:
            return
        args = (level, doc.image.primaries, doc.image.code, doc.result, doc.base is None)
        self.panel_worker.request(lambda: compute_panels(*args))

    def _apply_panels(self, out: dict[str, Any]) -> None:
        self.chroma_panel.set_density(out["density"])
        self.histogram_panel.set_histogram(*out["hist"])
        self.layers_panel.set_thumbnail("original", out["thumb_original"])
        self.layers_panel.set_thumbnail("result", out["thumb_result"])
        if "base" in out:
            self.state.document.update(base=out["base"], detail=out["detail"])
            self.layers_panel.set_thumbnail("base", out["thumb_base"])
            self.layers_panel.set_thumbnail("detail", out["thumb_detail"])

    # --- test and screenshot support -------------------------------------------------
    def idle(self) -> bool:
        return (
            self.state.job.state != "running"
            and self.renderer.idle
            and self.panel_worker.idle
            and self.startup_worker.idle
            and self.detail_worker.idle
            and self.strength_worker.idle
        )
