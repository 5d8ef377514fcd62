"""The app with camera raw, HEIC and HDR photos (offscreen window): a raw shows a first
picture and then its full decode, an HDR photo says it is HDR, drag and drop and recent
files take these files, and bad ones are one-line errors while the app keeps running."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("rawpy")
pytest.importorskip("pillow_heif")
from PySide6 import QtCore, QtGui

from hdr_studio.training.data.sensor import simulate_raw
from tests.app.test_main_window import settle, win  # noqa: F401  (the window fixture)
from tests.core.test_raw import scene

DATA = Path(__file__).parents[1] / "data"
SAMPLE_PHOTO = Path(__file__).parents[2] / "resources" / "samples" / "sunset_lomiri.jpg"


@pytest.fixture
def raw_file(tmp_path):
    return simulate_raw(scene(240, 320), exposure=1.0).write(tmp_path / "photo.dng")


def test_a_raw_shows_a_first_picture_then_its_full_decode(qtbot, win, raw_file):  # noqa: F811
    seen = []

    def changed(name: str) -> None:
        if name == "image" and win.state.document.image is not None:
            seen.append(win.state.document.image.source_format)

    win.state.document.subscribe(changed)
    win.open(raw_file)
    qtbot.waitUntil(lambda: win.state.document.image is not None, timeout=30000)
    settle(qtbot, win)
    doc = win.state.document
    assert seen[:2] == ["raw half-size", "raw"]  # the first picture, then the full decode
    assert not doc.preview and doc.image.raw is not None and doc.image.width == 320
    assert "sensor saturation" in win.statusBar().currentMessage()
    assert str(raw_file) in win.recent.paths()
    box = win.reconstruct_panel.curve_box  # "as the file says": the sensor's data is linear
    assert box.caption.text() == "Drawn: the sensor's linear data (camera raw)"
    x, y = box.line.getData()
    np.testing.assert_array_equal(x, y)
    win.reconstruct("classical")
    qtbot.waitUntil(lambda: win.state.job.state == "done", timeout=60000)
    settle(qtbot, win)
    assert doc.result is not None and doc.result.shape == (240, 320, 3)


def test_going_back_to_a_raw_gives_its_result_back(qtbot, win, raw_file, tmp_path):  # noqa: F811
    """A raw opens twice (its first picture, then its full decode): the result it was left
    with comes back with the full decode, not lost between the two."""
    import shutil

    other = shutil.copy(SAMPLE_PHOTO, tmp_path / "other.jpg")
    win.open(raw_file)
    qtbot.waitUntil(
        lambda: win.state.document.image is not None and not win.state.document.preview,
        timeout=30000,
    )
    settle(qtbot, win)
    win.reconstruct("classical")
    qtbot.waitUntil(lambda: win.state.document.outcome is not None, timeout=60000)
    settle(qtbot, win)
    kept = win.state.document.outcome
    win.open(other)
    qtbot.waitUntil(lambda: win.state.document.path == Path(other), timeout=30000)
    settle(qtbot, win)
    assert win.state.document.outcome is None
    win.open(raw_file)
    qtbot.waitUntil(
        lambda: win.state.document.path == raw_file and not win.state.document.preview,
        timeout=30000,
    )
    settle(qtbot, win)
    assert win.state.document.outcome is kept and win.state.view.compare == "split"


def test_apply_these_settings_to_a_raw_reconstructs_it_once_decoded(qtbot, win, tmp_path):  # noqa: F811
    """The carried settings of a reconstructed photo rerun on a raw once its full decode
    replaces its first picture (they were dropped: Reconstruct waits for the decode)."""
    import shutil

    shutil.copy(SAMPLE_PHOTO, tmp_path / "a.jpg")
    simulate_raw(scene(120, 160), exposure=1.0).write(tmp_path / "b.dng")
    win.open(tmp_path / "a.jpg")
    qtbot.waitUntil(lambda: win.state.document.image is not None, timeout=30000)
    settle(qtbot, win)
    win.state.edits.update(strength=0.4)
    win.reconstruct("classical")
    qtbot.waitUntil(lambda: win.state.document.outcome is not None, timeout=60000)
    settle(qtbot, win)
    win.apply_to_next()
    doc = win.state.document
    qtbot.waitUntil(
        lambda: doc.path is not None and doc.path.name == "b.dng" and doc.outcome is not None,
        timeout=60000,
    )
    settle(qtbot, win)
    assert not doc.preview and doc.outcome.image.raw is not None
    assert doc.outcome.metadata["strength"] == 0.4 and win.session.carry is None


def test_a_raw_without_exif_has_its_curve_drawn_linear(qtbot, win):  # noqa: F811
    """A raw naming no camera, opened where no camera was named either: the curve box was
    not told the photo changed and went on drawing sRGB."""
    win.open(Path(__file__).parents[1] / "data" / "raw" / "RAW_CANON_D30_SRGB.CRW")
    qtbot.waitUntil(
        lambda: (
            win.state.document.image is not None and win.state.document.image.source_format == "raw"
        ),
        timeout=60000,
    )
    settle(qtbot, win)
    box = win.reconstruct_panel.curve_box
    assert box.caption.text() == "Drawn: the sensor's linear data (camera raw)"


def test_an_hdr_photo_says_it_is_hdr_and_offers_reconstruction(qtbot, win):  # noqa: F811
    win.open(DATA / "hdr-photos" / "seine_sdr_gainmap_srgb.jpg")
    qtbot.waitUntil(lambda: win.state.document.image is not None, timeout=30000)
    settle(qtbot, win)
    message = win.statusBar().currentMessage()
    assert "(Ultra HDR / Adobe gain map, +" in message and "stops)" in message
    assert "-bit sRGB + gain map/" in message  # not "linear": the file is an SDR photo + map
    # the line fits the status bar beside the zoom readout (it was cut off)
    bar = win.statusBar()
    width = bar.fontMetrics().horizontalAdvance(message)
    assert width < bar.width() - win.binding.zoom_label.width() - 40, (width, bar.width())
    assert win.state.document.image.gain_map.sdr is not None


def test_drag_and_drop_of_a_heic(qtbot, win, tmp_path):  # noqa: F811
    import pillow_heif

    px = np.full((48, 64, 3), 200, np.uint8)
    path = tmp_path / "phone.heic"
    pillow_heif.from_bytes(mode="RGB", size=(64, 48), data=px.tobytes()).save(path)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    event = QtGui.QDropEvent(
        QtCore.QPointF(10, 10),
        QtCore.Qt.DropAction.CopyAction,
        mime,
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
    )
    win.dropEvent(event)
    qtbot.waitUntil(lambda: win.state.document.image is not None, timeout=30000)
    settle(qtbot, win)
    assert win.state.document.image.source_format == "heif"


@pytest.mark.parametrize(
    "bad",
    [
        DATA / "raw" / "truncated" / "exiftool_Nikon.nef",
        sorted((DATA / "openexr-damaged").glob("*.exr"))[0],
    ],
    ids=["truncated raw", "damaged exr"],
)
def test_bad_files_are_one_line_errors_and_the_app_keeps_running(qtbot, win, bad):  # noqa: F811
    win.open(bad)
    qtbot.waitUntil(lambda: bool(win.last_error), timeout=30000)
    assert bad.name in win.last_error and "\n" not in win.last_error
    assert "Traceback" not in win.last_error and "internal" not in win.last_error
    win.open(DATA / "raw" / "RAW_KODAK_DC50.KDC")
    qtbot.waitUntil(
        lambda: win.state.document.image is not None and not win.state.document.preview,
        timeout=30000,
    )
    settle(qtbot, win)
    assert win.state.document.image.width == 768


def test_an_hdr_file_has_its_own_encoding_drawn(qtbot, win, tmp_path):  # noqa: F811
    """A PQ AVIF or a linear EXR opened "as the file says": the curve box drew sRGB."""
    from hdr_studio.cli import main

    sample = Path(__file__).parents[2] / "resources" / "samples" / "sunset_lomiri.jpg"
    box = win.reconstruct_panel.curve_box
    for ext, caption in ((".avif", "PQ (SMPTE ST 2084)"), (".exr", "linear data")):
        out = tmp_path / f"s{ext}"
        assert main(["reconstruct", str(sample), "-o", str(out), "--method", "none"]) == 0
        win.open(out)
        qtbot.waitUntil(
            lambda out=out: win.state.document.image is not None and win.state.document.path == out,
            timeout=30000,
        )
        settle(qtbot, win)
        assert caption in box.caption.text(), box.caption.text()
        x, y = box.line.getData()
        if ext == ".exr":
            np.testing.assert_allclose(x, y)
        else:  # PQ: far below sRGB's curve in the middle (1 = 10 000 cd/m²)
            assert y[128] < 0.01 and y[-1] == 1.0


def test_a_wide_gamut_photo_is_shown_in_its_own_colours(qtbot, win, tmp_path):  # noqa: F811
    """The viewer drew a photo's linear values as if they were Rec.709: a PQ Rec.2020 export
    of a photo came back on screen washed out and shifted (3 levels on average, 49 at
    most), and so did every raw (read in Rec.2020). Now the export looks as the photo did."""
    from hdr_studio.api.engine import reconstruct
    from hdr_studio.api.request import ReconstructRequest

    out = tmp_path / "pq.png"
    reconstruct(ReconstructRequest(input=SAMPLE_PHOTO, method="none", output=out))
    shown = {}
    for path in (SAMPLE_PHOTO, out):
        win.open(path)
        qtbot.waitUntil(lambda p=path: win.state.document.path == p, timeout=30000)
        settle(qtbot, win)
        shown[path.name] = win.viewer.main.image.image.astype(np.float32)
    assert win.state.document.image.primaries == "rec2020"
    diff = np.abs(shown[out.name] - shown[SAMPLE_PHOTO.name])
    assert float(diff.mean()) < 0.5 and float(np.percentile(diff, 99.9)) <= 2.0


def test_the_status_line_names_encodings_as_people_write_them(tmp_path):
    """ "8-bit srgb/rec709", and a half-float EXR called "16-bit linear" (an integer's)."""
    from hdr_studio.api.analysis import analyse
    from hdr_studio.app.model.status import describe_opened
    from hdr_studio.core.export import write_result
    from hdr_studio.core.reader import read_image

    photo = read_image(SAMPLE_PHOTO)
    assert describe_opened(photo, analyse(photo).stats).startswith("1200×800, 8-bit sRGB/Rec.709")
    exr = read_image(write_result(photo.linear, tmp_path / "a.exr", photo))
    assert "16-bit float/Rec.709" in describe_opened(exr, analyse(exr).stats)
