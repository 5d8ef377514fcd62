"""``hdr-studio calibrate``: gains fitted on a tiny validation set of real files, written into
a copy of the shipped weights and applied by the inference pipeline."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from hdr_studio.cli import main
from hdr_studio.inference.weights import load_weights, models_dir, read_manifest
from hdr_studio.training.calibrate import (
    HDR_TOLERANCE_DB,
    TOLERANCE_DB,
    calibrate,
    pick,
    pick_hdr,
)
from hdr_studio.training.data.dataset import build_evalset


@pytest.fixture(scope="module")
def valset(tiny_data):
    m = build_evalset(tiny_data, sdr_per_photo=1, crop=64, split="val")
    assert [i["source"] for i in m["hdr"]] == ["scene_000700.exr", "scene_000701.exr"]
    return tiny_data / "valset"


@pytest.fixture()
def weights(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    manifest = read_manifest(models_dir())
    for name in ("declipnet", "masked"):
        shutil.copy(models_dir() / manifest["models"][name]["file"], folder)
    keep = {k: v for k, v in manifest["models"].items() if k in ("declipnet", "masked")}
    (folder / "manifest.json").write_text(json.dumps({"models": keep}))
    return folder


def test_pick_prefers_the_network_among_near_ties():
    means = {0.0: 20.0, 0.5: 20.3, 0.8: 20.3 - TOLERANCE_DB / 2, 1.0: 19.0}
    assert pick(means, lambda g: abs(g - 1)) == 0.8
    assert pick({0.0: 20.0, 1.0: 19.0}, lambda g: abs(g - 1)) == 0.0


def test_the_hdr_gain_gives_up_a_little_pu21_for_highlights_as_bright_as_they_were():
    means = {0.7: 20.13, 0.8: 20.13 - HDR_TOLERANCE_DB / 2, 0.9: 19.84, 1.0: 19.58}
    top = {0.7: 1.9, 0.8: 1.69, 0.9: 1.48, 1.0: 1.28}  # brightest 1 %: |stops| off
    assert pick_hdr(means, top) == 0.8  # brighter, within the tolerance
    assert pick_hdr({0.9: 20.0, 1.0: 20.0}, {0.9: 1.0, 1.0: 1.0}) == 1.0  # tie: the network


def test_calibrate_reports_the_grid_and_its_choice(valset, weights):
    r = calibrate("declipnet", valset, weights, device="cpu")
    g = r["gains"]
    assert g["hdr"] == 1.0 and 0 <= g["over"] <= 1 and 0 <= g["under"] <= 1
    best = max(r["sdr_psnr"].values())
    assert r["sdr_psnr"][f"{g['over']},{g['under']}"] >= best - TOLERANCE_DB
    # The choice is at least as good as the raw network on the set it was fitted on.
    assert r["sdr_calibrated"]["psnr"] >= r["sdr_raw"]["psnr"] - 1e-9
    m = calibrate("masked", valset, weights, device="cpu")
    assert set(m["pu21_in"]) >= {"0.0", "1.0"} and m["gains"]["over"] == 1.0
    assert set(m["brightness_in"]) == set(m["pu21_in"])
    assert m["pu21_in"][str(m["gains"]["hdr"])] >= max(m["pu21_in"].values()) - HDR_TOLERANCE_DB


def test_calibrate_cli_writes_gains_into_the_weights(valset, weights, capsys):
    from hdr_studio.core.image import Image
    from hdr_studio.core.transfer import srgb_decode
    from hdr_studio.inference.pipeline import run_model

    before = read_manifest(weights)["models"]["masked"]
    code = np.full((64, 64, 3), 0.5, np.float32)
    code[16:48, 16:48] = 1.0
    image = Image(linear=srgb_decode(code), code=code)
    raw = run_model(image, "masked", device="cpu", folder=weights).hdr
    out = weights / "report.json"
    assert (
        main(
            [
                "calibrate",
                "--set",
                str(valset),
                "--models",
                str(weights),
                "--device",
                "cpu",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "declipnet: hdr 1, over" in text and "masked: hdr" in text
    report = {r["model"]: r for r in json.loads(out.read_text())}
    after = read_manifest(weights)["models"]["masked"]
    assert after["sha256"] != before["sha256"] and after["default"] == before["default"]
    _state, meta = load_weights("masked", weights)  # digest verified
    assert json.loads(meta["calibration"])["hdr"] == report["masked"]["gains"]["hdr"]
    cal = run_model(image, "masked", device="cpu", folder=weights).hdr
    if report["masked"]["gains"]["hdr"] != 1.0:
        assert not np.allclose(cal, raw)
    assert main(["calibrate", "--set", str(weights / "nothing"), "--models", str(weights)]) == 2
    assert "no validation set" in capsys.readouterr().err


def test_data_valset_cli_builds_from_the_val_split_only(tiny_data, tmp_path, capsys):
    root = tmp_path / "data"
    for sub in ("renders/val", "photos/val"):
        shutil.copytree(tiny_data / sub, root / sub)
    assert main(["data", "valset", "--data", str(root)]) == 0
    assert "valset: 2 HDR pairs, 4 SDR pairs" in capsys.readouterr().out
    m = json.loads((root / "valset" / "manifest.json").read_text())
    assert {i["source"] for i in m["sdr"]} == {"photo_700.png", "photo_701.png"}
    assert not (root / "evalset").exists()
