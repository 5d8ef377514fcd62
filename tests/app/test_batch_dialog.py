"""File ▸ Batch… in a real (offscreen) window: the command line's batch code on a worker,
each photo's status in the table, the report at the end, Cancel."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

pytest.importorskip("PySide6")

from hdr_studio.app.main_window import MainWindow
from hdr_studio.core.reader import read_image
from tests.helpers import SAMPLES


@pytest.fixture
def photos(tmp_path):
    code = read_image(SAMPLES / "seeding_lomiri.jpg").code
    px = (cv2.resize(code, (120, 80), interpolation=cv2.INTER_AREA) * 255 + 0.5).astype(np.uint8)
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"p{i}.jpg"), np.ascontiguousarray(px[:, :: 1 - 2 * (i % 2)]))
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    return folder


def test_batch_dialog_runs_the_batch_and_shows_each_photo(qtbot, photos, tmp_path):
    win = MainWindow()
    qtbot.addWidget(win)
    qtbot.waitUntil(win.idle, timeout=60000)  # the method list is in
    dlg = win.batch_dialog()
    dlg.add_inputs([photos])
    dlg.output.setText(str(tmp_path / "out"))
    dlg.method.setCurrentIndex(dlg.method.findData("classical"))
    dlg.run()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=120000)
    assert dlg.table.rowCount() == 4
    statuses = sorted(dlg.table.item(r, 1).text() for r in range(4))
    assert statuses == ["failed", "ok", "ok", "ok"]
    assert "3 done" in dlg.status.text() and "1 failed" in dlg.status.text()
    report = json.loads(dlg.report_path.read_text())
    assert report["ok"] == 3 and len(list((tmp_path / "out").glob("*.exr"))) == 3
    assert dlg.run_button.isEnabled() and not dlg.cancel_button.isEnabled()
    # Again with resume on (the default): everything current, nothing redone.
    dlg.run()
    qtbot.waitUntil(lambda: dlg.state.state == "done", timeout=120000)
    assert dlg.result.count("current") == 3
    dlg.close()
    win.shutdown()


def test_batch_dialog_cancel(qtbot, tmp_path):
    code = read_image(SAMPLES / "sunset_lomiri.jpg").code
    px = (cv2.resize(code, (1500, 1000), interpolation=cv2.INTER_AREA) * 255 + 0.5).astype(np.uint8)
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(5):
        cv2.imwrite(str(folder / f"p{i}.jpg"), px)
    win = MainWindow()
    qtbot.addWidget(win)
    qtbot.waitUntil(win.idle, timeout=60000)
    dlg = win.batch_dialog()
    dlg.add_inputs([folder])
    dlg.output.setText(str(tmp_path / "out"))
    dlg.method.setCurrentIndex(dlg.method.findData("masked"))
    dlg.run()
    qtbot.waitUntil(lambda: dlg.table.rowCount() >= 1, timeout=120000)
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=120000)
    assert dlg.result.interrupted and dlg.result.count("cancelled") >= 1
    assert "interrupted" in dlg.status.text()
    out = tmp_path / "out"
    assert len(list(out.glob("*.exr"))) == dlg.result.count("ok")
    assert not list(out.glob(".p*"))  # no temporary files
    dlg.close()
    win.shutdown()


def test_batch_dialog_takes_the_panels_settings_and_camera_curves(qtbot, tmp_path):
    """The dialog runs with the Reconstruct panel's strength, passes and camera curve (a
    curve chosen there is offered and selected), and can use each photo's camera's kept
    curve; re-measuring that curve makes the outputs no longer current."""
    from hdr_studio.api.bracket import measure_bracket
    from tests.api.test_camera_curves import CANON, canon_bracket, photo

    win = MainWindow()
    qtbot.addWidget(win)
    qtbot.waitUntil(win.idle, timeout=60000)
    panel = win.reconstruct_panel
    panel.strength_slider.slider.setValue(60)
    win.state.edits.update(curve="gamma:2.4")
    dlg = win.batch_dialog()
    assert dlg.curve.currentData() == "gamma:2.4"
    assert dlg.curve.currentText() == "As in the Reconstruct panel: Gamma 2.4"
    shots = canon_bracket(tmp_path)
    measure_bracket(shots, tmp_path / "c.txt", stops=2.0)
    folder = tmp_path / "in"
    folder.mkdir()
    photo(folder / "canon.png", CANON)
    dlg.add_inputs([folder])
    dlg.output.setText(str(tmp_path / "out"))
    dlg.method.setCurrentIndex(dlg.method.findData("classical"))
    dlg.curve.setCurrentIndex(dlg.curve.findData("camera"))
    dlg.run()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=120000)
    out = next((tmp_path / "out").glob("*.exr"))
    import OpenImageIO as oiio

    spec = oiio.ImageInput.open(str(out)).spec()
    assert spec.getattribute("HDRStudio:InverseCurve") == "measured for Canon EOS 80D"
    from hdr_studio.api import ReconstructRequest, reconstruct

    want = reconstruct(
        ReconstructRequest(
            input=folder / "canon.png", method="classical", curve="camera", strength=0.6
        )
    ).pixels
    np.testing.assert_allclose(read_image(out).linear, want, rtol=2e-3, atol=1e-3)
    dlg.run()  # resume: current
    qtbot.waitUntil(lambda: dlg.state.state == "done", timeout=120000)
    assert dlg.result.count("current") == 1
    measure_bracket(shots, tmp_path / "d.txt", stops=1.5)  # measured again: another curve
    dlg.run()
    qtbot.waitUntil(lambda: dlg.state.state == "done", timeout=120000)
    assert dlg.result.count("current") == 0
    dlg.close()
    win.shutdown()


def test_batch_results_show_whole_photo_names(qtbot, photos, tmp_path):
    """The Photo column was 100 px wide: a camera's file name showed as "IMG_2024…". It
    now fits the longest name (at most half the table), the path in each name's tooltip."""
    long = photos / "IMG_20240612_183512_harbour_sunset.jpg"
    (photos / "p0.jpg").rename(long)
    win = MainWindow()
    qtbot.addWidget(win)
    qtbot.waitUntil(win.idle, timeout=60000)
    dlg = win.batch_dialog()
    dlg.show()
    dlg.add_inputs([long])
    dlg.output.setText(str(tmp_path / "out"))
    dlg.method.setCurrentIndex(dlg.method.findData("classical"))
    dlg.run()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=120000)
    item = dlg.table.item(0, 0)
    needed = dlg.table.fontMetrics().horizontalAdvance(long.name)
    assert dlg.table.columnWidth(0) >= needed
    assert item.toolTip() == str(long)
    dlg.close()
    win.shutdown()


