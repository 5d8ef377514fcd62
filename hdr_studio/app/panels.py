"""Dock panels. Each binds to the plain state models: user edits write to the model, model
changes update the widgets (with signals blocked, so there are no loops)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio.api.catalogue import MethodInfo
from hdr_studio.app.state import JobState, OverlaySettings
from hdr_studio.core.chromaticity import gamut_triangle, spectral_locus
from hdr_studio.core.clipping import ClipStats


def _blocked(widget: QtCore.QObject):
    return QtCore.QSignalBlocker(widget)


class ClippingPanel(QtWidgets.QWidget):
    """Overlay mode, thresholds (8-bit levels), opacity, and the clipping statistics."""

    def __init__(self, overlay: OverlaySettings) -> None:
        super().__init__()
        self.model = overlay
        form = QtWidgets.QFormLayout(self)
        self.enabled = QtWidgets.QCheckBox("Show clipped pixels  (O)")
        self.mode = QtWidgets.QComboBox()
        for label, value in (
            ("All channels", "all"),
            ("Any channel", "any"),
            ("Per channel", "channel"),
            ("Invented light (result)", "invented"),
            ("Uncertain (mirror passes disagree)", "uncertain"),
        ):
            self.mode.addItem(label, value)
        self.mode.setItemData(
            3,
            "Magenta where the result's light was reconstructed rather than measured, as "
            "opaque as the invented share",
            QtCore.Qt.ItemDataRole.ToolTipRole,
        )
        self.mode.setItemData(
            4,
            "Cyan where the network's results on the photo and its mirror images disagree "
            "(fully opaque at one stop): reconstruct with Mirror passes to see it",
            QtCore.Qt.ItemDataRole.ToolTipRole,
        )
        self.over = QtWidgets.QDoubleSpinBox()
        self.over.setRange(1, 255)
        self.over.setDecimals(1)
        self.over.setSuffix(" / 255")
        self.under = QtWidgets.QDoubleSpinBox()
        self.under.setRange(0, 254)
        self.under.setDecimals(1)
        self.under.setSuffix(" / 255")
        self.opacity = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.show_over = QtWidgets.QCheckBox("Over-exposed (red)")
        self.show_under = QtWidgets.QCheckBox("Under-exposed (green)")
        form.addRow(self.enabled)
        form.addRow("Mode", self.mode)
        form.addRow("Over at ≥", self.over)
        form.addRow("Under at ≤", self.under)
        form.addRow("Opacity", self.opacity)
        form.addRow(self.show_over)
        form.addRow(self.show_under)
        self.stats = QtWidgets.QLabel("Open a photo to see what clipped.")
        self.stats.setWordWrap(True)
        self.stats.setTextFormat(QtCore.Qt.TextFormat.RichText)
        form.addRow(self.stats)
        self.enabled.toggled.connect(lambda v: overlay.update(enabled=v))
        self.mode.currentIndexChanged.connect(lambda i: overlay.update(mode=self.mode.itemData(i)))
        self.over.valueChanged.connect(lambda v: overlay.update(over=v / 255.0))
        self.under.valueChanged.connect(lambda v: overlay.update(under=v / 255.0))
        self.opacity.valueChanged.connect(lambda v: overlay.update(opacity=v / 100.0))
        self.show_over.toggled.connect(lambda v: overlay.update(show_over=v))
        self.show_under.toggled.connect(lambda v: overlay.update(show_under=v))
        overlay.subscribe(lambda _: self.sync())
        self.sync()

    def sync(self) -> None:
        m = self.model
        for w, setter, value in (
            (self.enabled, self.enabled.setChecked, m.enabled),
            (self.mode, self.mode.setCurrentIndex, self.mode.findData(m.mode)),
            (self.over, self.over.setValue, m.over * 255.0),
            (self.under, self.under.setValue, m.under * 255.0),
            (self.opacity, self.opacity.setValue, round(m.opacity * 100)),
            (self.show_over, self.show_over.setChecked, m.show_over),
            (self.show_under, self.show_under.setChecked, m.show_under),
        ):
            with _blocked(w):
                setter(value)

    def show_stats(self, s: ClipStats | None) -> None:
        if s is None:
            self.stats.setText("")
            return

        def pct(v: float) -> str:
            return f"{v * 100:.2f} %"

        rows = "".join(
            f"<tr><td>{c}</td><td align=right>{pct(s.over_per_channel[c])}</td>"
            f"<td align=right>{pct(s.under_per_channel[c])}</td></tr>"
            for c in "RGB"
        )
        big = ", ".join(f"{r.pixels:,}" for r in s.largest_over[:3]) or "—"
        self.stats.setText(
            "<table width=100%><tr><th></th><th align=right>over</th>"
            "<th align=right>under</th></tr>"
            f"{rows}<tr><td>any</td><td align=right>{pct(s.over_any)}</td>"
            f"<td align=right>{pct(s.under_any)}</td></tr>"
            f"<tr><td>all</td><td align=right>{pct(s.over_all)}</td>"
            f"<td align=right>{pct(s.under_all)}</td></tr></table>"
            f"<p>{s.over_regions:,} over-exposed regions; largest {big} px</p>"
        )


class ReconstructPanel(QtWidgets.QWidget):
    """Method (from the catalogue: unavailable ones disabled, with the reason), device, the
    chosen method's options, Run / Cancel, progress."""

    run_requested = QtCore.Signal(str)
    cancel_requested = QtCore.Signal()
    strength_changed = QtCore.Signal(float)  # 0–1.5; the view updates without a rerun

    def __init__(
        self,
        job: JobState,
        methods: list[MethodInfo],
        device: str,
        default: str = "classical",
    ):
        super().__init__()
        self.job = job
        self.methods = {m.name: m for m in methods}
        layout = QtWidgets.QVBoxLayout(self)
        self.method = QtWidgets.QComboBox()
        model = QtGui.QStandardItemModel()
        for m in methods:
            item = QtGui.QStandardItem(m.label if m.available else f"{m.label} — unavailable")
            item.setData(m.name, QtCore.Qt.ItemDataRole.UserRole)
            item.setEnabled(m.available)
            item.setToolTip(m.paper if m.available else m.reason)
            model.appendRow(item)
        self.method.setModel(model)
        names = [m.name for m in methods]
        if default in names and methods[names.index(default)].available:
            self.method.setCurrentIndex(names.index(default))
        layout.addWidget(QtWidgets.QLabel("Method"))
        layout.addWidget(self.method)
        self.device = QtWidgets.QLabel(f"Device: {device}")
        self.device.setWordWrap(True)
        layout.addWidget(self.device)
        # One group of option spin boxes per method that has options.
        self.params: dict[str, QtWidgets.QGroupBox] = {}
        self._options: dict[str, dict[str, QtWidgets.QDoubleSpinBox]] = {}
        for m in methods:
            if not m.options:
                continue
            group = QtWidgets.QGroupBox(f"{m.label.split(' (')[0]} parameters")
            form = QtWidgets.QFormLayout(group)
            boxes = {}
            for opt in m.options:
                box = QtWidgets.QDoubleSpinBox()
                box.setRange(opt.minimum, opt.maximum)
                box.setSingleStep(0.5)
                box.setValue(opt.default)
                box.setToolTip(opt.help)
                form.addRow(opt.label, box)
                boxes[opt.name] = box
            self.params[m.name], self._options[m.name] = group, boxes
            layout.addWidget(group)
        self._show_params()
        self.method.currentIndexChanged.connect(lambda _: self._show_params())
        from hdr_studio.app.curve_box import CurveBox

        self.curve_box = CurveBox()
        layout.addWidget(self.curve_box)
        strength_row = QtWidgets.QHBoxLayout()
        self.strength_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.strength_slider.setRange(0, 150)
        self.strength_slider.setValue(100)
        self.strength_slider.setToolTip(
            "How far the result goes beyond the measured pixels: 0 % is the linearised "
            "photo, 100 % the method's calibrated result. Changes the view without rerunning."
        )
        self.strength_label = QtWidgets.QLabel("100 %")
        self.strength_label.setMinimumWidth(44)
        strength_row.addWidget(QtWidgets.QLabel("Strength"))
        strength_row.addWidget(self.strength_slider, 1)
        strength_row.addWidget(self.strength_label)
        layout.addLayout(strength_row)
        self.strength_slider.valueChanged.connect(self._strength_moved)
        self.mirror = QtWidgets.QCheckBox("Mirror passes (3× time, finer fill)")
        self.mirror.setToolTip(
            "Also run the network on the photo's mirror images and average the three "
            "results: about three times the time, a little more accurate in clipped areas. "
            "The built-in methods run once."
        )
        layout.addWidget(self.mirror)
        buttons = QtWidgets.QHBoxLayout()
        self.run = QtWidgets.QPushButton("Reconstruct")
        self.run.setDefault(True)
        self.cancel = QtWidgets.QPushButton("Cancel")
        buttons.addWidget(self.run)
        buttons.addWidget(self.cancel)
        layout.addLayout(buttons)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.run.clicked.connect(lambda: self.run_requested.emit(self.current_method()))
        self.cancel.clicked.connect(self.cancel_requested.emit)
        job.subscribe(lambda _: self.sync())
        self.sync()

    def _strength_moved(self, value: int) -> None:
        self.strength_label.setText(f"{value} %")
        self.strength_changed.emit(value / 100.0)

    def strength(self) -> float:
        return self.strength_slider.value() / 100.0

    def curve(self) -> str | None:
        return self.curve_box.curve()

    def passes(self) -> int:
        return 3 if self.mirror.isChecked() else 1

    def _show_params(self) -> None:
        current = self.current_method()
        for name, group in self.params.items():
            group.setVisible(name == current)

    def adopt(self, old: ReconstructPanel) -> None:
        """Take over the strength, the camera curve, the mirror passes, the methods' option
        values and a method choice changed from the default on ``old`` (the panel shown
        before the networks were listed)."""
        self.strength_slider.setValue(old.strength_slider.value())
        for method, boxes in self._options.items():
            for name, value in old.options(method).items():
                if name in boxes:
                    boxes[name].setValue(value)
        self.mirror.setChecked(old.mirror.isChecked())
        self.curve_box.adopt(old.curve_box)
        chosen = old.current_method()
        index = self.method.findData(chosen, QtCore.Qt.ItemDataRole.UserRole)
        if old.method.currentIndex() != 0 and index >= 0:
            self.method.setCurrentIndex(index)

    def current_method(self) -> str:
        return self.method.currentData(QtCore.Qt.ItemDataRole.UserRole)

    def option(self, method: str, name: str) -> QtWidgets.QDoubleSpinBox:
        """The spin box of ``method``'s option ``name``."""
        return self._options[method][name]

    def options(self, method: str) -> dict[str, float]:
        """The values of ``method``'s options as set in the panel."""
        return {k: box.value() for k, box in self._options.get(method, {}).items()}

    def sync(self) -> None:
        j = self.job
        running = j.state == "running"
        self.run.setEnabled(not running)
        self.cancel.setEnabled(running)
        self.progress.setValue(round(j.progress * 1000))
        text = {
            "running": f"{j.name}: {j.message}",
            "done": f"{j.name}: done",
            "cancelled": f"{j.name}: cancelled",
            "failed": f"{j.name} failed: {j.error}",
        }
        self.status.setText(text.get(j.state, ""))


