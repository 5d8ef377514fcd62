"""The window's menus and toolbar: actions bound to handlers (plain callables the window
passes) and to the plain models. Nothing here knows the window's class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio.app.model.state import AppState
from hdr_studio.app.widgets import ResetSpinBox, blocked, set_tip

Slot = Callable[..., object]


@dataclass
class Handlers:
    """What the menus' actions do (the window's methods, mostly)."""

    open: Slot
    export: Slot
    batch: Slot
    send_back: Slot
    quit: Slot
    clear_recent: Slot
    undo: Slot
    redo: Slot
    apply_to_next: Slot
    select_rectangle: Slot
    whole_photo: Slot
    next_photo: Slot
    previous_photo: Slot
    fit: Slot
    actual_pixels: Slot
    zoom_in: Slot
    zoom_out: Slot
    toggle_result: Slot
    hdr_view: Slot
    keep_reference: Slot
    reconstruct: Slot
    cancel: Slot
    shortcuts: Slot
    about: Slot
    hide_panels: Slot  # (bool) every panel out of the way, or back
    reset_panels: Slot


@dataclass
class Menus:
    """The actions and menus the window updates."""

    recent: QtWidgets.QMenu
    clear_recent: QtGui.QAction
    undo: QtGui.QAction
    redo: QtGui.QAction
    send_back: QtGui.QAction
    overlay: QtGui.QAction
    split: QtGui.QAction
    side: QtGui.QAction
    ab: QtGui.QAction
    next_photo: QtGui.QAction
    previous_photo: QtGui.QAction
    hdr: QtGui.QAction
    apply_next: QtGui.QAction  # enabled as next_photo is: there is a next photo
    keep: QtGui.QAction  # enabled with a result to keep
    cancel: QtGui.QAction  # enabled while a job runs
    hide_panels: QtGui.QAction


def _action(
    win: QtWidgets.QWidget,
    menu: QtWidgets.QMenu,
    text: str,
    slot: Slot,
    shortcuts: str | tuple[str, ...] = (),
    checkable: bool = False,
    tooltip: str = "",
) -> QtGui.QAction:
    act = QtGui.QAction(text, win)
    act.setProperty("name", text.replace("&", "").rstrip("…"))  # its text may change (Undo X)
    keys = (shortcuts,) if isinstance(shortcuts, str) else shortcuts
    if keys:
        act.setShortcuts([QtGui.QKeySequence(k) for k in keys])
    act.setCheckable(checkable)
    if tooltip:
        set_tip(act, tooltip)
    act.triggered.connect(slot)
    menu.addAction(act)
    win.addAction(act)
    return act


def build_menus(
    win: QtWidgets.QMainWindow,
    state: AppState,
    h: Handlers,
    panels: list[QtWidgets.QDockWidget],
    canvas: QtWidgets.QWidget,
) -> Menus:
    """File, Edit, View (with its Panels), Photo, Reconstruct and Help. ``canvas``: the
    widget on which Tab hides the panels (elsewhere Tab moves between controls)."""
    bar = win.menuBar()
    recent, clear_recent, send_back = _file_menu(win, bar, h)
    undo, redo, apply_next = _edit_menu(win, bar, h)
    view, overlay, split, side, keep, ab, hdr = _view_menu(win, bar, state, h)
    hide_panels = _panels_menu(win, view, h, panels, canvas)
    p = bar.addMenu("&Photo")
    next_photo = _action(win, p, "&Next photo", h.next_photo, ("PgDown", "Ctrl+Right"))
    previous_photo = _action(win, p, "&Previous photo", h.previous_photo, ("PgUp", "Ctrl+Left"))

    r = bar.addMenu("&Reconstruct")
    # Run stays on without a photo: it says to open one (the panel's button is off)
    run = _action(win, r, "&Run", h.reconstruct, "Ctrl+R")
    cancel = _action(win, r, "&Cancel", h.cancel, "Esc")
    # named whole where they stand alone (the shortcuts list: "Run" said nothing)
    run.setProperty("name", "Reconstruct (run)")
    cancel.setProperty("name", "Cancel the running job")

    hm = bar.addMenu("&Help")
    _action(win, hm, "&Keyboard shortcuts", h.shortcuts, ("F1", "Ctrl+/"))
    _action(win, hm, "&About", h.about)
    return Menus(
        recent,
        clear_recent,
        undo,
        redo,
        send_back,
        overlay,
        split,
        side,
        ab,
        next_photo,
        previous_photo,
        hdr,
        apply_next,
        keep,
        cancel,
        hide_panels,
    )


def _file_menu(win, bar, h: Handlers):
    f = bar.addMenu("&File")
    _action(win, f, "&Open…", h.open, "Ctrl+O")
    recent = f.addMenu("Open &Recent")
    clear_recent = QtGui.QAction("&Clear recent", win)
    clear_recent.triggered.connect(h.clear_recent)
    _action(win, f, "&Export…", h.export, "Ctrl+E")
    _action(win, f, "&Batch…", h.batch, "Ctrl+B")
    # Shown when a host (GIMP, Krita) sent a layer through the bridge.
    send_back = _action(win, f, "&Send back to host", h.send_back, "Ctrl+Return")
    send_back.setVisible(False)
    send_back.setEnabled(False)
    f.addSeparator()
    _action(win, f, "&Quit", h.quit, "Ctrl+Q")

    return recent, clear_recent, send_back


def _edit_menu(win, bar, h: Handlers):
    e = bar.addMenu("&Edit")
    undo = _action(win, e, "&Undo", h.undo, ("Ctrl+Z",))
    redo = _action(win, e, "&Redo", h.redo, ("Ctrl+Shift+Z", "Ctrl+Y"))
    e.addSeparator()
    apply_next = _action(
        win,
        e,
        "Apply these settings to the &next photo",
        h.apply_to_next,
        "Ctrl+Shift+N",
        tooltip="Open the next photo of the folder with this photo's settings (and "
        "reconstruct it, when this photo was)",
    )
    e.addSeparator()
    _action(
        win,
        e,
        "&Limit the result to a rectangle",
        h.select_rectangle,
        "M",
        tooltip="Outside the rectangle the photo stays as measured; drag its edges to fit",
    )
    _action(win, e, "&Whole photo (no selection)", h.whole_photo, "Ctrl+Shift+A")

    return undo, redo, apply_next


def _view_menu(win, bar, state: AppState, h: Handlers):
    view = state.view
    v = bar.addMenu("&View")
    # Photoshop's and Lightroom's keys too: Ctrl+0 fits, Ctrl+1 is 100 %, Ctrl+= / Ctrl++
    # and Ctrl+- zoom; "=" is "+" without Shift
    _action(win, v, "&Fit", h.fit, ("F", "Ctrl+0"))
    _action(win, v, "&100 %", h.actual_pixels, ("1", "Ctrl+1"))
    _action(win, v, "Zoom &in", h.zoom_in, ("+", "=", "Ctrl++", "Ctrl+="))
    _action(win, v, "Zoom &out", h.zoom_out, ("-", "Ctrl+-"))
    v.addSeparator()
    overlay = _action(
        win, v, "Clipping &overlay", lambda on: state.overlay.update(enabled=on), "O", True
    )

    def compare(mode: str) -> Slot:
        return lambda on: view.update(compare=mode if on else "none")

    split = _action(win, v, "&Split before/after", compare("split"), "S", True)
    side = _action(win, v, "Si&de by side", compare("side-by-side"), "D", True)
    keep = _action(
        win,
        v,
        "&Keep this result as A",
        h.keep_reference,
        "K",
        tooltip="Keep the current result; the next reconstruction (another method or "
        "strength) shows beside it as B",
    )
    ab = _action(win, v, "Compare A / &B", compare("ab"), "B", True)
    _action(win, v, "Toggle photo / &result", h.toggle_result, "Space")
    v.addSeparator()
    hdr = _action(
        win,
        v,
        "&HDR view where the display offers one",
        h.hdr_view,
        checkable=True,
        tooltip="On a display with an HDR surface (Windows HDR, macOS extended range, "
        "Wayland with colour management) the result alone is shown in HDR; elsewhere, and "
        "with this off, it is tone-mapped. The status bar says which view is in use.",
    )
    hdr.setChecked(state.display.wanted)

    return v, overlay, split, side, keep, ab, hdr


def _panels_menu(win, v: QtWidgets.QMenu, h: Handlers, panels, canvas) -> QtGui.QAction:
    """View ▸ Panels: each panel shown or not (a closed one came back only through a
    right-click on a panel's title), Hide panels, and the layout as it first was."""
    v.addSeparator()
    menu = v.addMenu("&Panels")
    for dock in panels:
        menu.addAction(dock.toggleViewAction())
    menu.addSeparator()
    hide = QtGui.QAction("&Hide panels", win)
    hide.setProperty("name", "Hide panels")
    hide.setCheckable(True)
    hide.setShortcut(QtGui.QKeySequence("Tab"))
    # Tab on the photo, as in GIMP; in the panels it still moves between controls
    hide.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
    set_tip(hide, "Every panel out of the way, and back (Tab on the photo)")
    hide.toggled.connect(h.hide_panels)
    menu.addAction(hide)
    canvas.addAction(hide)
    _action(win, menu, "&Reset panels", h.reset_panels)
    return hide


@dataclass
class Toolbar:
    exposure: ResetSpinBox
    compare: QtWidgets.QComboBox
    sdr_result: QtWidgets.QCheckBox


COMPARE_CHOICES = (
    ("Single", "none"),
    ("Split", "split"),
    ("Side by side", "side-by-side"),
    ("A / B", "ab"),
)


def build_toolbar(win: QtWidgets.QMainWindow, state: AppState, menus: Menus) -> Toolbar:
    """Exposure, compare mode and the SDR-result switch."""
    view = state.view
    tb = win.addToolBar("View")
    tb.setObjectName("view-toolbar")
    tb.addAction(menus.send_back)  # visible in the round trip only
    tb.addWidget(QtWidgets.QLabel(" Exposure "))
    exposure = ResetSpinBox(0.0)
    exposure.setRange(-8, 8)
    exposure.setSingleStep(0.5)
    exposure.setSuffix(" EV")
    set_tip(
        exposure,
        "Brightness of the view in stops (the tone map's exposure). HDR exports are not "
        "changed; the Export dialog starts an SDR export at this exposure, what you see. "
        "Type a value, or double-click to go back to 0.",
    )
    exposure.valueChanged.connect(lambda v: view.update(exposure=v))
    tb.addWidget(exposure)
    tb.addSeparator()
    compare = QtWidgets.QComboBox()
    for label, value in COMPARE_CHOICES:
        compare.addItem(label, value)
    set_tip(
        compare,
        "Single: one picture. Split (S): the photo left of a line you drag, the result right. "
        "Side by side (D): photo and result in linked panes. A / B (B): a kept result (K) "
        "beside the current one, to compare two methods or strengths.",
    )
    compare.currentIndexChanged.connect(lambda i: view.update(compare=compare.itemData(i)))
    tb.addWidget(QtWidgets.QLabel(" Compare "))
    tb.addWidget(compare)
    tb.addSeparator()
    sdr_result = QtWidgets.QCheckBox("SDR result")
    set_tip(sdr_result, "Show the model's SDR result instead of its HDR result")
    sdr_result.setEnabled(False)
    sdr_result.toggled.connect(lambda on: view.update(show_sdr_result=on))
    tb.addWidget(sdr_result)
    return Toolbar(exposure, compare, sdr_result)


def sync_job_actions(menus: Menus, toolbar: Toolbar, state: AppState) -> None:
    """Enable what there is something to act on: Cancel while a job runs, Keep with a
    result, Compare A / B with a kept result (and its entry in the compare box alike)."""
    doc = state.document
    menus.cancel.setEnabled(state.job.state == "running")
    menus.keep.setEnabled(doc.result is not None)
    has_a = doc.reference is not None
    menus.ab.setEnabled(has_a or state.view.compare == "ab")  # never strand a checked mode
    item = toolbar.compare.model().item(toolbar.compare.findData("ab"))  # type: ignore[attr-defined]
    if item is not None:
        item.setEnabled(has_a or state.view.compare == "ab")


def sync_view_actions(menus: Menus, toolbar: Toolbar, state: AppState) -> None:
    """Check the compare actions and combo box for the view's mode (signals blocked)."""
    mode = state.view.compare
    for act, value in ((menus.split, "split"), (menus.side, "side-by-side"), (menus.ab, "ab")):
        with blocked(act):
            act.setChecked(mode == value)
    with blocked(toolbar.compare):
        toolbar.compare.setCurrentIndex(toolbar.compare.findData(mode))
    with blocked(toolbar.exposure):
        toolbar.exposure.setValue(state.view.exposure)


def shortcut_rows(win: QtWidgets.QWidget) -> list[tuple[str, str]]:
    """(action, keys) for every action of ``win`` that has a shortcut, in menu order, then
    those of its central widget (the photo), which work there only."""
    central = win.centralWidget() if isinstance(win, QtWidgets.QMainWindow) else None
    rows = []
    for act in [*win.actions(), *(central.actions() if central is not None else ())]:
        keys = [k.toString(QtGui.QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts()]
        if keys and act.isVisible():  # a hidden action (Send back, without a host) is none
            name = act.property("name") or act.text().replace("&", "").rstrip("…")
            where = " (on the photo)" if act not in win.actions() else ""
            rows.append((name, " or ".join(keys) + where))
    return rows


def show_shortcuts(win: QtWidgets.QWidget) -> QtWidgets.QDialog:
    """Help ▸ Keyboard shortcuts: every action with its keys, read from the actions."""
    dlg = QtWidgets.QDialog(win)
    dlg.setWindowTitle("Keyboard shortcuts")
    layout = QtWidgets.QVBoxLayout(dlg)
    rows = shortcut_rows(win)
    table = QtWidgets.QTableWidget(len(rows), 2)
    table.setHorizontalHeaderLabels(("Action", "Keys"))
    table.verticalHeader().hide()
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    for i, (text, keys) in enumerate(rows):
        table.setItem(i, 0, QtWidgets.QTableWidgetItem(text))
        table.setItem(i, 1, QtWidgets.QTableWidgetItem(keys))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    layout.addWidget(table)
    layout.addWidget(
        QtWidgets.QLabel(
            "In the viewer: the wheel zooms at the cursor, a drag pans, the split line drags. "
            "On a slider: type a value in its box, double-click to reset."
        )
    )
    close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
    close.rejected.connect(dlg.close)
    layout.addWidget(close)
    dlg.resize(520, 560)
    dlg.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.show()
    return dlg
