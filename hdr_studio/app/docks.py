"""The window's docks: Reconstruct, Clipping, History and Metadata on the left (tabs),
Histogram, Layers and Chromaticity on the right, the filmstrip below."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from hdr_studio.app.filmstrip import Filmstrip
from hdr_studio.app.history_panel import HistoryPanel
from hdr_studio.app.metadata_panel import MetadataPanel
from hdr_studio.app.panels import ClippingPanel, LayersPanel
from hdr_studio.app.plots import ChromaticityPanel, HistogramPanel
from hdr_studio.app.reconstruct_panel import ReconstructPanel


@dataclass
class Docks:
    reconstruct: ReconstructPanel
    clipping: ClippingPanel
    history: HistoryPanel
    metadata: MetadataPanel
    histogram: HistogramPanel
    layers: LayersPanel
    chroma: ChromaticityPanel
    filmstrip: Filmstrip


def _dock(win: QtWidgets.QMainWindow, title: str, widget: QtWidgets.QWidget, area, scroll=False):
    """A dock of ``widget``; ``scroll``: in a scroll area, so that a panel that grows (a
    method's own parameters appearing) scrolls instead of making the window taller than
    the screen (choosing Classical grew a 700 px window to 760)."""
    dock = QtWidgets.QDockWidget(title, win)
    dock.setObjectName(title)
    if scroll:
        area_ = QtWidgets.QScrollArea()
        area_.setWidgetResizable(True)
        area_.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        area_.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area_.setWidget(widget)
        widget = area_
    dock.setWidget(widget)
    win.addDockWidget(area, dock)
    return dock


def build_docks(win) -> Docks:
    """The panels of ``win`` (a MainWindow: its state, history, session, curves, jobs)."""
    area = QtCore.Qt.DockWidgetArea
    s = win.state
    docks = Docks(
        reconstruct=ReconstructPanel(s, win.curves, win.curve_jobs),
        clipping=ClippingPanel(s.overlay),
        history=HistoryPanel(win.history),
        metadata=MetadataPanel(s, win.settings),
        histogram=HistogramPanel(s.overlay),
        layers=LayersPanel(),
        chroma=ChromaticityPanel(),
        filmstrip=Filmstrip(win.session),
    )
    left = area.LeftDockWidgetArea
    right = area.RightDockWidgetArea
    d_rec = _dock(win, "Reconstruct", docks.reconstruct, left, scroll=True)
    d_clip = _dock(win, "Clipping", docks.clipping, left, scroll=True)
    d_hist = _dock(win, "History", docks.history, left)
    d_meta = _dock(win, "Metadata", docks.metadata, left)
    d_histogram = _dock(win, "Histogram", docks.histogram, right, scroll=True)
    d_layers = _dock(win, "Layers", docks.layers, right, scroll=True)
    d_chroma = _dock(win, "Chromaticity (CIE 1931)", docks.chroma, right)
    strip = _dock(win, "Filmstrip", docks.filmstrip, area.BottomDockWidgetArea)
    strip.setFeatures(
        strip.features() & ~QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
    )
    win.tabifyDockWidget(d_rec, d_clip)
    win.tabifyDockWidget(d_clip, d_hist)
    win.tabifyDockWidget(d_hist, d_meta)
    win.tabifyDockWidget(d_layers, d_chroma)  # a laptop screen has no height for both
    d_rec.raise_()
    d_layers.raise_()
    # the left panels as wide as their four tabs' names (narrower cut them to "Clippi…")
    win.resizeDocks([d_rec, d_histogram], [352, 340], QtCore.Qt.Orientation.Horizontal)
    win.resizeDocks([d_histogram, d_layers], [230, 300], QtCore.Qt.Orientation.Vertical)
    docks.layers.show_layer.connect(lambda n: s.view.update(layer=n, compare="none"))
    docks.filmstrip.open_requested.connect(win.open)
    docks.reconstruct.run_requested.connect(win.reconstruct)
    docks.reconstruct.cancel_requested.connect(win.jobs.cancel)
    return docks
