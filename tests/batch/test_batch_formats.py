"""Batch over a folder of the photos people have: a camera raw, a HEIC, a gain-map JPEG and
a truncated raw; the metadata reaches the outputs."""

import json
import shutil
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest

from hdr_studio.cli import main
from hdr_studio.training.data.sensor import simulate_raw
from tests.core.test_raw import scene

pytest.importorskip("rawpy")
heif = pytest.importorskip("pillow_heif")
DATA = Path(__file__).parents[1] / "data"


def test_a_folder_of_raw_heic_and_hdr_photos(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    simulate_raw(scene(), exposure=1.0).write(folder / "cam.DNG")
    from PIL import Image as PILImage

    exif = PILImage.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    px = np.full((48, 64, 3), 250, np.uint8)
    heif.from_bytes(mode="RGB", size=(64, 48), data=px.tobytes()).save(
        folder / "phone.heic", exif=exif.tobytes()
    )
    shutil.copy(DATA / "hdr-photos" / "seine_sdr_gainmap_srgb.jpg", folder / "seine.jpg")
    shutil.copy(DATA / "raw" / "truncated" / "exiftool_Nikon.nef", folder / "cut.nef")
    out = tmp_path / "out"
    code = main(["batch", str(folder), "-o", str(out), "--method", "classical"])
    capsys.readouterr()
    assert code == 4  # the truncated raw failed, the rest succeeded
    report = json.loads((out / "batch-report.json").read_text())
    status = {Path(p["file"]).name: p["status"] for p in report["photos"]}
    assert status == {"cam.DNG": "ok", "phone.heic": "ok", "seine.jpg": "ok", "cut.nef": "failed"}
    failed = next(p for p in report["photos"] if p["status"] == "failed")
    assert "truncated" in failed["message"] and failed["exit_class"] == 2
    for name, make in (("cam.exr", "HDR Studio"), ("phone.exr", "Apple")):
        spec = oiio.ImageInput.open(str(out / name)).spec()
        assert spec.getattribute("Make") == make
    assert not (out / "cut.exr").exists()
