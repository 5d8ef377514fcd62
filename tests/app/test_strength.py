"""The strength slider: the result is rescaled on a worker without rerunning the method;
0 % gives the linearised photo, 150 % goes further, export writes what is shown."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.core.reader import read_image
from tests.app.test_main_window import open_sample, settle, win  # noqa: F401 (fixture)
from tests.helpers import SAMPLES

SAMPLE = SAMPLES / "sunset_lomiri.jpg"


def test_strength_slider_rescales_without_a_rerun(qtbot, win, tmp_path):  # noqa: F811
    open_sample(qtbot, win, SAMPLE)
    win.reconstruct("classical")
    qtbot.waitUntil(lambda: win.state.document.outcome is not None, timeout=60000)
    settle(qtbot, win)
    doc = win.state.document
    full = doc.result.copy()
    outcome = doc.outcome
    panel = win.reconstruct_panel
    panel.strength_slider.setValue(0)
    qtbot.waitUntil(lambda: doc.outcome.metadata.get("strength") == 0.0, timeout=30000)
    settle(qtbot, win)
    assert doc.outcome is outcome  # the same reconstruction, rescaled
    np.testing.assert_allclose(doc.result, doc.image.linear, rtol=1e-5, atol=1e-6)
    panel.strength_slider.setValue(150)
    qtbot.waitUntil(lambda: doc.outcome.metadata.get("strength") == 1.5, timeout=30000)
    settle(qtbot, win)
    assert doc.result.max() > full.max()
    assert panel.strength_label.text() == "150 %"
    out = tmp_path / "strong.exr"
    from hdr_studio.core.export import ExportOptions

    win.export(out, None, ExportOptions())
    qtbot.waitUntil(out.exists, timeout=30000)
    settle(qtbot, win)
    want = reconstruct(ReconstructRequest(input=SAMPLE, method="classical", strength=1.5)).pixels
    np.testing.assert_allclose(read_image(out).linear, want, rtol=2e-3, atol=1e-3)


def test_camera_curve_box(qtbot, win, tmp_path):  # noqa: F811
    open_sample(qtbot, win, SAMPLE)  # settles: the panel with the networks is in place
    box = win.reconstruct_panel.curve_box
    assert box.curve() is None  # the file's own encoding by default
    box.combo.setCurrentIndex(box.combo.findData("gamma:2.6"))
    box._draw()
    x, y = box.line.getData()
    np.testing.assert_allclose(y, x**2.6, atol=1e-3)  # the plot shows the chosen curve
    win.reconstruct("none")
    qtbot.waitUntil(lambda: win.state.document.outcome is not None, timeout=60000)
    settle(qtbot, win)
    doc = win.state.document
    assert doc.outcome.metadata["curve"] == "gamma:2.6"
    np.testing.assert_allclose(doc.result, np.clip(doc.image.code, 0, 1) ** 2.6, atol=2e-3)
    table = tmp_path / "curve.csv"
    table.write_text("0,0\n0.5,0.1\n1,1\n")
    assert box.set_file(str(table)) and box.curve() == str(table)


def test_auto_curve_plots_the_estimate_the_engine_uses(qtbot, win):  # noqa: F811
    """ "Auto" with no curve kept for the photo's camera: the plot shows the curve estimated
    from the open photo, and the reconstruction uses that very curve."""
    from hdr_studio.core.curve_estimate import estimated_curve

    open_sample(qtbot, win, SAMPLE)
    box = win.reconstruct_panel.curve_box
    index = box.combo.findData("auto")
    assert box.combo.itemText(index) == "Auto: estimated from the photo"
    box.combo.setCurrentIndex(index)
    box.combo.activated.emit(index)
    expected = estimated_curve(win.state.document.image.code)
    x, y = box.line.getData()
    np.testing.assert_allclose(y, expected(x), atol=1e-6)
    exponent = expected.name.rsplit(": ", 1)[-1]
    assert box.combo.currentText() == f"Auto: estimated, {exponent}"
    win.reconstruct("none")
    qtbot.waitUntil(lambda: win.state.document.outcome is not None, timeout=60000)
    settle(qtbot, win)
    doc = win.state.document
    assert doc.outcome.metadata["curve"] == expected.name
    assert "weak estimate" in win.statusBar().currentMessage()


def fresh_window(qtbot, tmp_path):
    """A main window with settings of its own, caught before the start-up worker has listed
    the networks (the Reconstruct panel is the first one)."""
    from PySide6 import QtCore

    from hdr_studio.app.main_window import MainWindow

    QtCore.QSettings.setPath(
        QtCore.QSettings.Format.NativeFormat,
        QtCore.QSettings.Scope.UserScope,
        str(tmp_path / "settings"),
    )
    w = MainWindow()
    qtbot.addWidget(w)
    return w


def test_choices_made_before_the_networks_are_listed_stay(qtbot, tmp_path):
    """The Reconstruct panel is rebuilt when the start-up worker has listed the networks;
    the strength, camera curve, mirror passes and option values set before that are kept."""
    w = fresh_window(qtbot, tmp_path)
    first = w.reconstruct_panel
    first.strength_slider.setValue(70)
    first.curve_box.combo.setCurrentIndex(first.curve_box.combo.findData("gamma:2.4"))
    first.mirror.setChecked(True)
    first.option("classical", "max_gain").setValue(2.5)
    qtbot.waitUntil(lambda: w.reconstruct_panel is not first, timeout=60000)
    panel = w.reconstruct_panel
    assert panel.passes() == 3
    assert panel.option("classical", "max_gain").value() == 2.5
    assert panel.strength() == 0.7 and panel.curve() == "gamma:2.4"
    w.shutdown()


def test_camera_curve_measured_from_a_bracket(qtbot, win, tmp_path, monkeypatch):  # noqa: F811
    """ "Measure from a bracket…": the shots and the save path come from file dialogs and the
    spacing from an input dialog — modal dialogs cannot be clicked offscreen, so those three
    static calls are replaced (the only stand-ins); the measuring runs for real on the
    box's worker, writes the curve file and selects it."""
    from PySide6 import QtWidgets

    from tests.api.test_bracket import bracket_files
    from tests.core.test_response import sigmoid, true_inverse

    shots = [str(p) for p in bracket_files(tmp_path, exif=False, ext="png")]
    out = tmp_path / "shot0.curve.txt"
    asked = []
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (shots, ""))
    )
    monkeypatch.setattr(
        QtWidgets.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda parent, title, path, *a: (asked.append(path) or str(out), "")),
    )
    monkeypatch.setattr(
        QtWidgets.QInputDialog, "getDouble", staticmethod(lambda *a, **k: (2.0, True))
    )
    open_sample(qtbot, win, SAMPLE)
    box = win.reconstruct_panel.curve_box
    box.combo.setCurrentIndex(box.combo.findData("bracket"))  # a user's pick: index, then signal
    box.combo.activated.emit(box.combo.currentIndex())
    assert box.curve() is None  # nothing changes until the measured curve is in
    qtbot.waitUntil(lambda: box.curve() == str(out), timeout=30000)
    assert asked == [str(tmp_path / "shot0.curve.txt")]  # proposed beside the first shot
    assert "Measured from 3 shots" in box.status.text() and box.status.isVisible()
    assert box.combo.currentText() == "Measured: shot0.curve.txt"
    x, y = box.line.getData()  # the plot shows the measured curve
    mask = x > 0.05
    assert np.max(np.abs(y[mask] - true_inverse(sigmoid, x[mask]))) < 0.03
    # a hand-held bracket: aligned, and the status says by how much
    from tests.api.test_bracket import hand_held_files

    hand = tmp_path / "hand"
    hand.mkdir()
    box.measure([str(p) for p in hand_held_files(hand)], str(hand / "c.txt"), 2.0)
    qtbot.waitUntil(lambda: box.curve() == str(hand / "c.txt"), timeout=30000)
    assert "(aligned, moved up to 7 px; fit residual" in box.status.text()
    # a bracket that cannot be measured: the message shows, the choice stays
    flat = [str(p) for p in (tmp_path / "a.png", tmp_path / "b.png")]
    from tests.helpers import write

    for p in flat:
        write(p, np.full((32, 32, 3), 255, np.uint8))
    box.measure(flat, str(tmp_path / "bad.txt"), 2.0)
    qtbot.waitUntil(lambda: box.job.state == "failed", timeout=30000)
    assert "Could not measure" in box.status.text() and "unclipped" in box.status.text()
    assert box.curve() == str(hand / "c.txt") and not (tmp_path / "bad.txt").exists()
    box.combo.setCurrentIndex(box.combo.findData("srgb"))  # a user's pick: index, then signal
    box.combo.activated.emit(box.combo.currentIndex())
    assert box.curve() == "srgb" and box.status.isHidden()


