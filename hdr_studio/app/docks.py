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
    widgets: list[QtWidgets.QDockWidget]  # the docks themselves, in View ▸ Panels order


def _dock(
    win: QtWidgets.QMainWindow,
    title: str,
    widget: QtWidgets.QWidget,
    area,
    scroll=False,
    footer: QtWidgets.QWidget | None = None,
):
    """A dock of ``widget``; ``scroll``: in a scroll area, so that a panel that grows (a
    method's own parameters appearing) scrolls instead of making the window taller than
    the screen (choosing Classical grew a 700 px window to 760); ``footer``: kept under
    the scrolling part, always in view (the Reconstruct button was below the fold of a
    700 px window)."""
    dock = QtWidgets.QDockWidget(title, win)
    dock.setObjectName(title)
    if scroll:
        area_ = QtWidgets.QScrollArea()
        area_.setWidgetResizable(True)
        area_.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        area_.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area_.setWidget(widget)
        widget = area_
    if footer is not None:
        holder = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(widget, 1)
        column.addWidget(footer)
        widget = holder
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
        widgets=[],
    )
    left = area.LeftDockWidgetArea
    right = area.RightDockWidgetArea
    d_rec = _dock(
        win, "Reconstruct", docks.reconstruct, left, scroll=True, footer=docks.reconstruct.footer
    )
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
    docks.widgets[:] = [d_rec, d_clip, d_hist, d_meta, d_histogram, d_layers, d_chroma, strip]
    fit_widths(win, docks, 1400)
    win.resizeDocks([d_histogram, d_layers], [230, 300], QtCore.Qt.Orientation.Vertical)
    for dock in docks.widgets:
        dock.dockLocationChanged.connect(lambda _area: hide_stray_tab_bars_soon(win))
        dock.topLevelChanged.connect(lambda _floating: hide_stray_tab_bars_soon(win))
    docks.layers.show_layer.connect(lambda n: s.view.update(layer=n, compare="none"))
    docks.filmstrip.open_requested.connect(win.open)
    docks.reconstruct.run_requested.connect(win.reconstruct)
    docks.reconstruct.cancel_requested.connect(win.jobs.cancel)
    return docks


def fitted_widths(width: int) -> tuple[int, int]:
    """The side panels' widths for a window ``width`` px wide (see :func:`fit_widths`)."""
    t = min(1.0, max(0.0, (width - 1024) / (1240 - 1024)))
    return round(290 + t * (352 - 290)), round(260 + t * (340 - 260))


def fit_widths(win: QtWidgets.QMainWindow, docks: Docks, width: int) -> None:
    """Side panels for a window ``width`` px wide: from 1 240 px on, the left panels as
    wide as their four tabs' names (352 px) and the right ones 340; narrower, both shrink
    in proportion down to 290 / 260 px at 1 024, so that a laptop window leaves the photo
    about 460 px (it had 334). Only for a layout the user has not arranged."""
    left, right = fitted_widths(width)
    d_rec, d_histogram = docks.widgets[0], docks.widgets[4]
    win.resizeDocks([d_rec, d_histogram], [left, right], QtCore.Qt.Orientation.Horizontal)


def as_fitted(docks: Docks, width: int, slack: int = 6) -> bool:
    """Whether the side panels have the widths :func:`fit_widths` gives a window ``width``
    px wide: the user has not arranged them by hand (in this session or an earlier one)."""
    d_rec, d_histogram = docks.widgets[0], docks.widgets[4]
    if not (d_rec.isVisible() and d_histogram.isVisible()):
        return False
    left, right = fitted_widths(width)
    return abs(d_rec.width() - left) <= slack and abs(d_histogram.width() - right) <= slack


class PanelsHidden:
    """View ▸ Hide panels (Tab on the photo, as in GIMP and Photoshop): every docked or
    floating panel out of the way, and back as they were."""

    def __init__(self, win: QtWidgets.QMainWindow, docks: Docks) -> None:
        self.win, self.docks = win, docks
        self.hidden: list[QtWidgets.QDockWidget] = []
        self.layout: QtCore.QByteArray | None = None  # the window's state as they were

    def set(self, hide: bool) -> None:
        if hide:
            self.layout = self.win.saveState()
            self.hidden = [d for d in self.docks.widgets if d.isVisible()]
            for d in self.hidden:
                d.hide()
        else:
            for d in self.hidden or self.docks.widgets:
                d.show()
            if self.layout is not None:  # their sizes too: shown again, Qt shared out the
                self.win.restoreState(self.layout)  # height anew (Layers lost half of it)
            self.hidden, self.layout = [], None
            hide_stray_tab_bars_soon(self.win)

    def state_to_keep(self) -> QtCore.QByteArray:
        """The window's state for the next start: with the panels as they were before they
        were hidden (kept hidden, the next start showed none and Hide panels unticked)."""
        return self.layout if self.layout is not None else self.win.saveState()


def hide_stray_tab_bars_soon(win) -> None:
    """:func:`hide_stray_tab_bars` once the window has laid its docks out."""
    QtCore.QTimer.singleShot(0, lambda: hide_stray_tab_bars(win))


def hide_stray_tab_bars(win: QtWidgets.QMainWindow) -> None:
    """Hide the window's dock tab bars that sit under none of the docks they name; the
    others show their names whole (scrolled when the panels are narrow).

    Qt 6 (seen in 6.11) makes two tab bars for the second pair of docks tabified in a
    window and lays out only one: the other stayed where the pair was first put, a stub of
    "Layers" showing at the edge of the left panels. Called when the window is shown and
    whenever a dock moves (a dock dragged into another's tabs can leave one too)."""
    docks = {
        d.windowTitle(): d
        for d in win.findChildren(QtWidgets.QDockWidget)
        if d.isVisible() and not d.isFloating()
    }
    direct = QtCore.Qt.FindChildOption.FindDirectChildrenOnly
    for bar in win.findChildren(QtWidgets.QTabBar, options=direct):
        if not bar.isVisible():
            continue
        names = [bar.tabText(i) for i in range(bar.count())]
        if not any(n in docks and _beside(bar.geometry(), docks[n].geometry()) for n in names):
            bar.hide()
        else:  # on a narrow screen whole names and scroll arrows, not "Clip…", "Hist…"
            bar.setElideMode(QtCore.Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)


def _beside(bar: QtCore.QRect, dock: QtCore.QRect, slack: int = 6) -> bool:
    """Whether a tab bar at ``bar`` is the one Qt lays along the edge of a dock at
    ``dock`` (under it, or over it for tabs on top). A stray bar can lie over a dock's
    contents: after a restart, one more bar of the left docks' four tabs sat in the
    middle of the Reconstruct panel, where the Metadata dock had been laid out."""
    across = bar.left() < dock.right() and dock.left() < bar.right()
    under = abs(bar.top() - (dock.bottom() + 1)) <= slack
    over = abs(bar.bottom() + 1 - dock.top()) <= slack
    return across and (under or over)
