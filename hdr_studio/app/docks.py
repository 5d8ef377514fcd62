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


def _dock(win: QtWidgets.QMainWindow, title: str, widget: QtWidgets.QWidget, area):
    dock = QtWidgets.QDockWidget(title, win)
    dock.setObjectName(title)
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
    d_rec = _dock(win, "Reconstruct", docks.reconstruct, left)
    d_clip = _dock(win, "Clipping", docks.clipping, left)
    d_hist = _dock(win, "History", docks.history, left)
    d_meta = _dock(win, "Metadata", docks.metadata, left)
    d_histogram = _dock(win, "Histogram", docks.histogram, right)
    d_layers = _dock(win, "Layers", docks.layers, right)
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
    win.resizeDocks([d_rec, d_histogram], [310, 340], QtCore.Qt.Orientation.Horizontal)
    win.resizeDocks([d_histogram, d_layers], [230, 300], QtCore.Qt.Orientation.Vertical)
    docks.layers.show_layer.connect(lambda n: s.view.update(layer=n, compare="none"))
    docks.filmstrip.open_requested.connect(win.open)
    docks.reconstruct.run_requested.connect(win.reconstruct)
    docks.reconstruct.cancel_requested.connect(win.jobs.cancel)
    return docks