def test_a_bracket_measured_while_the_panel_is_rebuilt(qtbot, tmp_path):
    """The Reconstruct panel is rebuilt once the networks are listed. A bracket measurement
    started before that reports to the new panel's curve box (its status, its choice), and
    the window waits for it when it closes."""
    from hdr_studio.app.main_window import _startup
    from tests.api.test_bracket import bracket_files

    w = fresh_window(qtbot, tmp_path)
    qtbot.waitUntil(lambda: w.startup_worker.applied == 1, timeout=60000)
    listed = _startup()  # the start-up's look-ups again (cached): the rebuild is repeated
    first = w.reconstruct_panel
    shots = [str(p) for p in bracket_files(tmp_path, exif=False, ext="png")]
    out = tmp_path / "bracket.curve.txt"
    first.curve_box.measure(shots, str(out), 2.0)
    assert first.curve_box.job.state == "running"
    w._apply_startup(listed)  # the rebuild, before the result is in
    box = w.reconstruct_panel.curve_box
    assert box is not first.curve_box and box.status.text() == "Measuring the curve…"
    qtbot.waitUntil(lambda: box.curve() == str(out), timeout=30000)
    assert "Measured from 3 shots" in box.status.text() and not box.status.isHidden()
    assert first.curve_box.curve() is None  # the old box got nothing
    box.measure(shots[:1], str(tmp_path / "one.txt"), 2.0)  # the box measures again
    w.shutdown()
    assert box.jobs.pool.activeThreadCount() == 0  # waited for
    qtbot.waitUntil(lambda: box.job.state == "failed", timeout=5000)
    assert "two or more" in box.status.text()
    w._apply_startup(listed)
    assert w.reconstruct_panel.curve() == str(out)


