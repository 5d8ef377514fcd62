"""What the window keeps between sessions (in its settings store): geometry and dock
layout, the overlay's settings, the camera-curve choice, the method, the HDR-view
preference."""

from __future__ import annotations

from hdr_studio.app.model.curve import choice_of
from hdr_studio.app.model.settings import stored_bool


def restore_window(win) -> None:
    """Bring back what :func:`save_window` kept (no history step: they are no edits)."""
    st = win.settings
    geo = st.value("geometry")
    if geo is not None:
        win.restoreGeometry(geo)
    else:
        win.resize(1400, 900)
    fit_to_screen(win)
    ws = st.value("windowState")
    if ws is not None:
        win.restoreState(ws)
        win.fresh_layout = False
    win.state.display.update(wanted=stored_bool(st.value("display/hdr"), True))
    win.menus.hdr.setChecked(win.state.display.wanted)
    o = win.state.overlay
    with win.history.unrecorded():
        o.update(
            mode=str(st.value("overlay/mode", o.mode)),
            over=float(st.value("overlay/over", o.over)),
            under=float(st.value("overlay/under", o.under)),
            opacity=float(st.value("overlay/opacity", o.opacity)),
            enabled=stored_bool(st.value("overlay/enabled"), o.enabled),
            show_over=stored_bool(st.value("overlay/show_over"), o.show_over),
            show_under=stored_bool(st.value("overlay/show_under"), o.show_under),
        )
        choice, file = str(st.value("curve/choice", "")), str(st.value("curve/file", ""))
        if choice == "file":
            if file and win.curves.use_file(file) is None:
                win.state.edits.update(curve=file)
        elif choice and choice != "bracket":
            win.state.edits.update(curve=choice)
        method = str(st.value("edits/method", "") or "")
        if method:  # the method last used (the method list checks it once it is in)
            win.state.edits.update(method=method)


def fit_to_screen(win) -> None:
    """Keep the window within its screen's free area (a laptop's 1366 × 768, or a layout
    kept on a larger monitor): shrunk to fit and moved onto it, never below its minimum."""
    screen = win.screen()
    if screen is None or win.isMaximized() or win.isFullScreen():
        return
    free = screen.availableGeometry()
    frame = win.frameGeometry().size() - win.geometry().size()  # the title bar and borders,
    frame_w, frame_h = max(frame.width(), 16), max(frame.height(), 48)  # guessed before shown
    width = min(win.width(), free.width() - frame_w)
    height = min(win.height(), free.height() - frame_h)
    width, height = max(width, win.minimumWidth()), max(height, win.minimumHeight())
    if (width, height) != (win.width(), win.height()):
        win.resize(width, height)
    box = win.frameGeometry()
    x = min(max(box.x(), free.left()), max(free.left(), free.right() + 1 - box.width()))
    y = min(max(box.y(), free.top()), max(free.top(), free.bottom() + 1 - box.height()))
    if (x, y) != (box.x(), box.y()):
        win.move(x, y)


def save_window(win) -> None:
    st = win.settings
    st.setValue("edits/method", win.state.edits.method)
    st.setValue("geometry", win.saveGeometry())
    st.setValue("windowState", win.panels_hidden.state_to_keep())
    o = win.state.overlay
    for k in ("mode", "over", "under", "opacity", "enabled", "show_over", "show_under"):
        st.setValue(f"overlay/{k}", getattr(o, k))
    curve = win.state.edits.curve
    st.setValue("curve/choice", "file" if choice_of(curve) == "file" else (curve or ""))
    st.setValue("curve/file", win.curves.file)
