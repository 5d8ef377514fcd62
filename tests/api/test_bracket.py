"""Measuring a camera's curve from a bracket of real files: Exif exposures, the shared
``measure_bracket`` and the CLI's ``measure-curve`` (errors, refusals, atomic output), and
``reconstruct --curve`` using what it wrote."""

from __future__ import annotations

import json

import numpy as np
import OpenImageIO as oiio
import pytest

from hdr_studio.api.bracket import exposure_of, measure_bracket
from hdr_studio.cli import main
from hdr_studio.core.curve import parse_curve
from hdr_studio.core.reader import read_image
from tests.core.test_response import scene, shoot, sigmoid, true_inverse
from tests.helpers import write


def bracket_files(folder, exif=True, ext="jpg"):
    """Three real JPEGs of :func:`scene` through the sigmoid camera, 1/240 s, 1/60 s, 1/15 s
    at f/4 and ISO 100 (Exif through OIIO), written out of order."""
    times = [1 / 60, 1 / 240, 1 / 15]
    paths = []
    for i, (t, shot) in enumerate(
        zip(times, shoot(scene(), sigmoid, [t * 240 / 4 for t in times]), strict=True)
    ):
        attrs = {"ExposureTime": t, "FNumber": 4.0, "Exif__PhotographicSensitivity": 100}
        paths.append(
            write(folder / f"shot{i}.{ext}", shot, Compression="jpeg:95", **(attrs if exif else {}))
        )
    return paths


def hand_held_files(folder):
    """Three JPEGs (no Exif, 2 EV apart) of a textured scene through the sigmoid camera, the
    dark shot moved by (+7, −5) px and the bright one by (−4, +6) against the middle one."""
    from tests.core.test_align import move, textured

    radiance = textured()
    views = [move(radiance, 7, -5), radiance, move(radiance, -4, 6)]
    shots = [
        shoot(v, sigmoid, [t], seed=i)[0]
        for i, (v, t) in enumerate(zip(views, [0.25, 1.0, 4.0], strict=True))
    ]
    return [write(folder / f"h{i}.jpg", s, Compression="jpeg:95") for i, s in enumerate(shots)]


def test_exposure_from_exif(tmp_path):
    path = write(
        tmp_path / "a.jpg", np.zeros((8, 8, 3), np.uint8), ExposureTime=1 / 50, FNumber=2.0
    )
    assert exposure_of(read_image(path)) == pytest.approx(1 / 50 / 4, rel=1e-3)
    spec = oiio.ImageSpec(8, 8, 3, oiio.UINT8)
    spec.attribute("ExposureTime", 1 / 50)
    spec.attribute("Exif:PhotographicSensitivity", 400)
    assert exposure_of(
        read_image(
            write(
                tmp_path / "b.jpg",
                np.zeros((8, 8, 3), np.uint8),
                ExposureTime=1 / 50,
                Exif__PhotographicSensitivity=400,
            )
        )
    ) == pytest.approx(4 / 50, rel=1e-3)
    assert exposure_of(read_image(write(tmp_path / "c.png", np.zeros((8, 8, 3), np.uint8)))) is None


