"""The image viewer: tone-mapped pixels, the clipping overlay, the before/after split line
and a linked side-by-side view, built on pyqtgraph (wheel zooms to the cursor, drag pans).
Coordinates are display-level pixels; ``factor`` maps them to the full image."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)


class _Pane:
    def __init__(self, layout: pg.GraphicsLayout, col: int) -> None:
        self.box = layout.addViewBox(
            row=0, col=col, lockAspect=True, invertY=True, enableMenu=False
        )
        self.box.setBackgroundColor((38, 38, 38))
        self.image = pg.ImageItem()  # uint8 without levels: zero-copy QImage, no per-paint rescale
        self.after = pg.ImageItem()  # uint8 without levels: zero-copy QImage, no per-paint rescale
        self.overlay = (
            pg.ImageItem()
        )  # uint8 without levels: zero-copy QImage, no per-paint rescale
        # Full-resolution pixels of the visible region, drawn over the display level when
        # zoomed in beyond it (with the overlay blended in).
        self.detail = pg.ImageItem()  # uint8 without levels: zero-copy QImage, no per-paint rescale
        for z, item in enumerate((self.image, self.after, self.overlay, self.detail)):
            item.setZValue(z)
            self.box.addItem(item)


class ImageViewer(QtWidgets.QWidget):
    """Shows ``before`` (and ``after`` right of the split line, or in a second pane)."""

    split_moved = QtCore.Signal(float)
    hovered = QtCore.Signal(int, int)  # full-resolution pixel under the cursor

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setContentsMargins(0, 0, 0, 0)
        self.graphics.ci.setSpacing(2)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
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
        self.size = (0, 0)  # display (h, w)
        self.mode = "none"
        self._before: np.ndarray | None = None
        self._after: np.ndarray | None = None
        self._overlay: np.ndarray | None = None
        self._split = 0.5
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)

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
        new_size = before.shape[:2] != self.size
        self.size = before.shape[:2]
        self.factor = factor
        self._before, self._after, self._overlay = before, after, overlay
        self._overlay_on_result = overlay_on_result
        self.main.image.setImage(before, autoLevels=False)
        self._place_after()
        if self.side is not None:
            self._set_overlay(self.side, overlay)
        if self.side is not None:
            self.side.image.setImage(after if after is not None else before, autoLevels=False)
        self.line.setBounds((0, self.size[1]))
        if new_size:
            self.line.setValue(self._split * self.size[1])
            self.fit()

    def set_compare(self, mode: str, split: float) -> None:
        self.mode = mode
        self._split = split
        if mode == "side-by-side" and self.side is None:
            self.side = _Pane(self.graphics.ci, 1)
            self.side.box.setXLink(self.main.box)
            self.side.box.setYLink(self.main.box)
        elif mode != "side-by-side" and self.side is not None:
            self.graphics.ci.removeItem(self.side.box)
            self.side = None
        self.line.setVisible(mode == "split")
        if mode == "split" and self.size[1]:
            self.line.blockSignals(True)
            self.line.setValue(split * self.size[1])
            self.line.blockSignals(False)
        if self._before is not None:
            self.set_frames(self._before, self._after, self._overlay, self.factor)

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
        on_result = getattr(self, "_overlay_on_result", False)
        if overlay is not None and self.mode == "split" and self._after is not None:
            x = round(self._split * overlay.shape[1])
            if on_result:  # shown right of the line only, over the result
                overlay = overlay.copy()
                overlay[:, :x, 3] = 0
            else:
                overlay = overlay[:, :x]
        elif on_result and self.mode == "side-by-side":
            overlay = None  # the side pane (the result) carries it
        self._set_overlay(self.main, overlay)
        after = self._after
        if after is None or self.mode == "side-by-side":
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
        if not self.size[1]:
            return
        self._split = float(np.clip(self.line.value() / self.size[1], 0.0, 1.0))
        self._place_after()
        self.split_moved.emit(self._split)

    def visible_region(self) -> tuple[int, int, int, int, float] | None:
        """Visible part of the image in full-resolution pixels (x0, y0, x1, y1) and screen
        pixels per full-resolution pixel, or None without an image."""
        if not self.size[0]:
            return None
        r = self.main.box.viewRect()
        h, w = self.size
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
        if self.size[0]:
            self.main.box.setRange(QtCore.QRectF(0, 0, self.size[1], self.size[0]), padding=0.02)

    def actual_pixels(self) -> None:
        """100 %: one full-resolution pixel per screen pixel, centred on the view."""
        box = self.main.box
        w_px = max(box.width(), 1.0)
        h_px = max(box.height(), 1.0)
        centre = box.viewRect().center()
        w = w_px / self.factor
        h = h_px / self.factor
        box.setRange(QtCore.QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h), padding=0)

    def zoom(self, factor: float) -> None:
        self.main.box.scaleBy((1 / factor, 1 / factor))

    def _mouse_moved(self, pos) -> None:
        for pane in (self.main, self.side):
            if pane is not None and pane.box.sceneBoundingRect().contains(pos):
                p = pane.box.mapSceneToView(pos)
                self.hovered.emit(int(p.x() * self.factor), int(p.y() * self.factor))
                return
