"""Desktop-app responsiveness, offscreen Qt on this machine.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py

* start-up: from interpreter start to the main window shown and painted (no photo);
* event-loop stall: a 5 ms QTimer records the longest gap between its ticks while
  ``classical`` reconstructs a 12 MP photo (and while a 24 MP photo opens);
* overlay latency: on a 24 MP photo, time from changing the over-exposure threshold in the
  model to the new overlay being on screen (median of 10 changes).
Photos: the sample ``seeding_lomiri.jpg`` upscaled (bicubic) and saved as 8-bit PNG.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from PySide6 import QtCore, QtWidgets  # noqa: E402


def main() -> int:
    app = QtWidgets.QApplication(sys.argv[:1])
    QtCore.QSettings.setPath(
        QtCore.QSettings.Format.NativeFormat, QtCore.QSettings.Scope.UserScope, tempfile.mkdtemp()
    )
    from hdr_studio.app.main_window import MainWindow

    win = MainWindow()
    win.resize(1500, 950)
    win.show()
    app.processEvents()
    win.grab()
    startup = time.perf_counter() - T0

    sys.path.insert(0, str(Path(__file__).parent))
    import numpy as np
    import OpenImageIO as oiio
    from bench_core import _image

    tmp = Path(tempfile.mkdtemp())
    files = {}
    for mp in (12, 24):
        im = _image(mp * 1e6)
        q = np.ascontiguousarray((im.code * 255 + 0.5).astype(np.uint8))
        path = tmp / f"photo_{mp}mp.png"
        out = oiio.ImageOutput.create(str(path))
        out.open(str(path), oiio.ImageSpec(q.shape[1], q.shape[0], 3, oiio.UINT8))
        out.write_image(q)
        out.close()
        files[mp] = path

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QtCore.QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)

    def wait(cond, limit=600.0) -> None:
        end = time.perf_counter() + limit
        while not cond() and time.perf_counter() < end:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)

    def stall_during(action, cond) -> float:
        gaps.clear()
        last[0] = time.perf_counter()
        timer.start()
        action()
        wait(cond)
        timer.stop()
        return max(gaps) if gaps else float("nan")

    open_stall = stall_during(
        lambda: win.open(files[24]), lambda: win.state.document.image is not None and win.idle()
    )
    latencies = []
    for i in range(10):
        before = win.renderer.applied
        t = time.perf_counter()
        win.state.overlay.update(over=(240 + i) / 255)
        wait(lambda b=before: win.renderer.applied > b)
        latencies.append(time.perf_counter() - t)
    win.open(files[12])
    wait(lambda: win.state.document.image is not None and win.idle())
    run_stall = stall_during(
        lambda: win.reconstruct("classical"), lambda: win.state.job.state == "done" and win.idle()
    )
    win.shutdown()
    print("| measurement | value |")
    print("|---|---|")
    print(f"| window shown and painted after interpreter start | {startup:.2f} s |")
    print(f"| longest event-loop stall while opening 24 MP | {open_stall * 1000:.0f} ms |")
    print(f"| longest event-loop stall during classical on 12 MP | {run_stall * 1000:.0f} ms |")
    print(
        f"| overlay threshold change → on screen, 24 MP (median of 10) | "
        f"{statistics.median(latencies) * 1000:.0f} ms (max {max(latencies) * 1000:.0f} ms) |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