def test_cli_measures_a_real_bracket_and_reconstruct_uses_it(tmp_path, capsys):
    shots = bracket_files(tmp_path)
    out = tmp_path / "camera.curve.txt"
    assert main(["measure-curve", *map(str, shots), "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["exposures"] == pytest.approx([0.25, 0.0625, 1.0], rel=1e-3)  # file order
    assert report["residual_stops"] < 0.2
    text = out.read_text()
    assert text.startswith("# HDR Studio camera curve")
    assert "shot1.jpg  relative exposure 0.062" in text and text.isascii()
    curve = parse_curve(str(out))
    code = np.linspace(0.05, 1, 20)
    assert np.max(np.abs(curve(code.astype(np.float32)) - true_inverse(sigmoid, code))) < 0.03
    hdr = tmp_path / "out.exr"
    assert (
        main(
            ["reconstruct", str(shots[0]), "-o", str(hdr), "--method", "none", "--curve", str(out)]
        )
        == 0
    )
    spec = oiio.ImageInput.open(str(hdr)).spec()
    assert spec.getattribute("HDRStudio:InverseCurve") == "camera.curve.txt"


def test_cli_bracket_without_exif_needs_stops(tmp_path, capsys):
    shots = bracket_files(tmp_path, exif=False, ext="png")
    out = tmp_path / "c.txt"
    assert main(["measure-curve", *map(str, shots), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--stops" in err and not out.exists()
    assert main(["measure-curve", *map(str, shots), "-o", str(out), "--stops", "2"]) == 0
    code = np.linspace(0.05, 1, 20)
    got = parse_curve(str(out))(code.astype(np.float32))
    assert np.max(np.abs(got - true_inverse(sigmoid, code))) < 0.03


def test_cli_refuses_without_losing_files(tmp_path, capsys):
    shots = bracket_files(tmp_path)
    before = shots[0].read_bytes()
    out = tmp_path / "c.txt"
    out.write_text("keep me")
    assert main(["measure-curve", *map(str, shots), "-o", str(out)]) == 3
    assert out.read_text() == "keep me"
    assert main(["measure-curve", *map(str, shots), "-o", str(shots[0]), "--force"]) == 3
    assert shots[0].read_bytes() == before
    assert main(["measure-curve", str(shots[0]), "-o", str(tmp_path / "d.txt")]) == 2
    exr = write(tmp_path / "lin.exr", np.ones((8, 8, 3), np.float32))
    assert main(["measure-curve", str(exr), str(shots[1]), "-o", str(tmp_path / "e.txt")]) == 2
    assert (
        main(["measure-curve", *map(str, shots), "-o", str(tmp_path / "f.txt"), "--stops", "9"])
        == 2
    )
    errors = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(errors) == 5 and all(line.startswith("hdr-studio: error:") for line in errors)
    assert not (tmp_path / "d.txt").exists() and not list(tmp_path.glob(".*"))


def test_mismatched_shots_warn(tmp_path):
    """Shots that do not show the scene alike (here: not aligned) give a note."""
    shots = shoot(scene(), sigmoid, [0.25, 1.0, 4.0])
    shots[1] = np.roll(shots[1], 30, axis=1)
    paths = [write(tmp_path / f"s{i}.png", s) for i, s in enumerate(shots)]
    outcome = measure_bracket(paths, tmp_path / "c.txt", stops=2.0, align=False)
    assert outcome.notes and "disagree" in outcome.notes[0]
    assert outcome.shifts == () and "not aligned" in (tmp_path / "c.txt").read_text()


def test_a_hand_held_bracket_is_aligned(tmp_path, capsys):
    """JPEGs of a textured scene, the dark and bright shots moved against the middle one:
    aligned, the curve is measured as from a tripod; not aligned (``--no-align``), the
    curve is further off and the fit's residual shows it."""
    from tests.core.test_align import move, textured

    radiance = textured()
    views = [move(radiance, 7, -5), radiance, move(radiance, -4, 6)]
    shots = [
        shoot(v, sigmoid, [t], seed=i)[0]
        for i, (v, t) in enumerate(zip(views, [0.25, 1.0, 4.0], strict=True))
    ]
    paths = [write(tmp_path / f"h{i}.jpg", s, Compression="jpeg:95") for i, s in enumerate(shots)]
    out = tmp_path / "hand.txt"
    assert main(["measure-curve", *map(str, paths), "-o", str(out), "--stops", "2"]) == 0
    assert "aligned the shots (moved by up to 7 px)" in capsys.readouterr().out
    text = out.read_text()
    assert "h0.jpg  relative exposure 0.0625  aligned by (+7, -5) px" in text
    code = np.linspace(0.05, 1, 20).astype(np.float32)
    aligned_error = np.max(np.abs(parse_curve(str(out))(code) - true_inverse(sigmoid, code)))
    assert aligned_error < 0.03
    flat = tmp_path / "flat.txt"
    argv = ["measure-curve", *map(str, paths), "-o", str(flat), "--stops", "2", "--json"]
    assert main([*argv, "--no-align"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shifts_px"] is None
    error = np.max(np.abs(parse_curve(str(flat))(code) - true_inverse(sigmoid, code)))
    assert error > 2 * aligned_error
    assert main([*argv, "--force"]) == 0
    aligned = json.loads(capsys.readouterr().out)
    assert aligned["shifts_px"] == [[7, -5], [0, 0], [-4, 6]]
    assert report["residual_stops"] > 2 * aligned["residual_stops"]  # the fit shows it


def test_an_unmeasured_top_is_noted(tmp_path):
    lit = scene()
    lit = np.where(lit.max(2, keepdims=True) > 0.45, 50.0, lit)  # lights: clipped in every shot
    shots = shoot(lit, sigmoid, [0.25, 1.0, 4.0])
    paths = [write(tmp_path / f"s{i}.png", s) for i, s in enumerate(shots)]
    outcome = measure_bracket(paths, tmp_path / "c.txt", stops=2.0)
    assert 160 <= outcome.fit.levels[1] < 224
    assert any("extrapolated" in n for n in outcome.notes)
