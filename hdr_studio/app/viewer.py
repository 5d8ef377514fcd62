"""The image viewer: tone-mapped pixels, the clipping overlay, the before/after split line,
linked side-by-side panes (photo | result, or result A | result B), labels saying which
side is which, the zoom readout and the selection rectangle; built on pyqtgraph (the wheel
zooms to the cursor, a drag pans). Coordinates are display-level pixels; ``factor`` maps
them to the full image."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

LABEL_STYLE = (
    "QLabel { background: rgba(20, 20, 20, 190); color: white; padding: 3px 7px; "
    "border-radius: 3px; }"
)


class _Pane:
    def __init__(self, layout: pg.GraphicsLayout, col: int) -> None:
        self.box = layout.addViewBox(
            row=0, col=col, lockAspect=True, invertY=True, enableMenu=False
        )
        self.box.setBackgroundColor((38, 38, 38))
        # uint8 images without levels: zero-copy QImages, no rescaling on each paint.
        self.image = pg.ImageItem()
        self.after = pg.ImageItem()
        self.overlay = pg.ImageItem()
        # Full-resolution pixels of the visible region, drawn over the display level when
        # zoomed in beyond it (with the overlay blended in).
        self.detail = pg.ImageItem()
        for z, item in enumerate((self.image, self.after, self.overlay, self.detail)):
            item.setZValue(z)
            self.box.addItem(item)


class ImageViewer(QtWidgets.QWidget):
    """Shows ``before`` (and ``after`` right of the split line, or in a second pane)."""

    split_moved = QtCore.Signal(float)
    # full-resolution pixel under the cursor, and the part of the view it is in: 0 the
    # main pane left of the split line (or all of it), 1 right of the line or the side pane
    hovered = QtCore.Signal(int, int, int)
    zoom_changed = QtCore.Signal(str)  # the zoom readout ("Fit · 23 %", "100 %")
    selection_moved = QtCore.Signal(object)  # (x0, y0, x1, y1) full-resolution, or None

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setContentsMargins(0, 0, 0, 0)
        self.graphics.ci.setSpacing(2)
        # The SDR view, or (on an HDR display) a window of its own showing the result.
        self.stack = QtWidgets.QStackedLayout(self)
        self.stack.setContentsMargins(0, 0, 0, 0)
        self.stack.addWidget(self.graphics)
        self.canvas: QtWidgets.QWidget | None = None
        self.main = _Pane(self.graphics.ci, 0)
        self.side: _Pane | None = None
        self.line = pg.InfiniteLine(
            angle=90,
            movable=True,
            pen=pg.mkPen((255, 255, 255), width=2),
            hoverPen=pg.mkPen((255, 200, 0), width=3),
        )
        self.line.setZValue(10)
        self.line.sigPositionChanged.connect(self._line_moved)
        self.main.box.addItem(self.line)
        self.line.hide()
        self.factor = 1
        self.shown_size = (0, 0)  # display (h, w)
        self.mode = "none"
        self._before: np.ndarray | None = None
        self._after: np.ndarray | None = None
        self._overlay: np.ndarray | None = None
        self._overlay_on_result = False
        self._split = 0.5
        self._fitted = True
        self.labels = (QtWidgets.QLabel(self.graphics), QtWidgets.QLabel(self.graphics))
        for label in self.labels:
            label.setStyleSheet(LABEL_STYLE)
            label.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.hide()
        self._label_text = ("", "")
        self.roi: pg.RectROI | None = None
        scene = self.graphics.scene()
        assert isinstance(scene, pg.GraphicsScene)  # pyqtgraph's, with its mouse signals
        scene.sigMouseMoved.connect(self._mouse_moved)
        self.main.box.sigRangeChanged.connect(lambda *_: self._range_changed())
        self.main.box.sigRangeChangedManually.connect(lambda *_: self._zoomed_by_hand())
        # A fitted photo stays fitted when the view changes size (a pane added or removed,
        # the window resized).
        self.main.box.sigResized.connect(lambda *_: self._fitted and self.fit())

    # --- content ---------------------------------------------------------------------
    def set_frames(
        self,
        before: np.ndarray,
        after: np.ndarray | None,
        overlay: np.ndarray | None,
        factor: int,
        overlay_on_result: bool = False,
    ) -> None:
        """``overlay_on_result``: the overlay belongs on the result's side of a comparison
        (the invented-light map), not on the original's (clipping)."""
        new_size = before.shape[:2] != self.shown_size
        self.shown_size = before.shape[:2]
        if new_size and self.roi is not None:  # bounds of another picture: set again
            self.main.box.removeItem(self.roi)
            self.roi = None
        self.factor = factor
        self._before, self._after, self._overlay = before, after, overlay
        self._overlay_on_result = overlay_on_result
        self.main.image.setImage(before, autoLevels=False)
        self._place_after()
        if self.side is not None:
            # The second pane shows a result: only a map of the result goes over it.
            self._set_overlay(self.side, overlay if overlay_on_result else None)
            self.side.image.setImage(after if after is not None else before, autoLevels=False)
        self.line.setBounds((0, self.shown_size[1]))
        # no result yet: no split line (it cut the photo in two halves of the same picture)
        self.line.setVisible(self.mode == "split" and after is not None)
        if new_size:
            self.line.setValue(self._split * self.shown_size[1])
            self.fit()
        self._place_labels()

    def show_preview(self, rgb: np.ndarray) -> None:
        """A first picture of a photo being opened, alone (no result, overlay or labels)."""
        self.set_compare("none", self._split, redraw=False)
        self.set_labels("", "")
        self.set_frames(rgb, None, None, 1)

    def set_compare(self, mode: str, split: float, redraw: bool = True) -> None:
        self.mode = mode
        self._split = split
        two_panes = mode in ("side-by-side", "ab")
        if two_panes and self.side is None:
            self.side = _Pane(self.graphics.ci, 1)
            self.side.box.setXLink(self.main.box)
            self.side.box.setYLink(self.main.box)
        elif not two_panes and self.side is not None:
            self.graphics.ci.removeItem(self.side.box)
            self.side = None
        self.line.setVisible(mode == "split" and self._after is not None)
        if mode == "split" and self.shown_size[1]:
            self.line.blockSignals(True)
            self.line.setValue(split * self.shown_size[1])
            self.line.blockSignals(False)
        if redraw and self._before is not None:
            self.set_frames(
                self._before, self._after, self._overlay, self.factor, self._overlay_on_result
            )
        QtCore.QTimer.singleShot(0, self._place_labels)  # once the panes have their size

    @staticmethod
    def _set_overlay(pane: _Pane, overlay: np.ndarray | None) -> None:
        if overlay is None or overlay.shape[1] == 0:
            pane.overlay.clear()
            pane.overlay.hide()
        else:
            pane.overlay.setImage(overlay, autoLevels=False)
            pane.overlay.show()

    def _place_after(self) -> None:
        # In split view the overlay marks the original's clipping on the original's side
        # only, so the result side shows what was recovered.
        overlay = self._overlay
        on_result = self._overlay_on_result
        if overlay is not None and self.mode == "split" and self._after is not None:
            x = round(self._split * overlay.shape[1])
            if on_result:  # shown right of the line only, over the result
                overlay = overlay.copy()
                overlay[:, :x, 3] = 0
            else:
                overlay = overlay[:, :x]
        elif on_result and self.mode in ("side-by-side", "ab"):
            overlay = None  # the side pane (the result) carries it
        self._set_overlay(self.main, overlay)
        after = self._after
        if after is None or self.mode in ("side-by-side", "ab"):
            self.main.after.clear()
            self.main.after.hide()
            return
        if self.mode == "split":
            x = round(self._split * after.shape[1])
            if x >= after.shape[1]:
                self.main.after.hide()
                return
            self.main.after.setImage(after[:, x:], autoLevels=False)
            self.main.after.setPos(x, 0)
        else:
            self.main.after.setImage(after, autoLevels=False)
            self.main.after.setPos(0, 0)
        self.main.after.show()

    def _line_moved(self) -> None:
        if not self.shown_size[1]:
            return
        self._split = float(np.clip(self.line.value() / self.shown_size[1], 0.0, 1.0))
        self._place_after()
        self.split_moved.emit(self._split)

    def show_canvas(self, widget: QtWidgets.QWidget | None) -> None:
        """Show ``widget`` (the HDR view's window) in place of the SDR view, or the SDR view
        again; the pan and zoom stay the SDR view's (its range drives the canvas)."""
        if widget is not None and self.stack.indexOf(widget) < 0:
            self.stack.addWidget(widget)
        self.canvas = widget
        self.stack.setCurrentWidget(widget if widget is not None else self.graphics)

    # --- labels ------------------------------------------------------------------------
    def set_labels(self, left: str, right: str) -> None:
        """Name the two sides of a comparison ("Before" / "After — method, strength");
        hidden in single view."""
        self._label_text = (left, right)
        self._place_labels()

    def _place_labels(self) -> None:
        left_label, right_label = self.labels
        # compared: both sides named; single: the one label names a layer or the result
        show = bool(self._label_text[0]) and (self.mode == "none" or self._after is not None)
        main = self.main.box.sceneBoundingRect()
        margin = 8
        shared = self.mode == "split" or (self.mode != "none" and self.side is None)  # one pane
        room = int(main.width() / 2 - 1.5 * margin) if shared else int(main.width() - 2 * margin)
        for label, text in zip(self.labels, self._label_text, strict=True):
            # a small window: shortened with "…" (the whole name in the tooltip), never
            # one label over the other ("Be After — Masked…" at 1024 px)
            inner = max(room - 16, 24)  # less the label's own padding
            label.setText(
                label.fontMetrics().elidedText(text, QtCore.Qt.TextElideMode.ElideRight, inner)
            )
            label.setToolTip(text)
            label.adjustSize()
            label.setVisible(show and bool(text))
        if not show:
            return
        left_label.move(int(main.left()) + margin, int(main.top()) + margin)
        if self.mode == "split" or self.side is None:
            right_label.move(
                int(main.right()) - right_label.width() - margin, int(main.top()) + margin
            )
        else:
            side = self.side.box.sceneBoundingRect()
            right_label.move(int(side.left()) + margin, int(side.top()) + margin)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QtCore.QTimer.singleShot(0, self._place_labels)

    # --- zoom --------------------------------------------------------------------------
    def zoom_percent(self) -> float:
        """Screen pixels per full-resolution pixel, in percent (0 without an image)."""
        region = self.visible_region()
        if region is None:
            return 0.0
        return region[4] * 100.0

    def zoom_text(self) -> str:
        percent = self.zoom_percent()
        if not percent:
            return ""
        shown = f"{percent:.0f} %" if percent >= 10 else f"{percent:.1f} %"
        return f"Fit · {shown}" if self._fitted else shown

    def _range_changed(self) -> None:
        self.zoom_changed.emit(self.zoom_text())

    def _zoomed_by_hand(self) -> None:
        """The wheel or a drag changed the view: it is no longer fitted. pyqtgraph says so
        after the range changed, so the readout is given again ("Fit · 101 %" stayed)."""
        if self._fitted:
            self._fitted = False
            self.zoom_changed.emit(self.zoom_text())

    def visible_region(self) -> tuple[int, int, int, int, float] | None:
        """Visible part of the image in full-resolution pixels (x0, y0, x1, y1) and screen
        pixels per full-resolution pixel, or None without an image."""
        if not self.shown_size[0]:
            return None
        r = self.main.box.viewRect()
        h, w = self.shown_size
        x0, y0 = max(0.0, r.left()), max(0.0, r.top())
        x1, y1 = min(float(w), r.right()), min(float(h), r.bottom())
        if x1 <= x0 or y1 <= y0:
            return None
        zoom = self.main.box.width() / max(r.width(), 1e-6) / self.factor
        f = self.factor
        return int(x0 * f), int(y0 * f), int(np.ceil(x1 * f)), int(np.ceil(y1 * f)), zoom

    def set_detail(self, rgb: np.ndarray | None, x0: int = 0, y0: int = 0) -> None:
        """Show full-resolution ``rgb`` whose top-left pixel is (x0, y0), or hide it."""
        item = self.main.detail
        if rgb is None:
            item.clear()
            item.hide()
            return
        f = self.factor
        item.setImage(rgb, autoLevels=False)
        item.setRect(QtCore.QRectF(x0 / f, y0 / f, rgb.shape[1] / f, rgb.shape[0] / f))
        item.show()

    # --- navigation ------------------------------------------------------------------
    def fit(self) -> None:
        if self.shown_size[0]:
            self._fitted = True
            self.main.box.setRange(
                QtCore.QRectF(0, 0, self.shown_size[1], self.shown_size[0]), padding=0.02
            )
            self.zoom_changed.emit(self.zoom_text())

    def actual_pixels(self) -> None:
        """100 %: one full-resolution pixel per screen pixel, centred on the view."""
        box = self.main.box
        w_px = max(box.width(), 1.0)
        h_px = max(box.height(), 1.0)
        centre = box.viewRect().center()
        w = w_px / self.factor
        h = h_px / self.factor
        self._fitted = False
        box.setRange(QtCore.QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h), padding=0)

    def zoom(self, factor: float) -> None:
        self._fitted = False
        self.main.box.scaleBy((1 / factor, 1 / factor))

    def _mouse_moved(self, pos) -> None:
        for index, pane in enumerate((self.main, self.side)):
            if pane is not None and pane.box.sceneBoundingRect().contains(pos):
                p = pane.box.mapSceneToView(pos)
                # right of the split line: the result's side
                part = int(index == 1 or (self.mode == "split" and p.x() >= self.line.value()))
                self.hovered.emit(int(p.x() * self.factor), int(p.y() * self.factor), part)
                return

    # --- selection ---------------------------------------------------------------------
    def set_selection(self, rect: tuple[int, int, int, int] | None) -> None:
        """Show the selection rectangle (full-resolution pixels), or none."""
        if rect is None:
            if self.roi is not None:
                self.main.box.removeItem(self.roi)
                self.roi = None
            return
        f = self.factor
        x0, y0, x1, y1 = (v / f for v in rect)
        if self.roi is None:
            self.roi = pg.RectROI(
                (x0, y0),
                (x1 - x0, y1 - y0),
                pen=pg.mkPen((255, 220, 0), width=2, style=QtCore.Qt.PenStyle.DashLine),
                maxBounds=QtCore.QRectF(0, 0, self.shown_size[1], self.shown_size[0]),
            )
            self.roi.setZValue(20)
            # every edge and corner drags (RectROI has one handle, at a corner: dragging an
            # edge moved the whole rectangle), each scaling about the opposite one
            for handle, anchor in (
                ((0, 0.5), (1, 0.5)),
                ((1, 0.5), (0, 0.5)),
                ((0.5, 0), (0.5, 1)),
                ((0.5, 1), (0.5, 0)),
                ((0, 0), (1, 1)),
                ((1, 0), (0, 1)),
                ((0, 1), (1, 0)),
            ):
                self.roi.addScaleHandle(handle, anchor)
            self.roi.sigRegionChangeFinished.connect(self._roi_moved)
            self.main.box.addItem(self.roi)
            return
        with QtCore.QSignalBlocker(self.roi):
            self.roi.setPos((x0, y0), update=False, finish=False)
            self.roi.setSize((x1 - x0, y1 - y0), update=True, finish=False)

    def _roi_moved(self) -> None:
        if self.roi is None:
            return
        f = self.factor
        pos, size = self.roi.pos(), self.roi.size()
        x0, y0 = max(0, round(pos.x() * f)), max(0, round(pos.y() * f))
        x1 = min(self.shown_size[1] * f, round((pos.x() + size.x()) * f))
        y1 = min(self.shown_size[0] * f, round((pos.y() + size.y()) * f))
        self.selection_moved.emit((x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None)
