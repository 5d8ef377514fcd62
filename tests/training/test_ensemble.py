"""``hdr-studio ensemble``: several trained masked networks in one weights file whose output
is the mean of theirs, loaded through the registry like any other network."""

from __future__ import annotations

import json

import pytest
import torch

from hdr_studio.cli import main
from hdr_studio.inference.masked import MaskedEnsemble, MaskedUNet
from hdr_studio.inference.registry import build_model
from hdr_studio.inference.weights import load_weights, read_manifest, save_weights
from hdr_studio.training.ensemble import combine

CONFIG = {"width": 4, "depth": 2}


def _member(folder, seed: int, **meta: str) -> MaskedUNet:
    torch.manual_seed(seed)
    net = MaskedUNet(**CONFIG)  # type: ignore[arg-type]
    tc = {"model": "masked", "seed": seed, "stages": [{"name": "hdr", "steps": 3, "lr": 1e-4}]}
    save_weights(
        net.state_dict(),
        "masked",
        {
            "config": json.dumps(CONFIG),
            "training_config": json.dumps(tc),
            "steps": "3",
            "train_seconds": "60",
            "calibration": json.dumps({"hdr": 0.9, "over": 1.0, "under": 1.0}),
            **meta,
        },
        folder,
    )
    return net


def test_the_ensemble_outputs_the_mean_of_its_members_log_outputs(tmp_path):
    a = _member(tmp_path / "a", 1)
    b = _member(tmp_path / "b", 2, real_crops="936")
    path, _ = combine("masked", [tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    state, meta = load_weights("masked", tmp_path / "out")
    assert path.name == "masked.safetensors"
    config = json.loads(meta["config"])
    assert config == {**CONFIG, "members": 2}
    net = build_model("masked", config)
    assert isinstance(net, MaskedEnsemble) and net.stride == a.stride
    net.load_state_dict(state, strict=True)
    t = torch.rand(1, 3, 32, 32)
    t[..., 8:16, 8:16] = 1.0  # a clipped patch
    with torch.no_grad():
        want = (a.eval()(t) + b.eval()(t)) / 2
        got = net.eval()(t)
    assert torch.allclose(got, want, atol=1e-6)
    assert not torch.allclose(a(t), b(t))  # the members differ, so the mean is a real test
    # Uncalibrated, with each member's own training recorded for the card.
    assert json.loads(meta["calibration"])["hdr"] == 1.0
    members = json.loads(meta["members"])
    assert [json.loads(m["training_config"])["seed"] for m in members] == [1, 2]
    assert members[1]["real_crops"] == "936" and int(meta["steps"]) == 6


def test_an_ensemble_model_card_lists_each_member(tmp_path):
    from hdr_studio.training.cards import card_text

    _member(tmp_path / "a", 1)
    _member(tmp_path / "b", 2, real_crops="936")
    combine("masked", [tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    entry = read_manifest(tmp_path / "out")["models"]["masked"]
    row = dict.fromkeys(
        ("pu21_all", "pu21_in", "pu21_out", "logl1_in", "de_partial", "de_full"), 1.0
    )
    report = {"set": "/d/real/evalset", "hdr": {"masked": row, "none": row, "classical": row}}
    text = card_text("masked", entry, report, "hdr-studio eval")
    assert "An ensemble of 2 networks" in text
    assert "### Member 1 (alone it was calibrated to gain 0.9)" in text
    assert "### Member 2" in text and "seed 2" in text


def test_combining_refuses_one_member_other_configs_and_other_networks(tmp_path, capsys):
    _member(tmp_path / "a", 1)
    torch.manual_seed(0)
    wide = MaskedUNet(width=8, depth=2)
    save_weights(wide.state_dict(), "masked", {"config": json.dumps({"width": 8, "depth": 2})},
                 tmp_path / "w")  # fmt: skip
    assert main(["ensemble", "masked", str(tmp_path / "a"), "--ship", str(tmp_path / "o")]) != 0
    assert "two members" in capsys.readouterr().err
    args = ["ensemble", "masked", str(tmp_path / "a"), str(tmp_path / "w"), "--ship", "x"]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "differs from the first member's" in err and "Traceback" not in err
    assert main(["ensemble", "drht", str(tmp_path / "a"), str(tmp_path / "a"), "--ship", "x"]) != 0
    assert "cannot be an ensemble" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_an_ensemble_needs_two_members():
    with pytest.raises(ValueError, match="two members"):
        MaskedEnsemble(1, **CONFIG)  # type: ignore[arg-type]


def test_an_ensemble_grows_by_one_network_and_keeps_its_members_records(tmp_path, capsys):
    a = _member(tmp_path / "a", 1)
    b = _member(tmp_path / "b", 2, real_crops="936")
    c = _member(tmp_path / "c", 3, real_crops="936")
    combine("masked", [tmp_path / "a", tmp_path / "b"], tmp_path / "two")
    args = ["ensemble", "masked", str(tmp_path / "two"), str(tmp_path / "c")]
    assert main([*args, "--ship", str(tmp_path / "three")]) == 0
    assert "masked: 3 networks averaged" in capsys.readouterr().out
    state, meta = load_weights("masked", tmp_path / "three")
    config = json.loads(meta["config"])
    assert config == {**CONFIG, "members": 3}
    net = build_model("masked", config)
    net.load_state_dict(state, strict=True)
    t = torch.rand(1, 3, 32, 32)
    t[..., 4:20, 6:12] = 1.0
    with torch.no_grad():
        want = (a.eval()(t) + b.eval()(t) + c.eval()(t)) / 3
        got = net.eval()(t)
    assert torch.allclose(got, want, atol=1e-6)
    members = json.loads(meta["members"])
    assert [json.loads(m["training_config"])["seed"] for m in members] == [1, 2, 3]
    assert [m.get("real_crops") for m in members] == [None, "936", "936"]
    assert int(meta["steps"]) == 9
