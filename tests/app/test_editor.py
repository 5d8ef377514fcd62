"""What an editor expects of the app (issue #31), in a real (offscreen) window: undo/redo with
a history, moving through a folder, compare labels and the zoom readout, A/B of two
results, the RGB histogram and its clipping indicators, typed and reset values, the
keyboard shortcuts list, Clear recent, the selection rectangle."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("PySide6")
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtTest import QTest

from tests.app.test_defects import action
from tests.app.test_main_window import open_sample, settle, win  # noqa: F401 (fixture)
from tests.helpers import SAMPLE_FILES, SAMPLES

SAMPLE = SAMPLES / "sunset_lomiri.jpg"


def reconstructed(qtbot, w, method="classical") -> None:
    w.reconstruct(method)
    qtbot.waitUntil(lambda: w.state.job.state == "done", timeout=120000)
    settle(qtbot, w)


def test_undo_redo_from_the_edit_menu_and_the_history_panel(qtbot, win):  # noqa: F811
    open_sample(qtbot, win)
    reconstructed(qtbot, win)
    panel, edits = win.reconstruct_panel, win.state.edits
    full = win.state.document.result.copy()
    panel.strength_slider.spin.setValue(60)  # a typed value
    win.history.forget_merge()
    win.toolbar.exposure.setValue(1.5)
    settle(qtbot, win)
    undo, redo = action(win, "Ctrl+Z"), action(win, "Ctrl+Shift+Z")
    assert undo.text() == "&Undo Exposure +1.5 EV" and undo.isEnabled()
    undo.trigger()
    assert win.state.view.exposure == 0.0 and win.toolbar.exposure.value() == 0.0
    assert undo.text() == "&Undo Strength 60 %" and redo.text() == "&Redo Exposure +1.5 EV"
    history = win.docks.history
    assert [history.item(i).text() for i in range(history.count())] == [
        "Opened sunset_lomiri.jpg",
        "Method: Classical (no network)",
        "Strength 60 %",
        "Exposure +1.5 EV",
    ]
    assert history.currentRow() == 2
    history.setCurrentRow(1)  # a click on a step: back to it
    qtbot.waitUntil(lambda: edits.strength == 1.0, timeout=5000)
    settle(qtbot, win)
    assert panel.strength_slider.value() == 100.0
    np.testing.assert_allclose(win.state.document.result, full, rtol=1e-6)  # rescaled back
    redo.trigger()
    redo.trigger()
    assert edits.strength == 0.6 and win.state.view.exposure == 1.5
    assert not redo.isEnabled()
    settle(qtbot, win)


def test_next_previous_filmstrip_and_settings_per_photo(qtbot, win, tmp_path):  # noqa: F811
    for path in SAMPLE_FILES[:3]:
        shutil.copy(path, tmp_path / path.name)
    names = [p.name for p in SAMPLE_FILES[:3]]
    open_sample(qtbot, win, tmp_path / names[0])
    strip = win.docks.filmstrip
    assert [strip.item(i).text() for i in range(strip.count())] == names
    assert strip.currentRow() == 0
    # on within the folder, also at its ends, where they say so (test_defects)
    assert action(win, "PgUp").isEnabled() and action(win, "PgDown").isEnabled()
    assert action(win, "Ctrl+Shift+N").isEnabled()  # apply these settings to the next
    win.reconstruct_panel.strength_slider.spin.setValue(40)
    action(win, "PgDown").trigger()  # the next photo
    qtbot.waitUntil(lambda: win.state.document.path.name == names[1], timeout=30000)
    settle(qtbot, win)
    assert strip.currentRow() == 1 and win.state.edits.strength == 1.0
    strip.itemClicked.emit(strip.item(0))  # back to the first through the filmstrip
    qtbot.waitUntil(lambda: win.state.document.path.name == names[0], timeout=30000)
    settle(qtbot, win)
    assert win.state.edits.strength == 0.4  # remembered
    assert win.reconstruct_panel.strength_slider.value() == 40.0
    reconstructed(qtbot, win)
    action(win, "Ctrl+Shift+N").trigger()  # apply these settings to the next photo
    qtbot.waitUntil(
        lambda: win.state.document.path.name == names[1] and win.state.document.outcome is not None,
        timeout=120000,
    )
    settle(qtbot, win)
    assert win.state.document.outcome.metadata["strength"] == 0.4
    panel = win.docks.history
    assert panel.item(0).text() == f"Opened {names[1]}"
    rows = [panel.item(i).text() for i in range(panel.count())]
    assert f"Settings of {names[0]}" in rows  # a step of its own, undoable
    strip.itemClicked.emit(strip.item(2))  # the last photo: no next one to apply them to
    qtbot.waitUntil(lambda: win.state.document.path.name == names[2], timeout=30000)
    settle(qtbot, win)
    assert not action(win, "Ctrl+Shift+N").isEnabled()
    thumbs = [strip.item(i).icon().pixmap(strip.iconSize()).toImage() for i in range(3)]
    assert all(not t.isNull() and t.pixel(20, 20) != QtGui.QColor(60, 60, 60).rgb() for t in thumbs)


def test_compare_labels_zoom_readout_and_a_b(qtbot, win):  # noqa: F811
    open_sample(qtbot, win)
    zoom = win.binding.zoom_label
    assert zoom.text().startswith("Fit · ") and zoom.text().endswith(" %")
    fitted = win.viewer.zoom_percent()
    action(win, "1").trigger()  # 100 %
    qtbot.waitUntil(lambda: zoom.text() == "100 %", timeout=5000)
    action(win, "F").trigger()
    assert zoom.text().startswith("Fit")
    reconstructed(qtbot, win)
    left, right = win.viewer.labels
    assert win.state.view.compare == "split"
    assert left.isVisible() and left.text() == "Before — photo"
    assert right.isVisible() and right.text() == "After — Classical (no network), 100 %"
    assert right.x() > left.x() + left.width()
    action(win, "K").trigger()  # keep this result as A
    assert win.state.view.compare == "ab" and win.state.document.reference is not None
    win.reconstruct_panel.strength_slider.spin.setValue(30)  # B: another strength
    qtbot.waitUntil(lambda: win.state.document.result_label.endswith("30 %"), timeout=30000)
    settle(qtbot, win)
    assert left.text() == "A — Classical (no network), 100 %"
    assert right.text() == "B — Classical (no network), 30 %"
    side = win.viewer.side
    assert side is not None and right.x() >= side.box.sceneBoundingRect().left()
    a, b = win.viewer.main.image.image, side.image.image
    assert a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).max() > 20
    assert not win.viewer.main.overlay.isVisible() and not side.overlay.isVisible()
    win.state.view.update(compare="none")
    settle(qtbot, win)
    assert not left.isVisible() and not right.isVisible()
    # Back in one pane the photo is fitted to it again (not left at the two panes' scale).
    qtbot.waitUntil(lambda: abs(win.viewer.zoom_percent() - fitted) < 0.05 * fitted, timeout=5000)
    assert zoom.text().startswith("Fit")


def test_histogram_rgb_stops_and_its_clipping_indicators(qtbot, win):  # noqa: F811
    open_sample(qtbot, win)
    panel = win.docks.histogram
    hist = panel.histogram
    assert hist.unit == "code" and hist.counts.shape[0] == 3
    ov = win.state.overlay
    assert hist.over > 0.02 and "% over" in panel.over_button.text()
    assert panel.width() >= 320
    panel.over_button.click()  # hide the over-exposed pixels in the overlay
    assert not ov.show_over and ov.show_under
    panel.over_button.click()
    assert ov.show_over
    ov.update(enabled=False)
    panel.under_button.click()  # the overlay was off: on, with that side
    assert ov.enabled and ov.show_under
    reconstructed(qtbot, win)
    hist = panel.histogram
    assert hist.unit == "stops" and panel.title.text().startswith("Result (HDR)")
    assert "clipped in the photo" in panel.title.text()  # what the badges count
    centres = 0.5 * (hist.edges[1:] + hist.edges[:-1])
    assert hist.counts[:, centres > 0].sum() > 0  # light above diffuse white
    assert panel.hdr_region.isVisible()
    ov.update(over=200 / 255)  # the indicators follow the thresholds
    qtbot.waitUntil(lambda: panel.histogram.over > hist.over, timeout=10000)


def test_typed_values_and_double_click_reset(qtbot, win):  # noqa: F811
    open_sample(qtbot, win)
    slider = win.reconstruct_panel.strength_slider
    slider.spin.setValue(120)
    assert win.state.edits.strength == 1.2 and slider.slider.value() == 120
    QTest.mouseDClick(slider.slider, QtCore.Qt.MouseButton.LeftButton)
    assert win.state.edits.strength == 1.0 and slider.spin.value() == 100
    exposure = win.toolbar.exposure
    exposure.setValue(-2.0)
    QTest.mouseDClick(exposure.lineEdit(), QtCore.Qt.MouseButton.LeftButton)
    assert win.state.view.exposure == 0.0
    over = win.clipping_panel.over
    over.setValue(200)
    QTest.mouseDClick(over.lineEdit(), QtCore.Qt.MouseButton.LeftButton)
    assert win.state.overlay.over == pytest.approx(over.default / 255.0)


def test_keyboard_shortcuts_list_every_action_with_keys(qtbot, win):  # noqa: F811
    from hdr_studio.app.menus import shortcut_rows

    action(win, "F1").trigger()
    dlg = next(
        d for d in win.findChildren(QtWidgets.QDialog) if d.windowTitle() == "Keyboard shortcuts"
    )
    table = dlg.findChild(QtWidgets.QTableWidget)
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows == dict(shortcut_rows(win))
    assert rows["Undo"] == "Ctrl+Z" and rows["Redo"] == "Ctrl+Shift+Z or Ctrl+Y"
    assert rows["Next photo"].startswith("PgDown") and rows["Keyboard shortcuts"].startswith("F1")
    # and the photo's own (Tab: Hide panels)
    actions = [*win.actions(), *win.viewer.actions()]
    with_keys = [a for a in actions if a.shortcuts() and a.isVisible()]
    assert len(rows) == len(with_keys) >= 20
    assert rows["Hide panels"] == "Tab (on the photo)"
    # Send back (hidden without a host's layer) is not listed; Run and Cancel say what
    assert not [name for name in rows if name.startswith("Send back")]
    assert rows["Reconstruct (run)"] == "Ctrl+R" and rows["Cancel the running job"] == "Esc"
    dlg.close()


def test_clear_recent(qtbot, win):  # noqa: F811
    open_sample(qtbot, win)
    open_sample(qtbot, win, SAMPLES / "seeding_lomiri.jpg")
    menu = win.menus.recent
    files = [a.text() for a in menu.actions() if a.text().endswith(".jpg")]
    assert files == [str(SAMPLES / "seeding_lomiri.jpg"), str(SAMPLE)]
    win.menus.clear_recent.trigger()
    assert [a.text() for a in menu.actions() if a.text().endswith(".jpg")] == []
    assert not win.menus.clear_recent.isEnabled() and win.recent.paths() == []


def test_a_selection_limits_the_result(qtbot, win):  # noqa: F811
    open_sample(qtbot, win)
    reconstructed(qtbot, win)
    doc = win.state.document
    full = doc.result.copy()
    action(win, "M").trigger()  # the middle half of the photo
    assert win.state.edits.selection == (300, 200, 900, 600)
    qtbot.waitUntil(lambda: doc.outcome.metadata.get("selection") is not None, timeout=30000)
    settle(qtbot, win)
    assert win.viewer.roi is not None
    np.testing.assert_array_equal(doc.result[:200], doc.image.linear[:200])  # outside
    np.testing.assert_allclose(doc.result[200:600, 300:900], full[200:600, 300:900], rtol=1e-6)
    win.viewer.roi.setPos((0, 0))  # dragged to the top-left corner
    qtbot.waitUntil(lambda: win.state.edits.selection == (0, 0, 600, 400), timeout=5000)
    action(win, "Ctrl+Shift+A").trigger()
    qtbot.waitUntil(lambda: doc.outcome.metadata.get("selection") is None, timeout=30000)
    settle(qtbot, win)
    assert win.viewer.roi is None
    np.testing.assert_allclose(doc.result, full, rtol=1e-6)
    assert [e.label for e in win.history.entries][-3:] == [
        "Selection 600×400",
        "Selection moved to 0, 0",  # it read "Selection 600×400" as a resize did
        "Selection: whole photo",
    ]


def test_metadata_panel_lists_the_photo_and_what_the_export_carries(qtbot, win, tmp_path):  # noqa: F811
    """A photo with its camera's Exif: the panel names camera, lens, exposure and colour;
    under "Written into the export" it lists what the exported file then holds."""
    import OpenImageIO as oiio

    from hdr_studio.core.export import ExportOptions
    from hdr_studio.core.reader import read_image
    from tests.helpers import write

    code = read_image(SAMPLE).code
    photo = write(
        tmp_path / "canon.jpg",
        (code * 255 + 0.5).astype(np.uint8),
        Make="Canon",
        Model="Canon EOS 80D",
        Exif__LensModel="EF-S18-55mm f/3.5-5.6 IS STM",
        ExposureTime=(oiio.TypeDesc("float"), 1 / 250),
        FNumber=(oiio.TypeDesc("float"), 8.0),
        Exif__PhotographicSensitivity=(oiio.TypeDesc("int"), 200),
        Exif__FocalLength=(oiio.TypeDesc("float"), 35.0),
    )
    open_sample(qtbot, win, photo)
    panel = win.docks.metadata
    rows = {
        panel.photo.child(i).text(0): panel.photo.child(i).text(1)
        for i in range(panel.photo.childCount())
    }
    assert rows["Camera"] == "Canon EOS 80D"
    assert rows["Lens"] == "EF-S18-55mm f/3.5-5.6 IS STM"
    assert rows["Exposure"] == "1/250 s · f/8 · ISO 200 · 35 mm"
    assert rows["Colour"] == "Rec.709 / sRGB primaries, sRGB encoding"
    panel.format.setCurrentIndex(panel.format.findData("exr"))
    qtbot.waitUntil(
        lambda: panel.export_rows() and panel.export_rows()[0][1] != "checking…", timeout=30000
    )
    listed = dict(panel.export_rows())
    assert listed["Format"].startswith("OpenEXR") and listed["Camera model"] == "Canon EOS 80D"
    # in the words and units of a photo editor, not the file's tags
    assert listed["Shutter speed"] == "1/250 s" and listed["Aperture"] == "f/8"
    assert listed["ISO"] == "200" and listed["Focal length"] == "35 mm"
    tags = panel.export_tags()
    out = tmp_path / "out.exr"
    win.export(out, "exr", ExportOptions())
    qtbot.waitUntil(out.exists, timeout=60000)
    settle(qtbot, win)
    spec = oiio.ImageInput.open(str(out)).spec()
    written = {p.name for p in spec.extra_attribs}
    claimed = {t for label, names in tags.items() if label != "Not carried" for t in names}
    assert claimed and claimed <= written  # every row it lists is in the file
    assert "Exif:FocalLength" in claimed and "Model" in claimed
    for name in tags.get("Not carried", []):
        assert name not in written  # and what it says is dropped, is


def test_batch_remembers_names_outputs_and_opens_the_folder(qtbot, win, tmp_path):  # noqa: F811
    import cv2

    from hdr_studio.core.reader import read_image

    folder = tmp_path / "in"
    folder.mkdir()
    px = (read_image(SAMPLE).code[:80, :120] * 255 + 0.5).astype(np.uint8)
    for i in range(2):
        cv2.imwrite(str(folder / f"p{i}.jpg"), px)
    settle(qtbot, win)
    dlg = win.batch_dialog()
    dlg.add_inputs([folder])
    dlg.output.setText(str(tmp_path / "out"))
    dlg.method.setCurrentIndex(dlg.method.findData("classical"))
    dlg.format.setCurrentIndex(dlg.format.findData("png-pq"))
    dlg.template.setText("{name}_{method}")
    assert dlg.example.text() == "IMG_0001 → IMG_0001_classical.png"
    dlg.resume.setChecked(False)
    assert not dlg.open_folder.isEnabled()
    dlg.run()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=120000)
    names = sorted(p.name for p in (tmp_path / "out").glob("*.png"))
    assert names == ["p0_classical.png", "p1_classical.png"]
    opened = []

    class Handler(QtCore.QObject):
        @QtCore.Slot(QtCore.QUrl)
        def show(self, url):
            opened.append(url.toLocalFile())

    handler = Handler()
    QtGui.QDesktopServices.setUrlHandler("file", handler, "show")
    try:
        assert dlg.open_folder.isEnabled()
        dlg.open_folder.click()
    finally:
        QtGui.QDesktopServices.unsetUrlHandler("file")
    assert opened == [str(tmp_path / "out")]
    assert dlg.table.rowCount() > 0
    dlg.template.setText("{method}")  # refused: the last run's rows read as its result
    dlg.run()
    assert "needs {name}" in dlg.status.text() and dlg.table.rowCount() == 0
    dlg.template.setText("{name}_{method}")
    dlg.close()
    again = win.batch_dialog()  # a new dialog: as it was left
    assert again.output.text() == str(tmp_path / "out")
    assert again.format.currentData() == "png-pq" and again.template.text() == "{name}_{method}"
    assert not again.resume.isChecked()
    again.template.setText("{method}")  # one name for every photo: refused before any work
    again.add_inputs([folder])
    again.run()
    assert "needs {name}" in again.status.text() and again.state.state == "idle"
    again.close()


def test_a_layer_shown_alone_is_named(qtbot, win):  # noqa: F811
    """Showing the base or detail layer said nothing about which was shown."""
    open_sample(qtbot, win)
    qtbot.waitUntil(lambda: win.state.document.base is not None, timeout=30000)
    left, right = win.viewer.labels
    for layer, name in (("base", "Base layer (WLS)"), ("detail", "Detail layer (WLS)")):
        win.state.view.update(layer=layer, compare="none")
        settle(qtbot, win)
        assert left.isVisible() and left.text() == name and not right.isVisible()
    win.state.view.update(layer="original")
    settle(qtbot, win)
    assert not left.isVisible()
