"""What the window does once it is shown: list the methods (imports torch), find the
device, load the default network (so the first reconstruction starts without loading it),
draw the CIE curves — on a worker, after the photo being opened is on screen, if one is
(on two cores torch's import would halve the speed of the first picture's reading)."""

from __future__ import annotations

from PySide6 import QtCore

from hdr_studio.app.workers import LatestOnly


def look_up() -> tuple[list, str, str, dict]:
    """The slow imports and look-ups (on the worker)."""
    from hdr_studio.api.catalogue import catalogue, default_method, device_line
    from hdr_studio.app.plots import ChromaticityPanel

    methods, default = catalogue(), default_method()
    if default not in ("classical", "none"):
        from hdr_studio.api import warm_up

        warm_up(default)  # kept in the process's model cache
    return methods, device_line(), default, ChromaticityPanel.static_curves()


class StartUp(QtCore.QObject):
    def __init__(self, win) -> None:
        super().__init__(win)
        self.win = win
        self.worker = LatestOnly(self._apply, debounce_ms=0, parent=self)
        self._started = False

    def start(self) -> None:
        doc = self.win.state.document
        if self._started:
            return
        if doc.loading is not None and doc.image is None:

            def opened(name: str) -> None:
                if name in ("image", "loading") and (doc.image is not None or doc.loading is None):
                    unsubscribe()
                    QtCore.QTimer.singleShot(0, self.start)

            unsubscribe = doc.subscribe(opened)
            return
        self._started = True
        self.worker.request(look_up)

    def _apply(self, result) -> None:
        methods, device, default, curves = result
        win, s = self.win, self.win.state
        win.docks.chroma.set_static(curves)
        s.methods.update(methods=tuple(methods), device=device, default=default, loaded=True)
        if not s.edits.method or s.methods.get(s.edits.method) is None:
            with win.history.unrecorded():
                s.edits.update(method=default)
