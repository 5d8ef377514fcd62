"""Small widgets the panels share: tooltips that wrap, a slider with a typed value, spin
boxes that reset on a double-click."""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets


def tip(text: str) -> str:
    """``text`` as a tooltip that wraps: Qt word-wraps rich-text tooltips at a readable
    width and shows plain ones on a single line, however long."""
    if not text or text.lstrip().startswith("<"):
        return text
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


def set_tip(target: QtWidgets.QWidget | QtGui.QAction, text: str) -> None:
    target.setToolTip(tip(text))


def blocked(widget: QtCore.QObject) -> QtCore.QSignalBlocker:
    """Signals of ``widget`` blocked while a model value is shown (no loops)."""
    return QtCore.QSignalBlocker(widget)


class _ResetOnDoubleClick(QtCore.QObject):
    """Calls ``reset`` when the watched widget is double-clicked."""

    def __init__(self, parent: QtCore.QObject, reset) -> None:
        super().__init__(parent)
        self.reset = reset

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.MouseButtonDblClick:
            self.reset()
            return True
        return False


class ResetSpinBox(QtWidgets.QDoubleSpinBox):
    """A spin box whose value goes back to ``default`` on a double-click. A typed value
    applies on Enter or when the box loses focus (arrows and the wheel at once): applied
    per key, "1.5" became 1.00 before its "." could be typed, and "240" ran 2 and 24."""

    def __init__(self, default: float = 0.0, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setKeyboardTracking(False)
        self.default = default
        self._filter = _ResetOnDoubleClick(self, self.reset)
        self.lineEdit().installEventFilter(self._filter)

    def reset(self) -> None:
        self.setValue(self.default)


class ValueSlider(QtWidgets.QWidget):
    """A slider with its value in a spin box beside it, where a value can be typed; a
    double-click on the slider or its label puts the default back. ``valueChanged`` carries
    the value in the spin box's units (``scale`` slider steps per unit)."""

    valueChanged = QtCore.Signal(float)

    def __init__(
        self,
        label: str,
        minimum: float,
        maximum: float,
        default: float,
        suffix: str = "",
        decimals: int = 0,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.default = default
        self.scale = 10**decimals
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QtWidgets.QLabel(label)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(round(minimum * self.scale), round(maximum * self.scale))
        self.spin = QtWidgets.QDoubleSpinBox()
        self.spin.setRange(minimum, maximum)
        self.spin.setDecimals(decimals)
        self.spin.setSuffix(suffix)
        self.spin.setKeyboardTracking(False)  # typed values apply on Enter, not per key
        self.spin.setAccessibleName(label)
        row.addWidget(self.label)
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        self._filter = _ResetOnDoubleClick(self, self.reset)
        for w in (self.slider, self.label):
            w.installEventFilter(self._filter)
        self.slider.valueChanged.connect(lambda v: self._set(v / self.scale))
        self.spin.valueChanged.connect(self._set)
        self.setValue(default)

    def _set(self, value: float) -> None:
        with blocked(self.slider), blocked(self.spin):
            self.slider.setValue(round(value * self.scale))
            self.spin.setValue(value)
        self.valueChanged.emit(self.value())

    def value(self) -> float:
        return self.spin.value()

    def setValue(self, value: float) -> None:
        """Show ``value`` without emitting (the model's value)."""
        with blocked(self.slider), blocked(self.spin):
            self.slider.setValue(round(value * self.scale))
            self.spin.setValue(value)

    def reset(self) -> None:
        self._set(self.default)

    def setToolTip(self, text: str) -> None:
        for w in (self, self.slider, self.spin, self.label):
            QtWidgets.QWidget.setToolTip(w, tip(text))


def tag_parameter(widget: QtWidgets.QWidget, *tags: str) -> None:
    """Name the api parameters ``widget`` shows (``TABLE.NAME``, Qt property ``parameter``:
    the tests walk the parameter tables through the app by it)."""
    widget.setProperty("parameter", " ".join(tags))


def view_box(plot: pg.PlotWidget) -> pg.ViewBox:
    """The view box of ``plot``: what ``PlotWidget.setXRange``/``setRange`` forward to at
    run time (a forwarding a type checker cannot see)."""
    item = plot.getPlotItem()
    assert item is not None  # a PlotWidget makes its PlotItem when it is made
    return item.getViewBox()


def float_widget(tagged: str) -> QtWidgets.QDoubleSpinBox:
    """:func:`parameter_widget` for a parameter shown with decimals (a float, or an int
    shown in other units)."""
    widget = parameter_widget(tagged)
    if not isinstance(widget, QtWidgets.QDoubleSpinBox):
        raise TypeError(f"{tagged} is not shown as a decimal number")
    return widget


def int_widget(tagged: str) -> QtWidgets.QSpinBox:
    """:func:`parameter_widget` for an integer parameter shown as it is."""
    widget = parameter_widget(tagged)
    if not isinstance(widget, QtWidgets.QSpinBox):
        raise TypeError(f"{tagged} is not shown as a whole number")
    return widget


def parameter_widget(tagged: str) -> QtWidgets.QWidget:
    """A control for the api parameter ``tagged`` (``reconstruct.export.quality``) made
    from its table entry: a spin box with its range and default (in the shown units), a
    check box, or a list of its choices; its tooltip is the entry's help."""
    from hdr_studio.app.model.controls import control_range, entry

    p = entry(tagged)
    widget: QtWidgets.QWidget
    if p.kind is bool:
        widget = QtWidgets.QCheckBox()
        widget.setChecked(bool(p.default))
    elif p.choices is not None:
        widget = QtWidgets.QComboBox()
        for choice in p.choices:
            widget.addItem(str(choice), choice)
        widget.setCurrentIndex(max(0, widget.findData(p.default)))
    else:
        shown = control_range(p)
        if p.kind is int and shown.scale == 1.0:
            widget = QtWidgets.QSpinBox()
            widget.setKeyboardTracking(False)  # a typed number applies whole, on Enter
            widget.setRange(int(shown.minimum), int(shown.maximum))
            widget.setValue(int(shown.default))
        else:
            widget = ResetSpinBox(shown.default)
            widget.setDecimals(shown.decimals)
            widget.setRange(shown.minimum, shown.maximum)
            widget.setValue(shown.default)
        widget.setSuffix(shown.suffix)
    set_tip(widget, p.help[:1].upper() + p.help[1:])
    tag_parameter(widget, tagged)
    return widget
