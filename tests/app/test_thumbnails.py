"""Filmstrip thumbnails for every format the app opens, not only those OpenCV decodes
quickly: an OpenEXR, float TIFF, AVIF or JPEG XL result gets its picture (it was blank), a
PQ PNG or Radiance file its real one (it was PQ codes or unencoded linear values), shown as
the viewer's SDR view shows it."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from hdr_studio.app.model.files import quick_preview, thumbnail
from hdr_studio.cli import main
from tests.helpers import SAMPLES

pytest.importorskip("PySide6")

from tests.app.test_main_window import open_sample, win  # noqa: F401 (fixture)

SAMPLE = SAMPLES / "sunset_lomiri.jpg"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    for ext in (".exr", ".tif", ".avif", ".jxl", ".png", ".hdr"):
        out = folder / f"sunset{ext}"
        assert main(["reconstruct", str(SAMPLE), "-o", str(out), "--method", "classical"]) == 0
    return folder


@pytest.mark.parametrize("ext", [".exr", ".tif", ".avif", ".jxl", ".png", ".hdr"])
def test_a_result_in_any_hdr_format_has_a_thumbnail(results, ext):
    """(A PQ PNG and a Radiance file OpenCV decodes, to PQ codes and unencoded linear
    values: the quick path leaves them to the whole read.)"""
    path = results / f"sunset{ext}"
    assert quick_preview(path) is None
    rgb = thumbnail(path, max_side=240)
    assert rgb is not None and rgb.dtype == np.uint8 and rgb.shape[2] == 3
    assert max(rgb.shape[:2]) <= 240
    small = thumbnail(SAMPLE, max_side=240)  # the photo it was made from, decoded quickly
    assert small is not None
    # the same picture: mid-tones as the photo's (the result only adds light above white)
    a = rgb.astype(np.float32).mean(axis=2)
    b = np.asarray(__import__("cv2").resize(small, (rgb.shape[1], rgb.shape[0])), np.float32).mean(
        axis=2
    )
    mid = (b > 40) & (b < 200)
    assert abs(float(np.median(a[mid] - b[mid]))) < 12


def test_what_cannot_be_read_has_no_thumbnail(tmp_path):
    bad = tmp_path / "bad.exr"
    bad.write_bytes(b"not an image")
    assert quick_preview(bad) is None and thumbnail(bad) is None


def test_the_filmstrip_shows_them(qtbot, win, results):  # noqa: F811
    """Every photo of the folder gets a picture, not the grey square of a file that could
    not be read."""
    from hdr_studio.app.filmstrip import THUMB

    open_sample(qtbot, win, results / "sunset.exr")
    strip = win.docks.filmstrip
    assert strip.count() == 7

    def pictured(i: int) -> bool:
        img = strip.item(i).icon().pixmap(THUMB).toImage()
        c = img.pixelColor(img.width() // 2, img.height() // 2)
        return (c.red(), c.green(), c.blue()) != (60, 60, 60)

    qtbot.waitUntil(lambda: all(pictured(i) for i in range(strip.count())), timeout=60000)


def test_a_raw_thumbnail_is_its_preview_without_opencv(capfd):
    """A raw's filmstrip thumbnail went through OpenCV's TIFF reader: libtiff's warnings
    on the terminal ("TIFFFetchNormalTag…", "can not handle images with 12-bit samples")
    and, for a raw it could read, its tiny IFD0 thumbnail. Now: the raw's own preview."""
    pytest.importorskip("rawpy")
    from pathlib import Path

    raws = Path(__file__).parents[1] / "data" / "raw"
    for name in ("RAW_KODAK_DC50.KDC", "Blackmagic_Pocket_Cinema_Camera_4K.dng"):
        assert quick_preview(raws / name) is None
        rgb = thumbnail(raws / name)
        assert rgb is not None and rgb.dtype == np.uint8 and max(rgb.shape[:2]) >= 120
    assert "TIFF" not in capfd.readouterr().err
