"""The History panel: the photo as opened, then each edit; the current step selected, the
steps that can be redone greyed. A click goes back (or forward) to that step."""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from hdr_studio.app.model.history import History
from hdr_studio.app.widgets import blocked, set_tip


class HistoryPanel(QtWidgets.QListWidget):
    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history
        set_tip(
            self,
            "Every edit of this photo: click a step to go back to it (Ctrl+Z undoes one, "
            "Ctrl+Shift+Z redoes one). Each photo keeps its own history while the app runs.",
        )
        self.currentRowChanged.connect(self._clicked)
        history.subscribe(lambda _: self.sync())
        self.sync()

    def sync(self) -> None:
        h = self.history
        with blocked(self):
            self.clear()
            self.addItem(h.opened)
            for entry in h.entries:
                self.addItem(entry.label)
            grey = QtGui.QBrush(QtGui.QColor(130, 130, 130))
            for row in range(h.position + 1, self.count()):
                item = self.item(row)
                item.setForeground(grey)
                font = item.font()
                font.setItalic(True)
                item.setFont(font)
            self.setCurrentRow(h.position)
        self.scrollToItem(self.item(h.position))

    def _clicked(self, row: int) -> None:
        if row >= 0:
            self.history.go_to(row)
