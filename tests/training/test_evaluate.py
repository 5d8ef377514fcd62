"""The held-out evaluation set and ``hdr-studio eval`` on a tiny set of real files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hdr_studio.cli import main
from hdr_studio.training.data.dataset import build_evalset, read_hdr
from hdr_studio.training.evaluate import evaluate, format_report


@pytest.fixture(scope="module")
def evalset(tiny_data):
    build_evalset(tiny_data, sdr_per_photo=1, crop=64)
    return tiny_data / "evalset"


def test_evalset_uses_only_held_out_sources(evalset, tiny_data):
    m = json.loads((evalset / "manifest.json").read_text())
    assert [i["source"] for i in m["hdr"]] == ["scene_000500.exr", "scene_000501.exr"]
    assert {i["source"] for i in m["sdr"]} == {"photo_500.png", "photo_501.png"}
    truth = read_hdr(evalset / "hdr" / "scene_000500_truth.exr")
    assert truth.max() > 1.0  # the truth keeps what the 8-bit input clipped


def test_eval_baselines(evalset):
    r = evaluate(evalset, methods=["none", "classical"], device="cpu")
    assert set(r["hdr"]) == {"none", "classical"} and set(r["sdr"]) == {"input"}
    for row in r["hdr"].values():
        assert np.isfinite(
            [row["pu21_all"], row["pu21_in"], row["pu21_out"], row["logl1_in"]]
        ).all()
    # Classical restores highlights: closer to the truth in the log domain inside the clip.
    assert r["hdr"]["classical"]["logl1_in"] < r["hdr"]["none"]["logl1_in"]
    assert 0 < r["sdr"]["input"]["ssim"] <= 1
    text = format_report(r, "hdr-studio eval")
    assert "| none |" in text and "| input |" in text and "Command: `hdr-studio eval`" in text


def test_eval_cli(evalset, tmp_path, capsys):
    out = tmp_path / "q.md"
    assert (
        main(["eval", "--set", str(evalset), "--methods", "none", "--limit", "1", "-o", str(out)])
        == 0
    )
    assert "| none |" in out.read_text()
    assert json.loads(out.with_suffix(".json").read_text())["hdr_pairs"] == 1
    capsys.readouterr()
    assert main(["eval", "--set", str(tmp_path / "nothing")]) == 2
    assert "no evaluation set" in capsys.readouterr().err
    assert main(["eval", "--set", str(evalset), "--methods", "bogus"]) == 2
    assert "unknown or untrained" in capsys.readouterr().err
