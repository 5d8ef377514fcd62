"""A long app session stays healthy: one app process (offscreen Qt) runs CYCLES times
open → reconstruct with the default network → cancel half-way → reconstruct again → export,
and reports the process's memory after each cycle and the threads left running.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_session.py [CYCLES] [SIDE]

Photo: the sample ``sunset_lomiri.jpg`` resized to SIDE px on its long side (default 1200,
its own size) and saved as 8-bit PNG; exports go to a temporary folder (EXR, overwritten
each cycle).
Target (issue #11): memory growth after the first cycle < 50 MB; no worker thread left.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from PySide6 import QtCore, QtWidgets

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def wait(app, cond, timeout=300.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("timed out")
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)


def main() -> int:
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    side = int(sys.argv[2]) if len(sys.argv) > 2 else 1200
    app = QtWidgets.QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    QtCore.QSettings.setPath(
        QtCore.QSettings.Format.NativeFormat, QtCore.QSettings.Scope.UserScope, str(tmp)
    )
    import cv2
    import numpy as np

    from hdr_studio.api import default_method
    from hdr_studio.app.main_window import MainWindow
    from hdr_studio.core.export import ExportOptions, write_array
    from hdr_studio.core.reader import read_image

    code = read_image(ROOT / "resources" / "samples" / "sunset_lomiri.jpg").code
    s = side / max(code.shape[:2])
    small = cv2.resize(code, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    photo = write_array((np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8), tmp / "p.png", "png8")
    method = default_method()
    win = MainWindow()
    win.resize(1280, 800)
    win.show()
    base_threads = None
    rows = []
    t0 = time.perf_counter()
    for i in range(cycles):
        win.open(photo)
        wait(app, lambda: win.state.job.state == "done" and win.state.document.image is not None)
        # Cancel half-way through the first reconstruction.
        cancelled = []

        def on_progress(field, cancelled=cancelled):
            j = win.state.job
            if field == "progress" and j.progress >= 0.5 and not cancelled:
                cancelled.append(True)
                win.jobs.cancel()

        unsubscribe = win.state.job.subscribe(on_progress)
        win.reconstruct(method)
        wait(app, lambda: win.state.job.state in ("cancelled", "done"))
        unsubscribe()
        state_after_cancel = win.state.job.state
        win.reconstruct(method)
        wait(app, lambda: win.state.job.state == "done" and win.state.document.result is not None)
        out = tmp / "out.exr"
        win.export(out, "exr", ExportOptions())
        wait(app, lambda: win.state.job.state == "done" and win.state.job.name == "Export")
        wait(app, win.idle)
        gc.collect()
        if base_threads is None:
            base_threads = os_threads()
        rows.append(
            {
                "cycle": i + 1,
                "rss_mb": round(rss_mb(), 1),
                "os_threads": os_threads(),
                "py_threads": threading.active_count(),
                "pool_active": win.jobs.pool.activeThreadCount()
                + win.renderer.pool.activeThreadCount()
                + win.panel_worker.pool.activeThreadCount()
                + win.detail_worker.pool.activeThreadCount(),
                "first_run": state_after_cancel,
            }
        )
        if (i + 1) % 10 == 0 or i == 0:
            print(json.dumps(rows[-1]), flush=True)
    win.shutdown()
    elapsed = time.perf_counter() - t0
    first, last = rows[0], rows[-1]
    peak = max(r["rss_mb"] for r in rows)
    summary = {
        "cycles": cycles,
        "photo": f"{small.shape[1]}x{small.shape[0]}",
        "method": method,
        "seconds": round(elapsed, 1),
        "rss_after_first_mb": first["rss_mb"],
        "rss_after_last_mb": last["rss_mb"],
        "growth_after_first_mb": round(last["rss_mb"] - first["rss_mb"], 1),
        "peak_rss_mb": peak,
        "os_threads_first_last": [first["os_threads"], last["os_threads"]],
        "pool_threads_active_at_end": last["pool_active"],
        "cancelled_half_way": sum(r["first_run"] == "cancelled" for r in rows),
    }
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