def test_this_cameras_curve(qtbot, win, tmp_path):  # noqa: F811
    """A bracket measured in the app is kept for the camera its shots name; a photo from that
    camera then shows and uses it under "Camera's curve"."""
    from tests.api.test_camera_curves import CANON, canon_bracket, photo
    from tests.core.test_response import sigmoid, true_inverse

    mine = photo(tmp_path / "mine.png", CANON)
    open_sample(qtbot, win, mine)
    box = win.reconstruct_panel.curve_box
    index = box.combo.findData("camera")
    assert box.camera == "Canon EOS 80D"
    assert box.combo.itemText(index) == "Camera's curve (none kept)"
    box.measure([str(p) for p in canon_bracket(tmp_path)], str(tmp_path / "c.txt"), 2.0)
    qtbot.waitUntil(lambda: box.curve() == str(tmp_path / "c.txt"), timeout=30000)
    assert "Kept for Canon EOS 80D" in box.status.text()
    assert box.combo.itemText(index) == "Camera's curve: Canon EOS 80D"
    box.combo.setCurrentIndex(index)  # a user's pick: index, then signal
    box.combo.activated.emit(index)
    assert box.curve() == "camera"
    x, y = box.line.getData()
    mask = x > 0.05
    assert np.max(np.abs(y[mask] - true_inverse(sigmoid, x[mask]))) < 0.03
    win.reconstruct("none")
    qtbot.waitUntil(lambda: win.state.document.outcome is not None, timeout=60000)
    settle(qtbot, win)
    assert win.state.document.outcome.metadata["curve"] == "measured for Canon EOS 80D"
    assert win.statusBar().currentMessage() == "camera curve: the one measured for Canon EOS 80D"
    auto = box.combo.findData("auto")  # "Auto" takes the kept curve too, and plots it
    assert box.combo.itemText(auto) == "Auto: camera's curve (Canon EOS 80D)"
    box.combo.setCurrentIndex(auto)
    box.combo.activated.emit(auto)
    np.testing.assert_array_equal(box.line.getData()[1], y)
    open_sample(qtbot, win, SAMPLE)  # a photo that names no camera
    assert box.camera is None
    assert box.combo.itemText(index) == "Camera's curve (none kept)"
    assert box.combo.itemText(auto).startswith("Auto: estimated, sRGB^")
    box.combo.setCurrentIndex(index)
    box.combo.activated.emit(index)
    x, y = box.line.getData()
    np.testing.assert_allclose(y, box.reference.getData()[1])  # the file's sRGB


def test_the_camera_curve_choice_is_kept_across_sessions(qtbot, tmp_path):
    """The camera-curve choice is saved when the window closes and restored when the next one
    opens (the file's path with a measured curve); a curve file that is gone since falls back
    to the file's encoding without a word."""
    w = fresh_window(qtbot, tmp_path)
    box = w.reconstruct_panel.curve_box
    box.combo.setCurrentIndex(box.combo.findData("camera"))
    w.close()
    w = fresh_window(qtbot, tmp_path)
    box = w.reconstruct_panel.curve_box
    assert box.curve() == "camera"
    table = tmp_path / "mine.curve.txt"
    table.write_text("0,0\n0.5,0.2\n1,1\n")
    assert box.set_file(str(table))
    w.close()
    w = fresh_window(qtbot, tmp_path)
    assert w.reconstruct_panel.curve() == str(table)
    assert w.reconstruct_panel.curve_box.combo.currentText() == "Measured: mine.curve.txt"
    qtbot.waitUntil(lambda: w.startup_worker.applied == 1, timeout=60000)
    assert w.reconstruct_panel.curve() == str(table)  # through the panel's rebuild too
    w.close()
    table.unlink()
    w = fresh_window(qtbot, tmp_path)
    assert w.reconstruct_panel.curve() is None
    w.close()
