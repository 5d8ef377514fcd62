"""The plots: the RGB histogram with its clipping indicators, and the CIE 1931 chromaticity
diagram. They draw what the workers computed (:mod:`hdr_studio.app.model.frames`)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from hdr_studio.api.display import gamut_triangle, spectral_locus
from hdr_studio.app.model.render import AFTER_RGB, BEFORE_RGB, DENSITY_RANGE, Histogram
from hdr_studio.app.model.state import OverlaySettings
from hdr_studio.app.widgets import set_tip, view_box

#: The plots' background (an RGB triple; pyqtgraph's unannotated ``background='default'``
#: makes a type checker expect a string, hence the ``Any``).
PLOT_BACKGROUND: Any = (30, 30, 30)


#: The gamut triangles: name, pen colour, legend label. Colours apart from each other, from
#: the locus (grey) and from the points (blue photo, orange result): the Rec.709 triangle
#: was white beside a near-white locus.
TRIANGLES = (
    ("rec709", (235, 80, 200), "Rec.709"),
    ("p3", (255, 220, 60), "Display P3"),
    ("rec2020", (80, 220, 120), "Rec.2020"),
)


class ChromaticityPanel(pg.PlotWidget):
    """CIE 1931 xy: spectral locus, Rec.709 / P3 / Rec.2020 triangles (dashed, each its own
    colour), the photo's pixels (blue) and where the reconstruction moved them (orange)."""

    def __init__(self) -> None:
        super().__init__(background=PLOT_BACKGROUND)
        self.setAspectLocked(True)
        # a little room around the diagram: the top tick "0.9" and the "x" title were cut
        view_box(self).setRange(xRange=(0, 0.8), yRange=(0, 0.9), padding=0.03)
        for axis in ("bottom", "left"):
            self.getAxis(axis).enableAutoSIPrefix(False)  # before labels, or ticks get scaled
        self.setLabel("bottom", "x")
        self.setLabel("left", "y")
        # Under the diagram, in two columns: inside it, at the panel's docked size, the
        # legend covered the white point, where the photo's and the result's pixels are.
        self.legend = pg.LegendItem(colCount=2, verSpacing=-8, horSpacing=6, labelTextSize="8pt")
        plot_item: Any = self.getPlotItem()  # its grid: pyright sees QGraphicsWidget.layout()
        grid = cast(QtWidgets.QGraphicsGridLayout, plot_item.layout)
        grid.addItem(self.legend, 4, 1)  # the row under the x axis
        self.locus = self.plot([], [], pen=pg.mkPen((170, 170, 170), width=1.5))
        self.legend.addItem(self.locus, "Spectral locus")
        self.triangles = {}
        for name, colour, label in TRIANGLES:
            pen = pg.mkPen(colour, width=1.5, style=QtCore.Qt.PenStyle.DashLine)
            self.triangles[name] = self.plot([], [], pen=pen)
            self.legend.addItem(self.triangles[name], label)
        # The pixels as a density image (computed on a worker by :func:`density`): building
        # tens of thousands of scatter points on the GUI thread stalled it.
        self.density = pg.ImageItem()
        self.addItem(self.density)
        # Legend swatches for the density colours. An empty plot() item would not do: its
        # scatter only takes the symbol brush once it has data, so the legend drew the default
        # grey. A scatter item of its own, never added to the plot, carries the brush.
        self.swatches = {}
        for label, colour in (("photo", BEFORE_RGB), ("result: moved pixels", AFTER_RGB)):
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


CHANNEL_PENS = ((255, 80, 80), (80, 220, 80), (90, 140, 255))


