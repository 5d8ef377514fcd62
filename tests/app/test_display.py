"""The HDR view: the choice between HDR and the tone-mapped SDR view from what the platform
offers (without Qt), the values put on each kind of surface, the fallback and the visible
indicator in an offscreen window, the HDR canvas in the window (on Qt's null graphics
backend: no HDR display exists here, so what a Windows/macOS/Wayland screen would offer is
given to the window — the one stand-in), and the canvas drawing real pixels under a real X
server (OpenGL, SDR surface) when Xvfb is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from hdr_studio.app.model import render
from hdr_studio.app.model.display import (
    ASSUMED_HEADROOM,
    DisplayOffer,
    DisplayState,
    choose_display,
)
from hdr_studio.core.transfer import pq_encode
from tests.helpers import ROOT


def test_the_choice_follows_the_platform_formats_and_headroom():
    x11 = choose_display(DisplayOffer("xcb", backend="OpenGL"))
    assert not x11.hdr and x11.label == "SDR view (tone-mapped)" and "'xcb'" in x11.reason
    none = choose_display(DisplayOffer("windows", (), 5.0, "Direct3D 11"))
    assert not none.hdr and "no HDR format" in none.reason
    win = choose_display(DisplayOffer("windows", ("hdr10", "scrgb"), 6.0, "Direct3D 11"))
    assert win.hdr and win.format == "scrgb" and win.headroom == 6.0
    assert win.label == "HDR view · 6.0×" and "as the display reports" in win.reason
    assert choose_display(DisplayOffer("windows", ("hdr10",), 6.0)).format == "hdr10"
    mac = choose_display(DisplayOffer("cocoa", ("p3-linear",), None, "Metal"))
    assert mac.hdr and mac.format == "p3-linear" and mac.headroom == ASSUMED_HEADROOM
    assert "assumed" in mac.reason
    flat = choose_display(DisplayOffer("wayland", ("scrgb",), 1.1, "Vulkan"))
    assert not flat.hdr and "1.10×" in flat.reason
    off = choose_display(DisplayOffer("windows", ("scrgb",), 6.0), wanted=False)
    assert not off.hdr and "turned off" in off.reason
    state = DisplayState()
    state.offered(DisplayOffer("cocoa", ("scrgb",), 3.0))
    assert state.choice.hdr
    state.want(False)
    assert not state.choice.hdr
    state.want(True)
    assert state.choice.hdr and state.choice.headroom == 3.0


def test_surface_values():
    lin = np.array([[[0.18, 0.18, 0.18], [1.0, 1.0, 1.0], [16.0, 8.0, 4.0]]], np.float32)
    scrgb = render.surface_pixels(lin, "rec709", "scrgb", 4.0)
    np.testing.assert_allclose(scrgb[0, :2, :3], lin[0, :2], rtol=1e-5)  # below the knee: as is
    assert scrgb[0, 2, :3].max() <= 4.0 + 1e-4 and scrgb[..., 3].min() == 1.0
    windows = render.surface_pixels(lin, "rec709", "scrgb", 4.0, platform="windows")
    assert windows[0, 1, 0] == pytest.approx(203.0 / 80.0)  # 1.0 = 80 cd/m² there
    pq = render.surface_pixels(lin, "rec709", "hdr10", 4.0)
    assert pq[0, 1, 0] == pytest.approx(0.5807, abs=2e-4)  # SDR white at 203 cd/m² (BT.2408)
    assert pq[0, 2, :3].max() <= float(pq_encode(np.float32(4.0 * 203.0))) + 1e-4
    brighter = render.surface_pixels(lin, "rec709", "scrgb", 4.0, exposure=1.0)
    assert brighter[0, 0, 0] == pytest.approx(0.36, rel=1e-4)
    p3 = render.surface_pixels(np.array([[[1.0, 0.0, 0.0]]], np.float32), "rec709", "p3-linear", 4)
    assert p3[0, 0, 1] > 0.01  # Rec.709 red inside P3: some green
    sdr = render.surface_pixels(lin, "rec709", "sdr", 4.0)
    np.testing.assert_allclose(sdr[..., :3] * 255, render.tonemapped(lin), atol=1e-3)


pytest.importorskip("PySide6")


def test_an_offscreen_window_falls_back_to_sdr_and_says_so(qtbot):
    from hdr_studio.app.main_window import MainWindow
    from hdr_studio.app.model.settings import MemoryStore

    w = MainWindow(store=MemoryStore())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.state.display.offer is not None, timeout=10000)
    assert w.state.display.offer.platform == "offscreen"
    assert not w.state.display.choice.hdr
    assert w.hdr.label.text() == "SDR view (tone-mapped)" and w.hdr.label.isVisible()
    assert "offscreen" in w.hdr.label.toolTip()
    w.shutdown()


def test_the_result_alone_goes_to_the_hdr_canvas(qtbot):
    from PySide6 import QtGui

    from hdr_studio.app.main_window import MainWindow
    from hdr_studio.app.model.settings import MemoryStore
    from tests.app.test_main_window import open_sample, settle

    w = MainWindow(store=MemoryStore(), hdr_backend="null")  # Qt's null graphics backend
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    open_sample(qtbot, w)
    w.reconstruct("classical")
    qtbot.waitUntil(lambda: w.state.job.state == "done", timeout=60000)
    settle(qtbot, w)
    w.state.display.offered(DisplayOffer("windows", ("scrgb",), 4.0, "Direct3D 11"))
    assert w.hdr.label.text() == "SDR view · HDR for the result alone"  # split view now
    assert w.viewer.canvas is None
    w.toggle_result()  # Space: the result alone
    qtbot.waitUntil(
        lambda: w.hdr.canvas is not None and w.hdr.canvas._picture is not None, timeout=10000
    )
    assert w.hdr.label.text() == "HDR view · 4.0×"
    assert w.viewer.stack.currentWidget() is w.hdr.container
    doc = w.state.document
    want = render.surface_pixels(
        render.reduce_mean(doc.result, w.level.factor), "rec709", "scrgb", 4.0, 0.0, "windows"
    )
    np.testing.assert_allclose(w.hdr.canvas._picture, want, rtol=1e-6)
    assert want[..., :3].max() > 203 / 80  # light above SDR white stays above it
    x0, y0, x1, y1 = w.hdr.canvas._region
    assert -0.5 < x0 <= 0 and 1 <= x1 < 1.5 and -0.5 < y0 <= 0 and 1 <= y1 < 1.5  # all of it
    w.viewer.zoom(2.0)
    assert w.hdr.canvas._region[2] - w.hdr.canvas._region[0] < (x1 - x0) * 0.6  # in step
    w.state.view.update(exposure=-1.0)
    darker = render.surface_pixels(  # half the light (what went above 4× rolls off less)
        render.reduce_mean(doc.result, w.level.factor), "rec709", "scrgb", 4.0, -1.0, "windows"
    )
    assert darker[..., :3].max() < want[..., :3].max()
    qtbot.waitUntil(lambda: np.allclose(w.hdr.canvas._picture, darker, rtol=1e-6), timeout=10000)
    QtGui.QAction.trigger(w.menus.hdr)  # View ▸ HDR view … off
    assert not w.state.display.choice.hdr and w.viewer.canvas is None
    assert w.hdr.label.text() == "SDR view (tone-mapped)"
    assert w.settings.value("display/hdr") == "false"
    w.hdr.canvas.release()
    w.shutdown()


def test_the_canvas_draws_its_values_under_x11(tmp_path):
    """Under a real X server with OpenGL the swap chain is SDR (Qt offers no HDR format
    there): the canvas shows its values as they are, and follows its region."""
    missing = [t for t in ("Xvfb",) if shutil.which(t) is None]
    if missing:
        pytest.skip("needs Xvfb (apt-get install xvfb)")
    display = f":{500 + os.getpid() % 400}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "800x600x24"])
    script = tmp_path / "canvas.py"
    script.write_text(
        "import time, numpy as np\n"
        "from PySide6 import QtGui, QtWidgets\n"
        "app = QtWidgets.QApplication([])\n"
        "from hdr_studio.app.hdr_canvas import HdrCanvas\n"
        "from hdr_studio.app.hdr_view import probe_display\n"
        "print('offer', probe_display())\n"
        "c = HdrCanvas('sdr'); c.resize(300, 200); c.setPosition(50, 50); c.show()\n"
        "pic = np.ones((100, 150, 4), np.float32); pic[..., :3] = 0\n"
        "pic[:, :75, 0] = 1.0; pic[:, 75:, 1] = 0.5\n"
        "c.set_picture(pic)\n"
        "def settle():\n"
        "    t = time.time()\n"
        "    while time.time() - t < 1.5: app.processEvents()\n"
        "def px(x, y):\n"
        "    img = app.primaryScreen().grabWindow(0, 50, 50, 300, 200).toImage()\n"
        "    return QtGui.QColor(img.pixel(x, y)).getRgb()[:3]\n"
        "settle(); print('left', px(30, 100)); print('right', px(270, 100))\n"
        "c.set_region(0.0, 0.0, 0.5, 1.0); settle(); print('zoomed', px(270, 100))\n"
        "print('frames', c.frames); c.release()\n"
    )
    env = dict(os.environ, DISPLAY=display, PYTHONPATH=str(ROOT))
    env.pop("QT_QPA_PLATFORM", None)
    try:
        time.sleep(1.0)
        r = subprocess.run(
            [sys.executable, str(script)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        xvfb.terminate()
        xvfb.wait(30)
    assert r.returncode == 0, r.stderr
    lines = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    assert "platform='xcb'" in lines["offer"] and "formats=()" in lines["offer"]
    assert lines["left"] == "(255, 0, 0)" and lines["right"] == "(0, 128, 0)"
    assert lines["zoomed"] == "(255, 0, 0)"  # the left half fills the window
    assert int(lines["frames"]) >= 2
