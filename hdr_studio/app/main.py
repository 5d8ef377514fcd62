"""Start the app: ``hdr-studio gui [FILE] [--screenshot OUT.png]``."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

#: The name window managers know the app by: X11's WM_CLASS (instance and class) matches
#: the desktop entry's ``StartupWMClass``, whatever script started the process
#: (``hdr-studio``, ``python -m hdr_studio`` whose argv[0] is ``__main__.py``, a bundle).
APP_NAME = "hdr-studio"
DISPLAY_NAME = "HDR Studio"
DESKTOP_ID = "org.hdrstudio.HDRStudio"


def application():
    """The QApplication, named for the desktop (WM_CLASS, Wayland app id, icon)."""
    from PySide6 import QtGui, QtWidgets

    from hdr_studio.desktop import icon_file

    app = QtWidgets.QApplication.instance()
    if not isinstance(app, QtWidgets.QApplication):
        # argv[0] names the X11 WM_CLASS instance.
        app = QtWidgets.QApplication([APP_NAME])
    app.setApplicationName(APP_NAME)  # the WM_CLASS class
    app.setApplicationDisplayName(DISPLAY_NAME)
    app.setOrganizationName(DISPLAY_NAME)
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(QtGui.QIcon(str(icon_file())))
    return app


def run(
    path: str | None = None,
    screenshot: str | None = None,
    reconstruct: str | None = None,
    timeout: float = 180.0,
    session: str | None = None,
    send_back: bool = False,
) -> int:
    """The app. ``session``: open the layer a host sent through the bridge instead of a
    file; ``reconstruct``: run that method once the photo is open; ``send_back``: when that
    reconstruction is done, send the result back to the host and quit (scripting);
    ``screenshot``: draw, save the window as a picture and quit, touching none of the
    user's settings (recent files, last folder, window layout)."""
    from PySide6 import QtCore

    from hdr_studio.app.main_window import MainWindow
    from hdr_studio.app.model.settings import MemoryStore

    app = application()
    win = MainWindow(store=MemoryStore() if screenshot else None)
    failed: list[str] = []  # scripted runs (--send-back) that could not finish
    if screenshot:
        win.resize(1500, 950)
    win.show()
    if os.environ.get("HDR_STUDIO_EXIT_WHEN_SHOWN"):  # start-up benchmarks (bench_bundle.py)
        app.processEvents()
        win.grab()  # painted
        print("window shown", flush=True)
        return 0
    if path or session:
        if session:
            win.open_session(session)
        elif path:
            win.open(path)
        if send_back:

            def send_when_done(field: str) -> None:
                if field == "outcome" and win.state.document.outcome is not None:
                    QtCore.QTimer.singleShot(0, lambda: win.send_back(on_sent=win.close))

            win.state.document.subscribe(send_when_done)

            def give_up_on_failure(field: str) -> None:
                job = win.state.job
                if field == "state" and job.state in ("failed", "cancelled"):
                    print(
                        f"hdr-studio: error: {job.name}: {job.error or job.state}", file=sys.stderr
                    )
                    failed.append(job.name)
                    QtCore.QTimer.singleShot(0, win.close)

            win.state.job.subscribe(give_up_on_failure)
        if reconstruct:
            _reconstruct_when_ready(win, reconstruct)
    if not screenshot:
        code = app.exec()
        win.shutdown()
        return 1 if failed else code
    return _screenshot(app, win, path, screenshot, timeout, bool(reconstruct))


def _reconstruct_when_ready(win, method: str) -> None:
    """Start ``method`` once the photo is open and the method list is in."""
    from PySide6 import QtCore

    started: list[bool] = []
    s = win.state

    def check(_field: str) -> None:
        if not started and s.document.image is not None and s.methods.loaded:
            started.append(True)
            QtCore.QTimer.singleShot(0, lambda: win.reconstruct(method))

    s.document.subscribe(check)
    s.methods.subscribe(check)


def _screenshot(
    app, win, path: str | None, screenshot: str, timeout: float, reconstructs: bool = False
) -> int:
    """Wait until the file is open (and reconstructed, with ``reconstructs``) and everything
    is drawn, then grab the window and quit."""
    from PySide6 import QtCore

    deadline = time.monotonic() + timeout
    opened = False
    while time.monotonic() < deadline:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if path and win.state.document.image is None:
            if win.state.job.state == "failed":
                break
            continue
        opened = True
        job = win.state.job
        if reconstructs and win.state.document.outcome is None and job.state != "failed":
            continue
        if (
            win.idle()
            and win.renderer.applied > 0
            and (not path or win.state.document.base is not None)
        ):
            for _ in range(5):
                app.processEvents()
                time.sleep(0.02)
            if win.idle():
                break
    ok = win.grab().save(screenshot)
    win.shutdown()
    win.close()
    if not ok:
        print(f"hdr-studio: error: could not write {screenshot}", file=sys.stderr)
        return 3
    if path and not opened:
        print(
            f"hdr-studio: error: {win.state.job.error or 'timed out opening ' + str(path)}",
            file=sys.stderr,
        )
        return 2
    print(f"wrote {Path(screenshot)}")
    return 0
