"""The filmstrip: the photos of the open photo's folder as thumbnails, the open one
selected; a click opens one. Thumbnails are decoded on a worker, the nearest first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio.app.model.files import thumbnail
from hdr_studio.app.model.session import Session
from hdr_studio.app.widgets import blocked, set_tip
from hdr_studio.app.workers import LatestOnly

THUMB = QtCore.QSize(96, 64)
#: Thumbnails decoded on each side of the open photo (a big folder is not read whole).
THUMBS_AROUND = 25


def _icon(rgb: np.ndarray | None) -> QtGui.QIcon:
    if rgb is None:
        blank = QtGui.QPixmap(THUMB)
        blank.fill(QtGui.QColor(60, 60, 60))
        return QtGui.QIcon(blank)
    h, w, _ = rgb.shape
    img = QtGui.QImage(
        np.ascontiguousarray(rgb).data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888
    )
    pix = QtGui.QPixmap.fromImage(img.copy())
    return QtGui.QIcon(pix.scaled(THUMB, QtCore.Qt.AspectRatioMode.KeepAspectRatio))


class Filmstrip(QtWidgets.QListWidget):
    """Shows ``session.photos``; ``open_requested(path)`` when one is clicked."""

    open_requested = QtCore.Signal(object)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.setViewMode(QtWidgets.QListView.ViewMode.IconMode)
        self.setFlow(QtWidgets.QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(THUMB)
        self.setGridSize(QtCore.QSize(THUMB.width() + 24, THUMB.height() + 24))
        self.setMovement(QtWidgets.QListView.Movement.Static)
        self.setHorizontalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setFixedHeight(THUMB.height() + 46)
        self.setUniformItemSizes(True)
        set_tip(
            self,
            "The photos of this folder: click one to open it (Page Down / Page Up: next and "
            "previous). Each keeps its settings while the app runs.",
        )
        self._icons: dict[Path, QtGui.QIcon] = {}
        self._shown: tuple[Path, ...] = ()
        self.thumbs = LatestOnly(self._thumb_done, debounce_ms=0, parent=self)
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)
        session.subscribe(lambda name: self.sync() if name in ("photos", "index") else None)
        self.sync()

    def sync(self) -> None:
        photos = self.session.photos
        if photos != self._shown:
            self._shown = photos
            self._icons = {p: icon for p, icon in self._icons.items() if p in photos}
            with blocked(self):
                self.clear()
                for p in photos:
                    item = QtWidgets.QListWidgetItem(self._icons.get(p, _icon(None)), p.name)
                    item.setData(QtCore.Qt.ItemDataRole.UserRole, str(p))
                    item.setToolTip(str(p))
                    self.addItem(item)
            self._next_thumb()
        else:
            self._next_thumb()  # moved along: the photos near the new one
        with blocked(self):
            self.setCurrentRow(self.session.index)
        if self.session.index >= 0:
            self.scrollToItem(self.item(self.session.index))

    def _next_thumb(self) -> None:
        """Decode the missing thumbnail nearest the open photo."""
        here = max(self.session.index, 0)
        near = self._shown[max(0, here - THUMBS_AROUND) : here + THUMBS_AROUND + 1]
        missing = [p for p in near if p not in self._icons]
        if not missing:
            return
        order = sorted(missing, key=lambda p: abs(self._shown.index(p) - here))
        path = order[0]
        self.thumbs.request(lambda: (path, thumbnail(path, max_side=240)))

    def _thumb_done(self, answer: tuple[Path, np.ndarray | None]) -> None:
        path, rgb = answer
        self._icons[path] = _icon(rgb)
        if path in self._shown:
            self.item(self._shown.index(path)).setIcon(self._icons[path])
        self._next_thumb()

    def _activated(self, item: QtWidgets.QListWidgetItem) -> None:
        path = Path(item.data(QtCore.Qt.ItemDataRole.UserRole))
        if path != self.session.neighbour(0):
            self.open_requested.emit(path)

    def shutdown(self, msecs: int = 30000) -> None:
        self.thumbs.wait(msecs)

    @property
    def idle(self) -> bool:
        return self.thumbs.idle
