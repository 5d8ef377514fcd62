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
    panel.strength_slider.slider.setValue(0)  # a drag of the slider
    qtbot.waitUntil(lambda: doc.outcome.metadata.get("strength") == 0.0, timeout=30000)
    settle(qtbot, win)
    assert doc.outcome is outcome  # the same reconstruction, rescaled
    np.testing.assert_allclose(doc.result, doc.image.linear, rtol=1e-5, atol=1e-6)
    panel.strength_slider.spin.setValue(150)  # a value typed into its box
    qtbot.waitUntil(lambda: doc.outcome.metadata.get("strength") == 1.5, timeout=30000)
    settle(qtbot, win)
    assert doc.result.max() > full.max()
    assert panel.strength_slider.slider.value() == 150 and win.state.edits.strength == 1.5
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
    pick(box, "gamma:2.6")
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
    assert box.use_file(str(table)) and box.curve() == str(table)
    assert box.combo.currentText() == "Measured: curve.csv"


def pick(box, spec) -> None:
    """A user's pick in the curve box: the index, then the signal."""
    index = box.combo.findData(spec)
    box.combo.setCurrentIndex(index)
    box.combo.activated.emit(index)


def test_auto_curve_plots_the_estimate_the_engine_uses(qtbot, win):  # noqa: F811
    """ "Auto" with no curve kept for the photo's camera: the plot shows the curve estimated
    from the open photo, and the reconstruction uses that very curve."""
    from hdr_studio.core.curve_estimate import estimated_curve

    open_sample(qtbot, win, SAMPLE)
    box = win.reconstruct_panel.curve_box
    index = box.combo.findData("auto")
    assert box.combo.itemText(index) == "Auto: estimated from the photo"
    pick(box, "auto")
    expected = estimated_curve(win.state.document.image.code)
    x, y = box.line.getData()
    np.testing.assert_allclose(y, expected(x), atol=1e-6)
    assert box.caption.text() == f"Drawn: {expected.name}"  # named as the engine names it
    win.reconstruct("none")
    qtbot.waitUntil(lambda: win.state.document.outcome is not None, timeout=60000)
    settle(qtbot, win)
    doc = win.state.document
    assert doc.outcome.metadata["curve"] == expected.name
    assert "weak estimate" in win.statusBar().currentMessage()


def fresh_window(qtbot, tmp_path):
    """A main window with settings of its own, caught before the start-up worker has listed
    the networks."""
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
    """The method list grows when the start-up worker has listed the networks; the panel
    shows the same settings before and after (they live in the model, not the widgets)."""
    w = fresh_window(qtbot, tmp_path)
    panel = w.reconstruct_panel
    assert not w.state.methods.loaded and not panel.run.isEnabled()
    panel.strength_slider.slider.setValue(70)
    pick(panel.curve_box, "gamma:2.4")
    panel.mirror.setChecked(True)
    panel.option("classical", "max_gain").setValue(2.5)
    qtbot.waitUntil(lambda: w.state.methods.loaded, timeout=60000)
    assert w.reconstruct_panel is panel
    edits = w.state.edits
    assert edits.passes == 3 and edits.options_for("classical") == {"max_gain": 2.5}
    assert edits.strength == 0.7 and edits.curve == "gamma:2.4"
    assert panel.option("classical", "max_gain").value() == 2.5 and panel.mirror.isChecked()
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
    pick(box, "bracket")
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
    measure(win, [str(p) for p in hand_held_files(hand)], str(hand / "c.txt"), 2.0)
    qtbot.waitUntil(lambda: box.curve() == str(hand / "c.txt"), timeout=30000)
    assert "(aligned, moved up to 7 px; fit residual" in box.status.text()
    # a bracket that cannot be measured: the message shows, the choice stays
    flat = [str(p) for p in (tmp_path / "a.png", tmp_path / "b.png")]
    from tests.helpers import write

    for p in flat:
        write(p, np.full((32, 32, 3), 255, np.uint8))
    measure(win, flat, str(tmp_path / "bad.txt"), 2.0)
    qtbot.waitUntil(lambda: win.curve_jobs.state.state == "failed", timeout=30000)
    assert "Could not measure" in box.status.text() and "unclipped" in box.status.text()
    assert box.curve() == str(hand / "c.txt") and not (tmp_path / "bad.txt").exists()
    pick(box, "srgb")
    assert box.curve() == "srgb"


