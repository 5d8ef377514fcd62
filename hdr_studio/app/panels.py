"""Dock panels: the clipping overlay's settings and statistics, the layer thumbnails. Each
binds to the plain models: user edits write to the model, model changes update the widgets
(with signals blocked, so there are no loops)."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio.api.types import ClipStats
from hdr_studio.app.model.state import OverlaySettings
from hdr_studio.app.widgets import (
    ValueSlider,
    blocked,
    float_widget,
    set_tip,
    tag_parameter,
    tip,
)

OVER_TIP = "Code values at or above this count as over-exposed (double-click: default)"


#: What each overlay mode shows (the mode list's tooltips).
MODE_TIPS = (
    "Red where all three channels clipped",
    "Red where any channel clipped (partial clipping is the most common kind)",
    "Each clipped channel in its own colour: which channels clipped",
    "Magenta where the result's light was reconstructed rather than measured, as opaque "
    "as the invented share",
    "Cyan where the network's results on the photo and its mirror images disagree (fully "
    "opaque at one stop): reconstruct with Mirror passes to see it",
)


class ClippingPanel(QtWidgets.QWidget):
    """Overlay mode, thresholds (8-bit levels), opacity, and the clipping statistics."""

    def __init__(self, overlay: OverlaySettings) -> None:
        super().__init__()
        self.model = overlay
        form = QtWidgets.QFormLayout(self)
        self.enabled = QtWidgets.QCheckBox("Show clipped pixels  (O)")
        set_tip(
            self.enabled, "Mark the photo's clipped pixels over the photo (never over a result)"
        )
        self.mode = self._mode_box()
        # Thresholds in 8-bit levels, their ranges and defaults from the analysis's table.
        self.over = float_widget("analyse.over")
        tag_parameter(self.over, "analyse.over", "reconstruct.over")  # one threshold for both
        set_tip(self.over, OVER_TIP)
        self.under = float_widget("analyse.under")
        set_tip(
            self.under,
            "Code values at or below this count as under-exposed (double-click: default)",
        )
        self.opacity = ValueSlider("", 0, 100, 70, " %")
        self.opacity.setToolTip("How opaque the overlay is (double-click: 70 %)")
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

    @staticmethod
    def _mode_box() -> QtWidgets.QComboBox:
        mode = QtWidgets.QComboBox()
        for label, value in (
            ("All channels", "all"),
            ("Any channel", "any"),
            ("Per channel", "channel"),
            ("Invented light (result)", "invented"),
            ("Uncertain (mirror passes disagree)", "uncertain"),
        ):
            mode.addItem(label, value)
        for index, text in enumerate(MODE_TIPS):
            mode.setItemData(index, tip(text), QtCore.Qt.ItemDataRole.ToolTipRole)
        set_tip(mode, "What the overlay marks; hover an entry for what it shows")
        tag_parameter(mode, "analyse.mode")
        return mode

    def sync(self) -> None:
        m = self.model
        # each threshold stops a level short of the other: an over-exposure level below the
        # under-exposure one made the overlay vanish with no word (the analysis refuses it)
        with blocked(self.over), blocked(self.under):
            self.over.setMinimum(max(1.0, m.under * 255.0 + 1.0))
            self.under.setMaximum(min(254.0, m.over * 255.0 - 1.0))
        for w, show in (
            (self.enabled, lambda: self.enabled.setChecked(m.enabled)),
            (self.mode, lambda: self.mode.setCurrentIndex(self.mode.findData(m.mode))),
            (self.over, lambda: self.over.setValue(m.over * 255.0)),
            (self.under, lambda: self.under.setValue(m.under * 255.0)),
            (self.opacity, lambda: self.opacity.setValue(round(m.opacity * 100.0))),
            (self.show_over, lambda: self.show_over.setChecked(m.show_over)),
            (self.show_under, lambda: self.show_under.setChecked(m.show_under)),
        ):
            with blocked(w):
                show()
        clipping = m.mode in ("all", "any", "channel")  # red / green mean nothing otherwise
        self.show_over.setEnabled(clipping)
        self.show_under.setEnabled(clipping)

    def set_result(self, result: bool, mirrored: bool) -> None:
        """The Invented and Uncertain modes offered only when there is something to show
        (chosen without, the overlay showed nothing and said nothing)."""
        model = self.mode.model()
        for index, ok, why in (
            (3, result, "reconstruct first: nothing is invented before"),
            (4, mirrored, "reconstruct with a network and Mirror passes first"),
        ):
            model.item(index).setEnabled(ok)  # type: ignore[attr-defined]
            text = MODE_TIPS[index] + ("" if ok else f" (off now: {why})")
            self.mode.setItemData(index, tip(text), QtCore.Qt.ItemDataRole.ToolTipRole)

    def set_sensor(self, raw: bool) -> None:
        """A raw photo's over-exposure is its sensor's saturation, not a level: the level
        is off for it (it changed nothing, and said otherwise)."""
        self.over.setEnabled(not raw)
        set_tip(
            self.over,
            "A raw photo's over-exposure is where its sensor saturated, not a level"
            if raw
            else OVER_TIP,
        )

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
        self.grid = layout = QtWidgets.QGridLayout(self)
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
            b.setIconSize(QtCore.QSize(132, 88))
            b.setCheckable(True)
            b.setAutoExclusive(True)
            b.clicked.connect(lambda _=False, n=name: self.show_layer.emit(n))
            self.buttons[name] = b
            layout.addWidget(b, i // 2, i % 2)
            self.set_thumbnail(name, None)
        layout.setRowStretch(2, 1)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        """Thumbnails as wide as two fit side by side (132 px at most, 96 at least): in a
        narrow panel (a 1 024 px window) the second column was cut off."""
        m = self.grid.contentsMargins()
        room = event.size().width() - m.left() - m.right() - self.grid.horizontalSpacing()
        w = int(max(96, min(132, room // 2 - 12)))
        for b in self.buttons.values():
            b.setIconSize(QtCore.QSize(w, w * 2 // 3))
        super().resizeEvent(event)

    def set_thumbnail(self, name: str, rgb: np.ndarray | None) -> None:
        """Show a layer's thumbnail; None: a blank tile of the same size, disabled, so the panel
        does not jump and a layer that does not exist yet cannot be picked."""
        b = self.buttons[name]
        b.setEnabled(rgb is not None)
        if rgb is None:
            blank = QtGui.QPixmap(b.iconSize())
            blank.fill(QtGui.QColor(60, 60, 60))
            b.setIcon(QtGui.QIcon(blank))
            set_tip(b, LAYER_HINTS[name])
            return
        b.setToolTip("")
        h, w, _ = rgb.shape
        img = QtGui.QImage(
            np.ascontiguousarray(rgb).data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888
        )
        b.setIcon(QtGui.QIcon(QtGui.QPixmap.fromImage(img.copy())))

    def set_current(self, name: str) -> None:
        with blocked(self.buttons[name]):
            self.buttons[name].setChecked(True)
