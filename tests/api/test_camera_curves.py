"""Curves remembered by camera: ``measure-curve`` keeps the curve for the camera its shots
name (Exif make and model) and ``--curve camera`` linearises each photo with its camera's
curve, or as its file declares when none is kept — through the request, the CLI and batch.
Each test's curve folder is its own (tests/conftest.py)."""

from __future__ import annotations

import json

import numpy as np
import OpenImageIO as oiio
import pytest

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.api import camera_curves as cc
from hdr_studio.cli import main
from hdr_studio.core.errors import InputError
from hdr_studio.core.image import Image
from tests.core.test_response import scene, shoot, sigmoid, true_inverse
from tests.helpers import write

CANON = {"Make": "Canon", "Model": "Canon EOS 80D"}


def canon_bracket(folder, camera=CANON):
    shots = shoot(scene(), sigmoid, [0.25, 1.0, 4.0])
    return [
        write(folder / f"b{i}.jpg", s, Compression="jpeg:95", **camera) for i, s in enumerate(shots)
    ]


def photo(path, camera):
    pixels = (np.linspace(0, 255, 64 * 48 * 3) % 256).astype(np.uint8).reshape(48, 64, 3)
    return write(path, pixels, **camera)


def with_metadata(**tags) -> Image:
    image = Image.from_pixels(np.zeros((4, 4, 3), np.float32))
    return Image(**{**image.__dict__, "metadata": {k: ("string", v) for k, v in tags.items()}})


def test_camera_names():
    assert cc.camera_of(with_metadata(Make="Canon", Model="Canon EOS 80D")) == "Canon EOS 80D"
    assert cc.camera_of(with_metadata(Make="NIKON CORPORATION", Model="NIKON D750")) == (
        "NIKON D750"
    )
    assert cc.camera_of(with_metadata(Make="Apple", Model="iPhone 15  Pro")) == (
        "Apple iPhone 15 Pro"
    )
    assert cc.camera_of(with_metadata(Model="X100V")) == "X100V"
    assert cc.camera_of(with_metadata()) is None


def test_measure_remembers_and_camera_uses_it(tmp_path, capsys):
    shots = canon_bracket(tmp_path)
    out = tmp_path / "canon.txt"
    assert main(["measure-curve", *map(str, shots), "-o", str(out), "--stops", "2"]) == 0
    assert "kept for Canon EOS 80D: --curve camera uses it" in capsys.readouterr().out
    assert main(["camera-curves", "--json"]) == 0
    (kept,) = json.loads(capsys.readouterr().out)
    assert kept["camera"] == "Canon EOS 80D"
    assert kept["path"].startswith(str(cc.library()))

    mine = photo(tmp_path / "mine.png", CANON)
    other = photo(tmp_path / "other.png", {"Make": "SONY", "Model": "ILCE-7M3"})
    result = reconstruct(ReconstructRequest(input=mine, method="none", curve="camera"))
    assert result.metadata["curve"] == "measured for Canon EOS 80D"
    assert "camera curve: the one measured for Canon EOS 80D" in result.notes
    mid = (result.image.linear > 0.05) & (result.image.linear < 0.95)
    original = oiio.ImageBuf(str(mine)).get_pixels(oiio.FLOAT)
    np.testing.assert_allclose(
        result.image.linear[mid], true_inverse(sigmoid, original[mid]), atol=0.03
    )
    plain = reconstruct(ReconstructRequest(input=other, method="none", curve="camera"))
    assert plain.metadata["curve"] == "srgb"
    assert any("no curve is kept for SONY ILCE-7M3" in n for n in plain.notes)
    sony_as_srgb = reconstruct(ReconstructRequest(input=other, method="none"))
    np.testing.assert_array_equal(plain.pixels, sony_as_srgb.pixels)

    hdr = tmp_path / "out.exr"
    args = ["reconstruct", str(mine), "-o", str(hdr), "--method", "none", "--curve", "camera"]
    assert main(args) == 0
    assert "note: camera curve: the one measured for Canon EOS 80D" in capsys.readouterr().err
    spec = oiio.ImageInput.open(str(hdr)).spec()
    assert spec.getattribute("HDRStudio:InverseCurve") == "measured for Canon EOS 80D"


def test_camera_curve_on_a_float_photo_is_no_error(tmp_path):
    linear = write(tmp_path / "f.exr", np.full((8, 8, 3), 0.5, np.float32))
    result = reconstruct(ReconstructRequest(input=linear, method="none", curve="camera"))
    assert "camera curve: the photo is already linear; none applied" in result.notes


def test_batch_with_each_photos_camera(tmp_path):
    from hdr_studio.api.bracket import measure_bracket

    measure_bracket(canon_bracket(tmp_path), tmp_path / "c.txt", stops=2.0)
    inputs = tmp_path / "in"
    inputs.mkdir()
    photo(inputs / "canon.png", CANON)
    photo(inputs / "sony.png", {"Make": "SONY", "Model": "ILCE-7M3"})
    out = tmp_path / "out"
    argv = ["batch", str(inputs), "-o", str(out), "--method", "none", "--format", "exr"]
    assert main([*argv, "--curve", "camera", "--progress", "none", "--workers", "1"]) == 0
    names = {
        p.stem: oiio.ImageInput.open(str(p)).spec().getattribute("HDRStudio:InverseCurve")
        for p in out.glob("*.exr")
    }
    # the photo with no curve kept names what linearised it too (it named nothing)
    assert names == {"canon": "measured for Canon EOS 80D", "sony": "srgb (as the file says)"}