LAYER_HINTS = {
    "original": "Open a photo",
    "result": "Reconstruct to see the result",
    "base": "Computed after opening a photo",
    "detail": "Computed after opening a photo",
}


class LayersPanel(QtWidgets.QWidget):
    """WLS base/detail previews of the current photo; click to show one in the viewer."""

    show_layer = QtCore.Signal(str)

    def __init__(self) -> None:
        super().__init__()
        # Two by two (photo | result over base | detail): a column of four left the
        # chromaticity plot below too little height on a laptop screen.
        layout = QtWidgets.QGridLayout(self)
        self.buttons = {}
        for i, (name, label) in enumerate(
            (
                ("original", "Photo"),
                ("result", "Result"),
                ("base", "Base layer (WLS)"),
                ("detail", "Detail layer"),
            )
        ):
            b = QtWidgets.QToolButton()
            b.setText(label)
            b.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            b.setIconSize(QtCore.QSize(144, 96))
            b.setCheckable(True)
            b.setAutoExclusive(True)
            b.clicked.connect(lambda _=False, n=name: self.show_layer.emit(n))
            self.buttons[name] = b
            layout.addWidget(b, i // 2, i % 2)
            self.set_thumbnail(name, None)
        layout.setRowStretch(2, 1)

    def set_thumbnail(self, name: str, rgb: np.ndarray | None) -> None:
        """Show a layer's thumbnail; None: a blank tile of the same size, disabled, so the panel
        does not jump and a layer that does not exist yet cannot be picked."""
        b = self.buttons[name]
        b.setEnabled(rgb is not None)
        if rgb is None:
            blank = QtGui.QPixmap(b.iconSize())
            blank.fill(QtGui.QColor(60, 60, 60))
            b.setIcon(QtGui.QIcon(blank))
            b.setToolTip(LAYER_HINTS[name])
            return
        b.setToolTip("")
        h, w, _ = rgb.shape
        img = QtGui.QImage(
            np.ascontiguousarray(rgb).data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888
        )
        b.setIcon(QtGui.QIcon(QtGui.QPixmap.fromImage(img.copy())))

    def set_current(self, name: str) -> None:
        with _blocked(self.buttons[name]):
            self.buttons[name].setChecked(True)


class ChromaticityPanel(pg.PlotWidget):
    """CIE 1931 xy: spectral locus, Rec.709 / P3 / Rec.2020 triangles, the photo's pixels
    before (blue) and after reconstruction (orange)."""

    def __init__(self) -> None:
        super().__init__(background=(30, 30, 30))
        self.setAspectLocked(True)
        self.setRange(xRange=(0, 0.8), yRange=(0, 0.9), padding=0)
        for axis in ("bottom", "left"):
            self.getAxis(axis).enableAutoSIPrefix(False)  # before labels, or ticks get scaled
        self.setLabel("bottom", "x")
        self.setLabel("left", "y")
        self.legend = self.addLegend(offset=(-10, 10))
        self.locus = self.plot([], [], pen=pg.mkPen((200, 200, 200), width=1.5))
        self.triangles = {}
        for name, colour, label in (
            ("rec709", (255, 255, 255), "Rec.709"),
            ("p3", (255, 210, 0), "Display P3"),
            ("rec2020", (0, 200, 255), "Rec.2020"),
        ):
            self.triangles[name] = self.plot([], [], pen=pg.mkPen(colour, width=1), name=label)
        # The pixels as a density image (computed on a worker by :func:`density`): building
        # tens of thousands of scatter points on the GUI thread stalled it.
        self.density = pg.ImageItem()
        self.addItem(self.density)
        # Legend swatches for the density colours. An empty plot() item would not do: its
        # scatter only takes the symbol brush once it has data, so the legend drew the default
        # grey. A scatter item of its own, never added to the plot, carries the brush.
        self.swatches = {}
        for label, colour in (("photo", BEFORE_RGB), ("result", AFTER_RGB)):
            swatch = pg.ScatterPlotItem(symbol="s", size=8, pen=None, brush=pg.mkBrush(*colour))
            self.legend.addItem(swatch, label)
            self.swatches[label] = swatch

    @staticmethod
    def static_curves() -> dict[str, np.ndarray]:
        """The locus and gamut triangles (colour-science: slow to import, so a worker calls
        this and :meth:`set_static` draws the result)."""
        locus = spectral_locus()
        curves = {"locus": np.vstack([locus, locus[:1]])}
        for name in ("rec709", "p3", "rec2020"):
            curves[name] = gamut_triangle(name)
        return curves

    def set_static(self, curves: dict[str, np.ndarray]) -> None:
        self.locus.setData(curves["locus"][:, 0], curves["locus"][:, 1])
        for name, item in self.triangles.items():
            item.setData(curves[name][:, 0], curves[name][:, 1])

    def set_density(self, rgba: np.ndarray | None) -> None:
        if rgba is None:
            self.density.clear()
        else:
            self.density.setImage(rgba, autoLevels=False)
            # setRect only takes once an image exists: place it in xy units after each set.
            self.density.setRect(QtCore.QRectF(0, 0, DENSITY_RANGE[0], DENSITY_RANGE[1]))


DENSITY_RANGE = (0.8, 0.9)
BEFORE_RGB = (80, 140, 255)
AFTER_RGB = (255, 140, 40)


def density(before_xy: np.ndarray | None, after_xy: np.ndarray | None, bins: int = 400):
    """RGBA uint8 image (rows = y upwards) of where xy points fall: photo in blue, result in
    orange, opacity by log density."""
    h_bins = round(bins * DENSITY_RANGE[1] / DENSITY_RANGE[0])
    out = np.zeros((h_bins, bins, 4), np.float32)
    for xy, colour in ((before_xy, BEFORE_RGB), (after_xy, AFTER_RGB)):
        if xy is None or len(xy) == 0:
            continue
        hist, _, _ = np.histogram2d(
            xy[:, 1],
            xy[:, 0],
            bins=(h_bins, bins),
            range=((0, DENSITY_RANGE[1]), (0, DENSITY_RANGE[0])),
        )
        a = np.log1p(hist) / max(np.log1p(hist.max()), 1e-6)
        a = np.where(hist > 0, 0.35 + 0.65 * a, 0.0)[..., None]
        out[..., :3] = out[..., :3] * (1 - a) + np.asarray(colour, np.float32) * a
        out[..., 3:] = np.maximum(out[..., 3:], a * 255)
    return (out + 0.5).astype(np.uint8)


class HistogramPanel(pg.PlotWidget):
    """Luminance histogram in stops relative to SDR white: SDR part grey, HDR part orange."""

    def __init__(self) -> None:
        super().__init__(background=(30, 30, 30))
        self.getAxis("bottom").enableAutoSIPrefix(False)
        self.setLabel("bottom", "stops relative to SDR white")
        self.getAxis("left").setStyle(showValues=False)
        self.sdr = pg.BarGraphItem(x=[0], height=[0], width=0.1, brush=(170, 170, 170))
        self.hdr = pg.BarGraphItem(x=[0], height=[0], width=0.1, brush=(255, 150, 40))
        self.addItem(self.sdr)
        self.addItem(self.hdr)
        self.addItem(
            pg.InfiniteLine(
                0, angle=90, pen=pg.mkPen((255, 255, 255, 120), style=QtCore.Qt.PenStyle.DashLine)
            )
        )

    def set_histogram(self, edges: np.ndarray, sdr: np.ndarray, hdr: np.ndarray) -> None:
        centres = 0.5 * (edges[1:] + edges[:-1])
        width = float(edges[1] - edges[0])
        scale = np.sqrt  # square-root counts: small HDR tails stay visible
        self.sdr.setOpts(x=centres, height=scale(sdr), width=width)
        self.hdr.setOpts(x=centres, height=scale(hdr), width=width)
