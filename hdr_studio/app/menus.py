"""The window's menus and toolbar: actions bound to the window's slots and to the state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio import __version__

if TYPE_CHECKING:
    from hdr_studio.app.main_window import MainWindow


def _action(
    win: MainWindow,
    menu: QtWidgets.QMenu,
    text: str,
    slot,
    shortcut: str | None = None,
    checkable: bool = False,
) -> QtGui.QAction:
    act = QtGui.QAction(text, win)
    if shortcut:
        act.setShortcut(QtGui.QKeySequence(shortcut))
    act.setCheckable(checkable)
    act.triggered.connect(slot)
    menu.addAction(act)
    win.addAction(act)
    return act


def build_menus(win: MainWindow) -> None:
    """File, View, Reconstruct and Help menus; sets ``win.recent_menu``, ``win.act_overlay``,
    ``win.act_split`` and ``win.act_side``."""
    view = win.state.view
    bar = win.menuBar()
    f = bar.addMenu("&File")
    _action(win, f, "&Open…", win.open_dialog, "Ctrl+O")
    win.recent_menu = f.addMenu("Open &Recent")
    _action(win, f, "&Export…", win.export_dialog, "Ctrl+E")
    _action(win, f, "&Batch…", win.batch_dialog, "Ctrl+B")
    # Shown when a host (GIMP, Krita) sent a layer through the bridge.
    win.act_send_back = _action(win, f, "&Send back to host", win.send_back, "Ctrl+Return")
    win.act_send_back.setVisible(False)
    win.act_send_back.setEnabled(False)
    f.addSeparator()
    _action(win, f, "&Quit", win.close, "Ctrl+Q")
    v = bar.addMenu("&View")
    _action(win, v, "&Fit", win.viewer.fit, "F")
    _action(win, v, "&100 %", win.viewer.actual_pixels, "1")
    _action(win, v, "Zoom &in", lambda: win.viewer.zoom(1.25), "+")
    _action(win, v, "Zoom &out", lambda: win.viewer.zoom(0.8), "-")
    v.addSeparator()
    win.act_overlay = _action(
        win, v, "Clipping &overlay", lambda on: win.state.overlay.update(enabled=on), "O", True
    )
    win.act_split = _action(
        win,
        v,
        "&Split before/after",
        lambda on: view.update(compare="split" if on else "none"),
        "S",
        True,
    )
    win.act_side = _action(
        win,
        v,
        "Si&de by side",
        lambda on: view.update(compare="side-by-side" if on else "none"),
        "D",
        True,
    )
    _action(win, v, "Toggle photo / &result", win.toggle_result, "Space")
    r = bar.addMenu("&Reconstruct")
    _action(
        win, r, "&Run", lambda: win.reconstruct(win.reconstruct_panel.current_method()), "Ctrl+R"
    )
    _action(win, r, "&Cancel", win.jobs.cancel, "Esc")
    h = bar.addMenu("&Help")
    _action(
        win,
        h,
        "&About",
        lambda: QtWidgets.QMessageBox.about(
            win, "HDR Studio", f"HDR Studio {__version__}\nRecovers clipped highlights as HDR."
        ),
    )


def build_toolbar(win: MainWindow) -> None:
    """Exposure, compare mode and the SDR-result switch; sets ``win.exposure``,
    ``win.compare`` and ``win.sdr_result``."""
    view = win.state.view
    tb = win.addToolBar("View")
    tb.setObjectName("view-toolbar")
    tb.addAction(win.act_send_back)  # visible in the round trip only
    tb.addWidget(QtWidgets.QLabel(" Exposure "))
    win.exposure = QtWidgets.QDoubleSpinBox()
    win.exposure.setRange(-8, 8)
    win.exposure.setSingleStep(0.5)
    win.exposure.setSuffix(" EV")
    win.exposure.valueChanged.connect(lambda v: view.update(exposure=v))
    tb.addWidget(win.exposure)
    tb.addSeparator()
    win.compare = QtWidgets.QComboBox()
    for label, value in (("Single", "none"), ("Split", "split"), ("Side by side", "side-by-side")):
        win.compare.addItem(label, value)
    win.compare.currentIndexChanged.connect(lambda i: view.update(compare=win.compare.itemData(i)))
    tb.addWidget(QtWidgets.QLabel(" Compare "))
    tb.addWidget(win.compare)
    tb.addSeparator()
    win.sdr_result = QtWidgets.QCheckBox("SDR result")
    win.sdr_result.setToolTip("Show the model's SDR result instead of its HDR result")
    win.sdr_result.setEnabled(False)
    win.sdr_result.toggled.connect(lambda on: view.update(show_sdr_result=on))
    tb.addWidget(win.sdr_result)


def sync_view_actions(win: MainWindow) -> None:
    """Check the compare actions and combo box for the view's mode (signals blocked)."""
    mode = win.state.view.compare
    for act, value in ((win.act_split, "split"), (win.act_side, "side-by-side")):
        with QtCore.QSignalBlocker(act):
            act.setChecked(mode == value)
    with QtCore.QSignalBlocker(win.compare):
        win.compare.setCurrentIndex(win.compare.findData(mode))