def test_remember_replaces_forget_removes(tmp_path, capsys):
    shots = canon_bracket(tmp_path)
    argv = ["measure-curve", *map(str, shots), "--stops", "2", "--json"]
    assert main([*argv, "-o", str(tmp_path / "a.txt")]) == 0
    first = json.loads(capsys.readouterr().out)["kept"]
    assert main([*argv, "-o", str(tmp_path / "b.txt")]) == 0
    assert json.loads(capsys.readouterr().out)["kept"] == first
    assert len(cc.remembered()) == 1
    assert main([*argv, "-o", str(tmp_path / "c.txt"), "--no-remember"]) == 0
    assert json.loads(capsys.readouterr().out)["kept"] is None
    assert main(["camera-curves", "--forget", "canon eos 80d"]) == 0
    assert cc.remembered() == [] and "forgot the curve of canon eos 80d" in capsys.readouterr().out
    assert main(["camera-curves", "--forget", "Canon EOS 80D"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["hdr-studio: error: no curve is kept for camera 'Canon EOS 80D'"]
    assert main(["camera-curves"]) == 0
    assert "no camera curves kept yet" in capsys.readouterr().out


def test_shots_of_no_named_camera_are_not_remembered(tmp_path, capsys):
    shots = canon_bracket(tmp_path, camera={})
    assert (
        main(["measure-curve", *map(str, shots), "-o", str(tmp_path / "c.txt"), "--stops", "2"])
        == 0
    )
    assert "kept for" not in capsys.readouterr().out
    assert cc.remembered() == []


def test_the_library_lies_where_the_environment_says(monkeypatch, tmp_path):
    monkeypatch.delenv("HDR_STUDIO_CURVES")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert cc.library() == tmp_path / "hdr-studio" / "camera-curves"
    with pytest.raises(InputError, match="no curve is kept"):
        cc.forget("Anything")


def test_a_library_that_cannot_be_written_is_a_note(tmp_path, monkeypatch, capsys):
    """The curve file is written; only keeping it for the camera failed: a warning, exit 0."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would be")
    monkeypatch.setenv("HDR_STUDIO_CURVES", str(blocked / "curves"))
    shots = canon_bracket(tmp_path)
    out = tmp_path / "c.txt"
    assert main(["measure-curve", *map(str, shots), "-o", str(out), "--stops", "2"]) == 0
    captured = capsys.readouterr()
    assert out.exists() and "kept for" not in captured.out
    assert "warning: the curve was not kept for Canon EOS 80D" in captured.err


def test_auto_uses_the_kept_curve_else_estimates_from_the_photo(tmp_path, capsys):
    """``--curve auto``: the camera's kept curve where there is one, else the curve the
    shipped prior estimates from the photo (named after its exponent, written into the
    output's metadata), and nothing for a float photo."""
    from hdr_studio.core.curve import apply_curve
    from hdr_studio.core.curve_estimate import estimated_curve
    from hdr_studio.core.reader import read_image

    sony = photo(tmp_path / "sony.png", {"Make": "SONY", "Model": "ILCE-7M3"})
    result = reconstruct(ReconstructRequest(input=sony, method="none", curve="auto"))
    expected = estimated_curve(read_image(sony).code)
    assert result.metadata["curve"] == expected.name
    assert expected.name.startswith("estimated from the photo: sRGB^")
    (note,) = [n for n in result.notes if n.startswith("camera curve:")]
    assert "no curve is kept for SONY ILCE-7M3" in note and "weak estimate" in note
    np.testing.assert_array_equal(
        result.image.linear, apply_curve(read_image(sony), expected).linear
    )

    measure_bracket_for_canon = canon_bracket(tmp_path)
    from hdr_studio.api.bracket import measure_bracket

    measure_bracket(measure_bracket_for_canon, tmp_path / "c.txt", stops=2.0)
    mine = photo(tmp_path / "mine.png", CANON)
    kept = reconstruct(ReconstructRequest(input=mine, method="none", curve="auto"))
    assert kept.metadata["curve"] == "measured for Canon EOS 80D"

    hdr = tmp_path / "out.exr"
    args = ["reconstruct", str(sony), "-o", str(hdr), "--method", "none", "--curve", "auto"]
    assert main(args) == 0
    assert "weak estimate" in capsys.readouterr().err
    spec = oiio.ImageInput.open(str(hdr)).spec()
    assert spec.getattribute("HDRStudio:InverseCurve") == expected.name

    linear = write(tmp_path / "f.exr", np.full((8, 8, 3), 0.5, np.float32))
    flat = reconstruct(ReconstructRequest(input=linear, method="none", curve="auto"))
    assert "camera curve: the photo is already linear; none applied" in flat.notes


def test_batch_resume_redoes_auto_photos_when_the_prior_changes(tmp_path, monkeypatch):
    """A batch made with ``auto`` depends on the kept curves and on the prior; a changed
    prior makes its outputs no longer current."""
    import shutil

    from hdr_studio.api import curves as api_curves
    from hdr_studio.batch import run as batch_run
    from hdr_studio.core import curve_estimate

    prior = tmp_path / "prior.safetensors"
    shutil.copy(curve_estimate.prior_path(), prior)
    monkeypatch.setattr(curve_estimate, "prior_path", lambda: prior)
    # batch reaches the prior through the api's front door, which holds its own name for it
    monkeypatch.setattr(api_curves, "prior_path", lambda: prior)
    before = batch_run._curve_contents("auto")
    assert before and batch_run._curve_contents("camera") == {"curve_files": ""}
    prior.write_bytes(prior.read_bytes() + b" ")
    assert batch_run._curve_contents("auto") != before