class HistogramPanel(QtWidgets.QWidget):
    """R, G and B histograms (square-root counts, so small tails stay visible): of the
    photo's code values, or of the result in stops above diffuse white, the part above
    white shaded. Clipping indicators at both ends show the share of the photo's pixels the
    overlay marks; a click shows or hides that side of the overlay."""

    def __init__(self, overlay: OverlaySettings) -> None:
        super().__init__()
        self.overlay = overlay
        self.setMinimumWidth(256)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        row = QtWidgets.QHBoxLayout()
        self.under_button = QtWidgets.QToolButton()
        self.over_button = QtWidgets.QToolButton()
        for b in (self.under_button, self.over_button):
            b.setCheckable(True)
            b.setAutoRaise(True)
            # the badges keep their whole figure (between them, the title cut them to
            # "23.8… under"): the title has a line of its own above them
            b.setSizePolicy(
                QtWidgets.QSizePolicy.Policy.Minimum, QtWidgets.QSizePolicy.Policy.Fixed
            )
        self.title = QtWidgets.QLabel("Open a photo")
        self.title.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        row.addWidget(self.under_button)
        row.addStretch(1)
        row.addWidget(self.over_button)
        layout.addLayout(row)
        self.plot = pg.PlotWidget(background=PLOT_BACKGROUND)
        self.plot.setMinimumHeight(110)  # a 700 px window: the dock scrolled, its axis title cut
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.getAxis("left").setStyle(showValues=False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.hdr_region = pg.LinearRegionItem(
            (0, 6), movable=False, brush=(255, 150, 40, 40), pen=pg.mkPen(None)
        )
        self.hdr_region.setZValue(-10)
        self.plot.addItem(self.hdr_region)
        self.white = pg.InfiniteLine(
            0, angle=90, pen=pg.mkPen((255, 255, 255, 120), style=QtCore.Qt.PenStyle.DashLine)
        )
        self.plot.addItem(self.white)
        self.curves = [
            self.plot.plot(
                [0, 1],
                [0],
                stepMode="center",
                fillLevel=0,
                brush=(*colour, 70),
                pen=pg.mkPen(colour, width=1),
            )
            for colour in CHANNEL_PENS
        ]
        for curve in self.curves:  # nothing to draw yet (a zero line showed mid-plot)
            curve.hide()
        layout.addWidget(self.plot, 1)
        self.hdr_region.hide()
        self.white.setValue(1.0)
        view_box(self.plot).setXRange(0.0, 1.0, padding=0.01)
        self.plot.setLabel("bottom", "code value (photo, 0–1)")
        self.histogram: Histogram | None = None
        self.sdr_shown = False  # the view shows a result's SDR rendition (DRHT)
        self.under_button.clicked.connect(lambda: self._toggle("show_under"))
        self.over_button.clicked.connect(lambda: self._toggle("show_over"))
        overlay.subscribe(lambda _: self._sync_indicators())
        self._sync_indicators()

    def _toggle(self, side: str) -> None:
        ov = self.overlay
        if not ov.enabled:  # the overlay was off: show it, with this side
            ov.update(enabled=True, **{side: True})
        else:
            ov.update(**{side: not getattr(ov, side)})

    def set_histogram(self, hist: Histogram) -> None:
        self.histogram = hist
        for curve, counts in zip(self.curves, hist.counts, strict=True):
            curve.setData(hist.edges, np.sqrt(counts.astype(np.float64)))
            curve.show()
        hdr = hist.unit == "stops"
        self.hdr_region.setVisible(hdr)
        self.hdr_region.setRegion((0.0, float(hist.edges[-1])))
        self.white.setValue(hist.white)
        self.plot.setLabel(
            "bottom", "stops above diffuse white" if hdr else "code value (photo, 0–1)"
        )
        box = view_box(self.plot)
        box.setXRange(float(hist.edges[0]), float(hist.edges[-1]), padding=0.01)
        self._set_title()
        self._sync_indicators()

    def set_sdr_shown(self, shown: bool) -> None:
        """The view shows the SDR result: the histogram (of the HDR result) says so."""
        self.sdr_shown = shown
        if self.histogram is not None:
            self._set_title()

    def _set_title(self) -> None:
        # over a result's histogram the badges still count the photo's clipped pixels
        hdr = self.histogram is not None and self.histogram.unit == "stops"
        shown = "; the view: its SDR result" if hdr and self.sdr_shown else ""
        self.title.setText(
            f"Result (HDR{shown}) <span style='font-size:small; color:#999'>"
            "(badges: clipped in the photo)</span>"
            if hdr
            else "Photo"
        )

    def _sync_indicators(self) -> None:
        ov, hist = self.overlay, self.histogram
        for button, share, side, colour, name, arrow in (
            (self.under_button, hist.under if hist else 0.0, "show_under", "#3c3", "under", "◀"),
            (self.over_button, hist.over if hist else 0.0, "show_over", "#e33", "over", "▶"),
        ):
            shown = ov.enabled and getattr(ov, side)
            text = f"{share * 100:.2f} % {name}"
            button.setText(f"{arrow} {text}" if arrow == "◀" else f"{text} {arrow}")
            with QtCore.QSignalBlocker(button):
                button.setChecked(shown)
            lit = share > 0
            button.setStyleSheet(
                f"QToolButton {{ color: {colour if lit else '#888'}; "
                f"font-weight: {'bold' if lit and shown else 'normal'}; }}"
            )
            set_tip(
                button,
                f"{share * 100:.2f} % of the photo's pixels are {name}-exposed (any channel at "
                "the threshold). Click to "
                + ("hide" if shown else "show")
                + f" them in the clipping overlay ({'green' if name == 'under' else 'red'}).",
            )