def test_a_batch_runs_with_the_panel_as_it_is_when_it_starts(qtbot, photos, tmp_path):
    """The dialog stays open beside the window, but it kept the strength of when it was
    opened (a batch ran at 100 % after 50 % was chosen), passed no method options (the
    classical Max gain), and could not leave the photos' location out."""
    from hdr_studio.api.engine import reconstruct
    from hdr_studio.api.request import ReconstructRequest
    from hdr_studio.core.reader import read_image

    win = MainWindow()
    qtbot.addWidget(win)
    qtbot.waitUntil(win.idle, timeout=60000)
    dlg = win.batch_dialog()
    photo = photos / "p0.jpg"
    dlg.add_inputs([photo])
    dlg.output.setText(str(tmp_path / "out"))
    dlg.method.setCurrentIndex(dlg.method.findData("classical"))
    edits = win.state.edits
    edits.update(strength=0.5, options=edits.with_option("classical", "max_gain", 8.0))
    assert "Strength 50 %" in dlg.panel_line.text() and "max gain 8" in dlg.panel_line.text()
    dlg.format.setCurrentIndex(dlg.format.findData("avif-pq"))
    assert not dlg.strip_location.isEnabled()  # AVIF carries no metadata
    dlg.format.setCurrentIndex(dlg.format.findData("exr"))
    dlg.strip_location.setChecked(True)
    dlg.run()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=120000)
    got = read_image(tmp_path / "out" / "p0.exr").linear
    want = reconstruct(
        ReconstructRequest(
            input=photo,
            method="classical",
            strength=0.5,
            options={"max_gain": 8.0},
            over=win.state.overlay.over,
        )
    ).pixels
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=1e-4)  # half floats
    assert win.settings.value("batch/strip_location") in (True, "true")
    dlg.close()
    win.shutdown()
