"""The parameter tables walked through the desktop app: every parameter the tables say the app
shows has a control that names it (Qt property ``parameter``), with the table's range and
default in the shown units (percent, 8-bit levels) or its choices; and a new entry gets a
control made from it alone (range, default, help)."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("PySide6")
from PySide6 import QtWidgets

from hdr_studio.api import parameters as P
from hdr_studio.api.parameters import Parameter
from hdr_studio.app.model.controls import control_range, entry, shown_in_app
from hdr_studio.app.model.settings import MemoryStore
from hdr_studio.app.widgets import ValueSlider, parameter_widget


@pytest.fixture
def controls(qtbot):
    """Every widget of a real window and of its Export dialog, by the parameters it names."""
    from hdr_studio.app.export_dialog import ExportDialog
    from hdr_studio.app.main_window import MainWindow

    win = MainWindow(store=MemoryStore())
    qtbot.addWidget(win)
    dialog = ExportDialog(win, win.state.document, win.settings, win.controller.export_kind())
    found: dict[str, list[QtWidgets.QWidget]] = {}
    for root in (win, dialog):
        for widget in [root, *root.findChildren(QtWidgets.QWidget)]:
            for tagged in str(widget.property("parameter") or "").split():
                found.setdefault(tagged, []).append(widget)
    yield found
    dialog.close()
    win.shutdown()


def _range(widget) -> tuple[float, float]:
    if isinstance(widget, ValueSlider):
        widget = widget.spin
    return widget.minimum(), widget.maximum()


#: The clipping thresholds' controls limit each other (over > under): the end of each
#: that the other does not move (1: the maximum of over, 0: the minimum of under).
COUPLED = {"analyse.over": 1, "reconstruct.over": 1, "analyse.under": 0}


def test_every_parameter_the_app_shows_has_a_control_from_its_table(controls):
    tags = shown_in_app()
    assert "reconstruct.strength" in tags and "analyse.under" in tags
    for tagged in tags:
        assert tagged in controls, f"no control in the app names {tagged}"
        p = entry(tagged)
        for widget in controls[tagged]:
            if p.kind in (float, int) and p.choices is None:
                shown = control_range(p)
                low, high = _range(widget)
                if tagged in COUPLED:  # each threshold stops a level short of the other:
                    # within the table's range, its own end where the other allows
                    assert shown.minimum <= low and high <= shown.maximum, tagged
                    assert (low, high)[COUPLED[tagged]] == (shown.minimum, shown.maximum)[
                        COUPLED[tagged]
                    ], tagged
                else:
                    assert (low, high) == (shown.minimum, shown.maximum), tagged
                default = widget.default if hasattr(widget, "default") else None
                if default is not None:
                    assert default == pytest.approx(shown.default), tagged
            elif p.kind is bool:
                assert isinstance(widget, QtWidgets.QCheckBox), tagged
            elif p.choices is not None and isinstance(widget, QtWidgets.QComboBox):
                data = {widget.itemData(i) for i in range(widget.count())}
                assert set(p.choices) <= data, tagged


def test_the_app_shows_the_tables_units():
    strength = control_range(P.parameter("strength"))
    assert (strength.minimum, strength.maximum, strength.default) == (0.0, 150.0, 100.0)
    over = control_range(P.parameter("over", P.ANALYSE))
    under = control_range(P.parameter("under", P.ANALYSE))
    assert (over.minimum, over.maximum, over.default) == (1.0, 255.0, 250.0)
    assert (under.minimum, under.maximum) == (0.0, 254.0)


def test_an_added_entry_gets_its_control_from_the_table(qtbot, monkeypatch):
    extra = Parameter("margin", float, 0.25, "a hypothetical option", minimum=0.0,
                      maximum=0.5, percent=True, fronts=frozenset({"app"}))  # fmt: skip
    monkeypatch.setattr(P, "RECONSTRUCT", (*P.RECONSTRUCT, extra))
    assert "reconstruct.margin" in shown_in_app()
    widget = parameter_widget("reconstruct.margin")
    qtbot.addWidget(widget)
    assert _range(widget) == (0.0, 50.0) and widget.value() == 25.0
    assert widget.suffix() == " %" and "hypothetical" in widget.toolTip()
    number = dataclasses.replace(extra, name="count", kind=int, default=3, minimum=1,
                                 maximum=9, percent=False)  # fmt: skip
    monkeypatch.setattr(P, "RECONSTRUCT", (*P.RECONSTRUCT, number))
    spin = parameter_widget("reconstruct.count")
    qtbot.addWidget(spin)
    assert isinstance(spin, QtWidgets.QSpinBox) and _range(spin) == (1, 9) and spin.value() == 3
