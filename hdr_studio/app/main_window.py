"""The main window: viewer in the centre, panels in docks, long work in workers."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio import __version__
from hdr_studio.app import render
from hdr_studio.app.panels import (
    ChromaticityPanel,
    ClippingPanel,
    HistogramPanel,
    LayersPanel,
    ReconstructPanel,
)
from hdr_studio.app.state import AppState
from hdr_studio.app.viewer import ImageViewer
from hdr_studio.app.workers import JobController, LatestOnly
from hdr_studio.core.errors import OutputError

OPEN_FILTER = (
    "Images (*.jpg *.jpeg *.png *.tif *.tiff *.exr *.hdr *.webp *.jxl *.avif);;All files (*)"
)
MAX_RECENT = 10


@dataclass
class Frame:
    before: np.ndarray
    after: np.ndarray | None
    overlay: np.ndarray | None
    factor: int


BUILT_IN_METHODS = (
    ("classical", "Classical (no network)", True, "Built in: inpaint-opposed + expansion"),
    ("none", "Linearise only", True, "No reconstruction, for comparison"),
)


def available_methods() -> tuple[list[tuple[str, str, bool, str]], str]:
    """(name, label, available, reason) for the method menu, and the device description."""
    methods = list(BUILT_IN_METHODS)
    device = "CPU"
    try:
        from hdr_studio.inference.devices import describe, resolve_device
        from hdr_studio.inference.registry import all_specs
        from hdr_studio.inference.weights import weights_entry

        device = describe(resolve_device("auto"))
        for spec in all_specs():
            ok = weights_entry(spec.name) is not None
            why = spec.paper if ok else "No trained weights are installed for this model yet."
            methods.append((spec.name, f"{spec.title} ({spec.kind.upper()})", ok, why))
    except ImportError:  # PyTorch missing: the classical engine still works
        pass
    return methods, device


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, state: AppState | None = None) -> None:
        super().__init__()
        self.state = state or AppState()
        self.setWindowTitle("HDR Studio")
        self.setAcceptDrops(True)
        self.settings = QtCore.QSettings("HDR Studio", "HDR Studio")
        self.level: render.DisplayLevel | None = None
        self._tm_cache: dict[tuple, np.ndarray] = {}
        self._tm_lock = threading.Lock()
        self.jobs = JobController(self.state.job, self)
        self.renderer = LatestOnly(self._apply_frame, parent=self)
        self.panel_worker = LatestOnly(self._apply_panels, debounce_ms=50, parent=self)
        # Slow imports (torch for the model list, colour-science for the CIE diagram) happen
        # on a worker after the window is up.
        self.startup_worker = LatestOnly(self._apply_startup, debounce_ms=0, parent=self)

        self.viewer = ImageViewer()
        self.setCentralWidget(self.viewer)
        # Zoomed in past the display level: render the visible region at full resolution.
        self.detail_worker = LatestOnly(self._apply_detail, debounce_ms=80, parent=self)
        self.viewer.main.box.sigRangeChanged.connect(lambda *_: self.request_detail())
        self.viewer.split_moved.connect(lambda f: self.state.view.update(split=f))
        self.viewer.hovered.connect(self._probe)

        self._build_docks()
        self._build_actions()
        self.statusBar().showMessage("Open a photo (Ctrl+O) or drop one here.")

        s = self.state
        s.overlay.subscribe(lambda _: self.request_render())
        s.view.subscribe(self._view_changed)
        s.document.subscribe(self._document_changed)
        s.job.subscribe(self._job_changed)
        self._restore()

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
        # The networks are listed once the start-up worker has imported torch.
        self._make_reconstruct_panel(list(BUILT_IN_METHODS), "…")
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
        QtCore.QTimer.singleShot(
            0,
            lambda: self.startup_worker.request(
                lambda: (available_methods(), ChromaticityPanel.static_curves())
            ),
        )

    def _make_reconstruct_panel(self, methods, device: str) -> ReconstructPanel:
        from hdr_studio.methods import default_method

        panel = ReconstructPanel(self.state.job, methods, device, default=default_method())
        panel.run_requested.connect(self.reconstruct)
        panel.cancel_requested.connect(self.jobs.cancel)
        self.reconstruct_panel = panel
        return panel

    def _apply_startup(self, result) -> None:
        (methods, device), curves = result
        self.chroma_panel.set_static(curves)
        dock = self.findChild(QtWidgets.QDockWidget, "Reconstruct")
        dock.setWidget(self._make_reconstruct_panel(methods, device))

    def _action(
        self,
        menu: QtWidgets.QMenu,
        text: str,
        slot,
        shortcut: str | None = None,
        checkable: bool = False,
    ) -> QtGui.QAction:
        act = QtGui.QAction(text, self)
        if shortcut:
            act.setShortcut(QtGui.QKeySequence(shortcut))
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        bar = self.menuBar()
        f = bar.addMenu("&File")
        self._action(f, "&Open…", self.open_dialog, "Ctrl+O")
        self.recent_menu = f.addMenu("Open &Recent")
        self._action(f, "&Export…", self.export_dialog, "Ctrl+E")
        f.addSeparator()
        self._action(f, "&Quit", self.close, "Ctrl+Q")
        v = bar.addMenu("&View")
        self._action(v, "&Fit", self.viewer.fit, "F")
        self._action(v, "&100 %", self.viewer.actual_pixels, "1")
        self._action(v, "Zoom &in", lambda: self.viewer.zoom(1.25), "+")
        self._action(v, "Zoom &out", lambda: self.viewer.zoom(0.8), "-")
        v.addSeparator()
        self.act_overlay = self._action(
            v, "Clipping &overlay", lambda on: self.state.overlay.update(enabled=on), "O", True
        )
        self.act_split = self._action(
            v,
            "&Split before/after",
            lambda on: self.state.view.update(compare="split" if on else "none"),
            "S",
            True,
        )
        self.act_side = self._action(
            v,
            "Si&de by side",
            lambda on: self.state.view.update(compare="side-by-side" if on else "none"),
            "D",
            True,
        )
        self._action(v, "Toggle photo / &result", self._toggle_result, "Space")
        r = bar.addMenu("&Reconstruct")
        self._action(
            r,
            "&Run",
            lambda: self.reconstruct(
                self.reconstruct_panel.method.currentData(QtCore.Qt.ItemDataRole.UserRole)
            ),
            "Ctrl+R",
        )
        self._action(r, "&Cancel", self.jobs.cancel, "Esc")
        h = bar.addMenu("&Help")
        self._action(
            h,
            "&About",
            lambda: QtWidgets.QMessageBox.about(
                self, "HDR Studio", f"HDR Studio {__version__}\nRecovers clipped highlights as HDR."
            ),
        )

        tb = self.addToolBar("View")
        tb.setObjectName("view-toolbar")
        tb.addWidget(QtWidgets.QLabel(" Exposure "))
        self.exposure = QtWidgets.QDoubleSpinBox()
        self.exposure.setRange(-8, 8)
        self.exposure.setSingleStep(0.5)
        self.exposure.setSuffix(" EV")
        self.exposure.valueChanged.connect(lambda v: self.state.view.update(exposure=v))
        tb.addWidget(self.exposure)
        tb.addSeparator()
        self.compare = QtWidgets.QComboBox()
        for label, value in (
            ("Single", "none"),
            ("Split", "split"),
            ("Side by side", "side-by-side"),
        ):
            self.compare.addItem(label, value)
        self.compare.currentIndexChanged.connect(
            lambda i: self.state.view.update(compare=self.compare.itemData(i))
        )
        tb.addWidget(QtWidgets.QLabel(" Compare "))
        tb.addWidget(self.compare)
        tb.addSeparator()
        self.sdr_result = QtWidgets.QCheckBox("SDR result")
        self.sdr_result.setToolTip("Show the model's SDR result instead of its HDR result")
        self.sdr_result.setEnabled(False)
        self.sdr_result.toggled.connect(lambda on: self.state.view.update(show_sdr_result=on))
        tb.addWidget(self.sdr_result)

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

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.jobs.cancel()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        o = self.state.overlay
        for k in ("mode", "over", "under", "opacity"):
            self.settings.setValue(f"overlay/{k}", getattr(o, k))
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self, msecs: int = 30000) -> None:
        """Cancel and wait for every worker (no thread outlives the window)."""
        self.jobs.cancel()
        for w in (
            self.jobs,
            self.renderer,
            self.panel_worker,
            self.startup_worker,
            self.detail_worker,
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
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open photo", start, OPEN_FILTER)
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
        path = str(path)

        def load(progress, cancel):
            from hdr_studio.core.clipping import clip_stats
            from hdr_studio.core.reader import read_image

            progress(0.1, "reading")
            image = read_image(path)
            cancel.raise_if_cancelled()
            progress(0.6, "analysing clipping")
            level = render.DisplayLevel.of(image)
            stats = clip_stats(image.code, self.state.overlay.over, self.state.overlay.under)
            return image, level, stats

        def done(res) -> None:
            image, level, stats = res
            self.level = level
            self._tm_cache.clear()
            self.state.view.update(layer="original", compare="none")
            self.state.document.update(
                path=Path(path),
                image=image,
                result=None,
                result_sdr=None,
                result_method="",
                base=None,
                detail=None,
            )
            self.clipping_panel.show_stats(stats)
            for note in image.notes:
                self.statusBar().showMessage(f"{Path(path).name}: {note}", 8000)
            recent = [path] + [p for p in self._recent() if p != path]
            self.settings.setValue("recent", recent[:MAX_RECENT])
            self.settings.setValue("lastDir", str(Path(path).parent))
            self._refresh_recent()
            self.setWindowTitle(f"{Path(path).name} — HDR Studio")
            self.statusBar().showMessage(
                f"{Path(path).name}: {image.width}×{image.height}, {image.bit_depth}-bit "
                f"{image.transfer}/{image.primaries}; {stats.over_any * 100:.2f} % over-exposed, "
                f"{stats.under_any * 100:.2f} % under-exposed",
                15000,
            )

        self.jobs.start("Open", load, done)

    # --- reconstruction and export ---------------------------------------------------
    def reconstruct(self, method: str | None) -> None:
        doc = self.state.document
        if doc.image is None or not method:
            return
        image, over = doc.image, self.state.overlay.over
        params = self.reconstruct_panel.classical_params(over)

        def work(progress, cancel):
            from hdr_studio.methods import run_method

            res = run_method(image, method, params, progress=progress, cancel=cancel)
            return res.hdr, res.sdr

        def done(res) -> None:
            hdr, sdr = res
            self.state.document.update(
                result=hdr if hdr is not None else sdr, result_sdr=sdr, result_method=method
            )
            if self.state.view.compare == "none":
                self.state.view.update(compare="split")

        self.jobs.start(f"Reconstruct ({method})", work, done)

    def export_dialog(self) -> None:
        from hdr_studio.app.export_dialog import ExportDialog

        doc = self.state.document
        if doc.image is None:
            return
        dlg = ExportDialog(self, doc, self.settings)
        if dlg.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.export(dlg.path, dlg.fmt, dlg.options)

    def export(self, path: str | Path, fmt: str, options) -> None:
        """Write the result (or the linearised photo) off the GUI thread."""
        from hdr_studio.core.export import write_result

        doc = self.state.document
        image = doc.image
        pixels = doc.result if doc.result is not None else image.linear
        if doc.image.source_path and Path(path).resolve() == Path(doc.image.source_path).resolve():
            self._error(str(OutputError(f"{path}: refusing to overwrite the source image")))
            return

        def work(progress, cancel):
            progress(0.2, "writing")
            return write_result(pixels, path, image, fmt=fmt, options=options, force=True)

        self.jobs.start(
            "Export", work, lambda p: self.statusBar().showMessage(f"Exported {p}", 8000)
        )

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
            for act, mode in ((self.act_split, "split"), (self.act_side, "side-by-side")):
                with QtCore.QSignalBlocker(act):
                    act.setChecked(v.compare == mode)
            with QtCore.QSignalBlocker(self.compare):
                self.compare.setCurrentIndex(self.compare.findData(v.compare))
            if field == "split":
                self.request_detail()
                return
        if field == "layer":
            self.layers_panel.set_current(v.layer)
        self.request_render()

    def _document_changed(self, field: str) -> None:
        if field in ("result", "result_sdr"):
            # Cache keys use id() of the arrays; a new result may reuse a freed one's id.
            with self._tm_lock:
                for key in [k for k in self._tm_cache if k[0] == "result"]:
                    del self._tm_cache[key]
        if field == "result_sdr":
            has_sdr = self.state.document.result_sdr is not None
            self.sdr_result.setEnabled(has_sdr)
            if not has_sdr:
                self.state.view.update(show_sdr_result=False)
        if field in ("image", "result", "result_sdr", "base", "detail"):
            self.request_render()
        if field in ("image", "result"):
            self.request_panels()

    def _toggle_result(self) -> None:
        v = self.state.view
        v.update(compare="none", layer="original" if v.layer == "result" else "result")

    def _probe(self, x: int, y: int) -> None:
        doc = self.state.document
        if doc.image is None:
            return
        text = render.probe(
            doc.image,
            doc.result,
            x,
            y,
            self.state.view.reference_white,
            self.state.overlay.over,
            self.state.overlay.under,
        )
        if text and self.state.job.state != "running":
            self.statusBar().showMessage(text)

    # --- rendering (off the GUI thread) ----------------------------------------------
    def _tonemap(self, key: tuple, linear: np.ndarray, exposure: float) -> np.ndarray:
        k = (*key, exposure)
        with self._tm_lock:
            if k in self._tm_cache:
                return self._tm_cache[k]
        rgb = render.tonemapped(linear, exposure)
        with self._tm_lock:
            if len(self._tm_cache) > 8:
                self._tm_cache.clear()
            self._tm_cache[k] = rgb
        return rgb

    def request_render(self) -> None:
        doc, view, ov = self.state.document, self.state.view, self.state.overlay
        level = self.level
        if doc.image is None or level is None:
            return
        use_sdr = view.show_sdr_result and doc.result_sdr is not None
        result_full = doc.result_sdr if use_sdr else doc.result
        result_id = id(result_full)
        layer, compare, exposure = view.layer, view.compare, view.exposure
        base, detail = doc.base, doc.detail
        ov_args = (ov.mode, ov.over, ov.under, ov.opacity, ov.show_over, ov.show_under)
        ov_on = ov.enabled

        def compute() -> Frame:
            original = self._tonemap(("original", id(level)), level.linear, exposure)
            result = None
            if result_full is not None:  # reduced here, on the worker, cached per exposure
                key = ("result", result_id)
                with self._tm_lock:
                    cached = self._tm_cache.get((*key, exposure))
                result = (
                    cached
                    if cached is not None
                    else self._tonemap(key, render.reduce_mean(result_full, level.factor), exposure)
                )
            if compare in ("split", "side-by-side"):
                before, after = original, result
            elif layer == "result" and result is not None:
                before, after = result, None
            elif layer in ("base", "detail") and base is not None:
                before, after = render.layer_rgb(layer, base if layer == "base" else detail), None
            else:
                before, after = original, None
            overlay = render.overlay_for(level, *ov_args) if ov_on else None
            return Frame(before, after, overlay, level.factor)

        self.renderer.request(compute)

    #: Largest full-resolution region rendered for the zoomed-in view (pixels).
    DETAIL_MAX_PIXELS = 6_000_000

    def request_detail(self) -> None:
        """When the view shows fewer than ~1.2 display-level pixels per screen pixel of a
        reduced image, render the visible full-resolution region: in single view the shown
        layer, in split view the original left of the line (with the overlay) and the result
        right of it. Side-by-side views stay at display resolution."""
        doc, view, ov = self.state.document, self.state.view, self.state.overlay
        level = self.level
        region = self.viewer.visible_region()
        split = view.compare == "split" and doc.result is not None
        single = view.compare == "none" and view.layer in ("original", "result")
        if (
            doc.image is None
            or level is None
            or level.factor == 1
            or region is None
            or not (split or single)
        ):
            self.detail_worker.request(lambda: None)
            return
        x0, y0, x1, y1, zoom = region
        if zoom * level.factor < 1.2 or (x1 - x0) * (y1 - y0) > self.DETAIL_MAX_PIXELS:
            self.detail_worker.request(lambda: None)
            return
        image = doc.image
        use_result = single and view.layer == "result" and doc.result is not None
        left = doc.result if use_result else image.linear
        right = doc.result if split else None
        # The split line in full-resolution columns, relative to the region.
        cut = round(view.split * image.width) - x0 if split else x1 - x0
        cut = min(max(cut, 0), x1 - x0)
        exposure = view.exposure
        ov_args = (ov.mode, ov.over, ov.under, ov.opacity, ov.show_over, ov.show_under)
        ov_on = ov.enabled

        def compute():
            from hdr_studio.core.clipping import clip_overlay

            rgb = render.tonemapped(np.ascontiguousarray(left[y0:y1, x0:x1]), exposure)
            if ov_on and cut > 0:
                code = np.ascontiguousarray(image.code[y0:y1, x0 : x0 + cut])
                rgb[:, :cut] = render.blend_overlay(rgb[:, :cut], clip_overlay(code, *ov_args))
            if right is not None and cut < x1 - x0:
                after = np.ascontiguousarray(right[y0:y1, x0 + cut : x1])
                rgb[:, cut:] = render.tonemapped(after, exposure)
            return rgb, x0, y0

        self.detail_worker.request(compute)

    def _apply_detail(self, result) -> None:
        if result is None:
            self.viewer.set_detail(None)
        else:
            self.viewer.set_detail(*result)

    def _apply_frame(self, frame: Frame) -> None:
        self.viewer.set_frames(frame.before, frame.after, frame.overlay, frame.factor)
        self.request_detail()
        with QtCore.QSignalBlocker(self.act_overlay):
            self.act_overlay.setChecked(self.state.overlay.enabled)

    def request_panels(self) -> None:
        doc, level = self.state.document, self.level
        if doc.image is None or level is None:
            return
        image, result = doc.image, doc.result
        need_layers = doc.base is None

        def compute() -> dict[str, Any]:
            from hdr_studio.core.chromaticity import subsample_xy
            from hdr_studio.core.decompose import decompose

            out: dict[str, Any] = {}
            from hdr_studio.app.panels import density

            xy_before = subsample_xy(level.linear, image.primaries, 200_000)
            res_lin = None if result is None else render.reduce_mean(result, level.factor)
            xy_after = None if res_lin is None else subsample_xy(res_lin, image.primaries, 200_000)
            out["density"] = density(xy_before, xy_after)
            out["hist"] = render.histogram(res_lin if res_lin is not None else level.linear)
            thumb_f = render.display_factor(*level.linear.shape[:2], max_side=320)
            small = lambda a: render.reduce_mean(a, thumb_f)  # noqa: E731
            out["thumb_original"] = render.tonemapped(small(level.linear))
            out["thumb_result"] = None if res_lin is None else render.tonemapped(small(res_lin))
            if need_layers:
                code = render.reduce_mean(image.code, level.factor)
                base, detail = decompose(code)
                out["base"], out["detail"] = base, detail
                f = render.display_factor(*base.shape[:2], max_side=320)
                for kind, layer in (("base", base), ("detail", detail)):
                    out[f"thumb_{kind}"] = render.layer_rgb(kind, render.reduce_mean(layer, f))
            return out

        self.panel_worker.request(compute)

    def _apply_panels(self, out: dict[str, Any]) -> None:
        doc = self.state.document
        self.chroma_panel.set_density(out["density"])
        self.histogram_panel.set_histogram(*out["hist"])
        self.layers_panel.set_thumbnail("original", out["thumb_original"])
        self.layers_panel.set_thumbnail("result", out["thumb_result"])
        if "base" in out:
            doc.update(base=out["base"], detail=out["detail"])
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
        )
