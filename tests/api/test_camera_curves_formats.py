"""``--curve camera`` finds the camera in a HEIC's Exif and in a raw file's metadata."""

import numpy as np
import pytest

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.cli import main
from hdr_studio.core.reader import read_image
from tests.api.test_camera_curves import CANON, canon_bracket

heif = pytest.importorskip("pillow_heif")
pytest.importorskip("rawpy")


def test_a_heic_uses_its_cameras_kept_curve_and_a_raw_names_its_camera(tmp_path, capsys):
    shots = canon_bracket(tmp_path)
    argv = ["measure-curve", *map(str, shots), "-o", str(tmp_path / "c.txt"), "--stops", "2"]
    assert main(argv) == 0
    capsys.readouterr()
    from PIL import Image as PILImage

    exif = PILImage.Exif()
    exif[0x010F], exif[0x0110] = CANON["Make"], CANON["Model"]
    px = (np.linspace(0, 255, 64 * 48 * 3) % 256).astype(np.uint8).reshape(48, 64, 3)
    heic = tmp_path / "canon.heic"
    heif.from_bytes(mode="RGB", size=(64, 48), data=px.tobytes()).save(
        heic, exif=exif.tobytes(), quality=-1
    )
    out = reconstruct(ReconstructRequest(input=heic, method="none", curve="camera"))
    assert out.metadata["curve"] == "measured for Canon EOS 80D"
    plain = reconstruct(ReconstructRequest(input=heic, method="none"))
    assert not np.allclose(out.pixels, plain.pixels)

    from tests.helpers import ROOT

    kdc = ROOT / "tests" / "data" / "raw" / "RAW_KODAK_DC50.KDC"
    assert read_image(kdc).metadata["Model"][1] == "Kodak Digital Science DC50 Zoom Camera"
    raw = reconstruct(ReconstructRequest(input=kdc, method="none", curve="camera"))
    assert any(
        "raw file of Eastman Kodak Company Kodak Digital Science DC50 Zoom Camera" in n
        for n in raw.notes
    ), raw.notes
