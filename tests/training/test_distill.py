"""Distillation: a masked network that also learns towards a teacher's estimates (the
shipped ensemble, or any models folder), and a run that starts from one member of an
ensemble (``init: "shipped#K"``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hdr_studio.inference.masked import MaskedUNet
from hdr_studio.inference.weights import load_weights, save_weights
from hdr_studio.training.recipes import MaskedRecipe
from hdr_studio.training.train import _init_weights


def _batch(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.2, 0.8, (2, 3, 32, 32)).astype(np.float32)
    x[..., 8:20, 10:24] = 1.0  # a clipped area
    truth = x**2.2
    truth[..., 8:20, 10:24] = rng.uniform(1.5, 6.0, (2, 3, 12, 14)).astype(np.float32)
    return {"x": x, "lin": x**2.2, "truth": truth}


def _folder_with(net: MaskedUNet, tmp_path, config: dict) -> None:
    save_weights(net.state_dict(), "masked", {"config": json.dumps(config)}, tmp_path)


def test_a_run_starts_from_one_member_of_the_shipped_ensemble():
    state, meta = load_weights("masked")
    members = sorted({k.split(".")[1] for k in state if k.startswith("members.")})
    assert len(members) >= 2, "the shipped masked weights are an ensemble"
    config = json.loads(meta["config"])
    config.pop("members", None)
    net = MaskedUNet(**config)
    got = _init_weights(net, "masked", f"shipped#{members[-1]}")
    assert got["member"] == members[-1]
    for k, v in net.state_dict().items():
        assert torch.equal(v, state[f"members.{members[-1]}.{k}"]), k
    with pytest.raises(ValueError, match="no member 99"):
        _init_weights(MaskedUNet(**config), "masked", "shipped#99")


def test_a_student_equal_to_its_teacher_has_nothing_to_learn_from_it(tmp_path):
    torch.manual_seed(3)
    config = {"width": 4, "depth": 2}
    net = MaskedUNet(**config)
    _folder_with(net, tmp_path, config)
    cfg = {"teacher": str(tmp_path), "teacher_share": 0.75, "batch": 2, "patch": 32}
    recipe = MaskedRecipe(net, cfg, torch.device("cpu"), None)
    recipe.make_optimisers(1e-4)
    terms = recipe.learn(_batch())
    assert terms["l1_teacher"] == pytest.approx(0.0, abs=1e-6)
    assert terms["grad_teacher"] == pytest.approx(0.0, abs=1e-6)
    assert terms["l1_log"] > 0.05  # the truth still differs
    # the teacher is frozen and kept apart: the student's update does not move it
    teacher = recipe.teacher()
    assert teacher is not recipe.net
    assert not any(p.requires_grad for p in teacher.parameters())
    pairs = zip(net.parameters(), teacher.parameters(), strict=True)
    assert any(not torch.equal(a, b) for a, b in pairs)


def test_the_teacher_share_weighs_the_two_targets(tmp_path):
    """share 0: the loss is the recipe's own; share 1: the truth's terms are left out (the
    logged l1_log no longer enters the loss)."""
    torch.manual_seed(4)
    config = {"width": 4, "depth": 2}
    _folder_with(MaskedUNet(**config), tmp_path, config)  # a different network: the teacher
    losses = {}
    for share in (0.0, 1.0):
        torch.manual_seed(5)
        net = MaskedUNet(**config)
        cfg = {"teacher": str(tmp_path), "teacher_share": share, "grad_weight": 0.5}
        recipe = MaskedRecipe(net, cfg, torch.device("cpu"), None)
        recipe.make_optimisers(0.0)
        losses[share] = recipe.learn(_batch(1))
    own = losses[0.0]
    assert "l1_teacher" not in own
    assert own["loss"] == pytest.approx(own["l1_log"] + 0.5 * own["grad_log"], rel=1e-5)
    t = losses[1.0]
    assert t["loss"] == pytest.approx(t["l1_teacher"] + 0.5 * t["grad_teacher"], rel=1e-5)
    assert t["l1_teacher"] > 0 and abs(t["loss"] - own["loss"]) > 1e-4


def test_a_distilled_model_card_names_its_teacher_and_the_member_it_started_from():
    from hdr_studio.training.cards import card_text

    base_tc = {"model": "masked", "real_share": 0.3, "stages": [{"name": "hdr", "steps": 5}]}
    tc = {"model": "masked", "init": "shipped#2", "teacher": "shipped", "teacher_share": 0.75,
          "real_share": 0.3, "stages": [{"name": "hdr", "steps": 3, "lr": 1e-4}]}  # fmt: skip
    meta = {
        "training_config": json.dumps(tc),
        "config": '{"width": 16}',
        "parameters": "10",
        "fine_tuned_from": json.dumps(
            [{"training_config": json.dumps(base_tc), "steps": "2600", "member": "2"}]
        ),
    }
    report = {"set": "/data/real/evalset", "hdr": {}, "sdr": {}}
    text = card_text("masked", {"metadata": meta, "bytes": 1}, report, "hdr-studio eval")
    assert "Distilled: 75% of the loss" in text
    assert "the ensemble shipped when it was trained" in text
    assert "Fine-tuned from weights (member 3 of an ensemble, trained 2600 steps" in text