def measure(window, shots, out, stops):
    """What "Measure from a bracket…" starts once its dialogs are answered."""
    window.curves.measure(window.curve_jobs, window.state.edits, shots, out, stops)


def test_a_bracket_measured_while_the_method_list_loads(qtbot, tmp_path):
    """A bracket measurement started before the networks are listed reports to the curve
    box once done, and the window waits for it when it closes."""
    from tests.api.test_bracket import bracket_files

    w = fresh_window(qtbot, tmp_path)
    box = w.reconstruct_panel.curve_box
    shots = [str(p) for p in bracket_files(tmp_path, exif=False, ext="png")]
    out = tmp_path / "bracket.curve.txt"
    measure(w, shots, str(out), 2.0)
    assert w.curve_jobs.state.state == "running"
    qtbot.waitUntil(lambda: box.curve() == str(out), timeout=60000)
    assert "Measured from 3 shots" in box.status.text() and not box.status.isHidden()
    measure(w, shots[:1], str(tmp_path / "one.txt"), 2.0)  # the box measures again
    w.shutdown()
    assert w.curve_jobs.pool.activeThreadCount() == 0  # waited for
    qtbot.waitUntil(lambda: w.curve_jobs.state.state == "failed", timeout=5000)
    assert "two or more" in box.status.text()


def test_this_cameras_curve(qtbot, win, tmp_path):  # noqa: F811
    """A bracket measured in the app is kept for the camera its shots name; a photo from that
    camera then shows and uses it under "Camera's curve"."""
    from tests.api.test_camera_curves import CANON, canon_bracket, photo
    from tests.core.test_response import sigmoid, true_inverse

    mine = photo(tmp_path / "mine.png", CANON)
    open_sample(qtbot, win, mine)
    box = win.reconstruct_panel.curve_box
    index = box.combo.findData("camera")
    assert win.curves.camera == "Canon EOS 80D"
    assert box.combo.itemText(index) == "Camera's curve (none kept)"
    measure(win, [str(p) for p in canon_bracket(tmp_path)], str(tmp_path / "c.txt"), 2.0)
    qtbot.waitUntil(lambda: box.curve() == str(tmp_path / "c.txt"), timeout=30000)
    assert "Kept for Canon EOS 80D" in box.status.text()
    assert box.combo.itemText(index) == "Camera's curve: Canon EOS 80D"
    pick(box, "camera")
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
    pick(box, "auto")
    np.testing.assert_array_equal(box.line.getData()[1], y)
    open_sample(qtbot, win, SAMPLE)  # a photo that names no camera
    assert win.curves.camera is None
    assert box.combo.itemText(index) == "Camera's curve (none kept)"
    assert box.combo.itemText(auto) == "Auto: estimated from the photo"
    assert box.caption.text().startswith("Drawn: estimated from the photo: sRGB^")
    pick(box, "camera")
    x, y = box.line.getData()
    np.testing.assert_allclose(y, box.reference.getData()[1])  # the file's sRGB


def test_the_camera_curve_choice_is_kept_across_sessions(qtbot, tmp_path):
    """The camera-curve choice is saved when the window closes and restored when the next one
    opens (the file's path with a measured curve); a curve file that is gone since falls back
    to the file's encoding without a word."""
    w = fresh_window(qtbot, tmp_path)
    box = w.reconstruct_panel.curve_box
    pick(box, "camera")
    w.close()
    w = fresh_window(qtbot, tmp_path)
    box = w.reconstruct_panel.curve_box
    assert box.curve() == "camera"
    table = tmp_path / "mine.curve.txt"
    table.write_text("0,0\n0.5,0.2\n1,1\n")
    assert box.use_file(str(table))
    w.close()
    w = fresh_window(qtbot, tmp_path)
    assert w.reconstruct_panel.curve_box.curve() == str(table)
    assert w.reconstruct_panel.curve_box.combo.currentText() == "Measured: mine.curve.txt"
    qtbot.waitUntil(lambda: w.startup_worker.applied == 1, timeout=60000)
    assert w.reconstruct_panel.curve_box.curve() == str(table)  # once the networks are in
    w.close()
    table.unlink()
    w = fresh_window(qtbot, tmp_path)
    assert w.reconstruct_panel.curve_box.curve() is None
    w.close()
