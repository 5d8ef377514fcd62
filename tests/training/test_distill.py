"""Distillation: a masked network that also learns towards a teacher's estimates (the
shipped ensemble, or any models folder), and a run that starts from one member of an
ensemble (``init: "shipped#K"``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from hdr_studio.inference.masked import MaskedUNet
from hdr_studio.inference.weights import load_weights, read_manifest, save_weights
from hdr_studio.training.recipes import MaskedRecipe
from hdr_studio.training.train import _init_weights, teacher_record


def _batch(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.2, 0.8, (2, 3, 32, 32)).astype(np.float32)
    x[..., 8:20, 10:24] = 1.0  # a clipped area
    truth = x**2.2
    truth[..., 8:20, 10:24] = rng.uniform(1.5, 6.0, (2, 3, 12, 14)).astype(np.float32)
    return {"x": x, "lin": x**2.2, "truth": truth}


def _folder_with(net: MaskedUNet, tmp_path, config: dict) -> None:
    save_weights(net.state_dict(), "masked", {"config": json.dumps(config)}, tmp_path)


def _ensemble_folder(tmp_path, config: dict) -> Path:
    """A models folder holding a two-network ensemble (``hdr-studio ensemble``)."""
    from hdr_studio.training.ensemble import combine

    for k in (1, 2):
        torch.manual_seed(k)
        tc = json.dumps({"model": "masked", "seed": k, "stages": [{"name": "hdr", "steps": k}]})
        meta = {"config": json.dumps(config), "training_config": tc, "steps": str(k)}
        save_weights(MaskedUNet(**config).state_dict(), "masked", meta, tmp_path / f"m{k}")
    combine("masked", [tmp_path / "m1", tmp_path / "m2"], tmp_path / "ens")
    return tmp_path / "ens"


def test_a_run_starts_from_one_member_of_an_ensemble(tmp_path):
    """``shipped#K`` with the folder that ``shipped`` names (``--shipped``), or ``DIR#K``."""
    config = {"width": 4, "depth": 2}
    folder = _ensemble_folder(tmp_path, config)
    state, _ = load_weights("masked", folder)
    for init, shipped in (("shipped#1", folder), (f"{folder}#1", None)):
        net = MaskedUNet(**config)
        got = _init_weights(net, "masked", init, shipped)
        assert got["member"] == "1" and got["steps"] == "2"  # the member's own metadata
        for k, v in net.state_dict().items():
            assert torch.equal(v, state[f"members.1.{k}"]), k
    with pytest.raises(ValueError, match="no member 99"):
        _init_weights(MaskedUNet(**config), "masked", "shipped#99", folder)


def test_a_student_records_its_teacher_and_the_commit_that_shipped_it(tmp_path):
    config = {"width": 4, "depth": 2}
    folder = _ensemble_folder(tmp_path, config)
    cfg = {"teacher": "shipped", "teacher_share": 1.0}
    record = teacher_record("masked", cfg, folder)
    assert record["sha256"] == read_manifest(folder)["models"]["masked"]["sha256"]
    assert len(json.loads(record["members"])) == 2
    assert "commit" not in record  # not in a git checkout
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "weights"], check=True)
    head = subprocess.run([*git, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    assert teacher_record("masked", cfg, folder)["commit"] == head
    (folder / "masked.safetensors").write_bytes(b"changed")  # not what the commit holds
    assert "commit" not in teacher_record("masked", cfg, folder)
    # a teacher named by its folder is found without --shipped
    assert teacher_record("masked", {"teacher": str(tmp_path / "m1")}, None)["steps"] == "1"


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
            [
                {
                    "training_config": json.dumps(base_tc),
                    "steps": "2600",
                    "member": "2",
                    "real_crops": "936",
                }
            ]
        ),
    }
    report = {"set": "/data/real/evalset", "hdr": {}, "sdr": {}}
    text = card_text("masked", {"metadata": meta, "bytes": 1}, report, "hdr-studio eval")
    assert "Distilled: 75% of the loss" in text
    assert "the ensemble shipped when it was trained" in text
    assert "Fine-tuned from weights (member 3 of an ensemble, trained 2600 steps" in text
    # its own crops (the default 312) and the member's (936) are each named
    assert "`real/train`: 312 crops" in text and "`real/train`: 936 crops" in text


def test_a_distilled_card_describes_its_teacher_and_how_to_get_it_back():
    from hdr_studio.training.cards import card_text

    member_tc = {"model": "masked", "seed": 7, "stages": [{"name": "hdr", "steps": 9, "lr": 1e-3}]}
    teacher = {
        "sha256": "ab" * 32,
        "config": '{"members": 2, "width": 16}',
        "calibration": '{"hdr": 1.0}',
        "members": json.dumps([{"training_config": json.dumps(member_tc), "steps": "9"}] * 2),
        "commit": "390ed7c0ffee",
    }
    tc = {"model": "masked", "teacher": "shipped", "teacher_share": 1.0,
          "stages": [{"name": "hdr", "steps": 3, "lr": 1e-4}]}  # fmt: skip
    meta = {"training_config": json.dumps(tc), "parameters": "10", "teacher": json.dumps(teacher)}
    report = {"set": "/data/real/evalset", "hdr": {}, "sdr": {}}
    text = card_text("masked", {"metadata": meta, "bytes": 1}, report, "hdr-studio eval")
    assert "shipped when it was trained: Teacher, below), none towards the truth" in text
    assert "Distilled: all of the loss" in text
    # the student itself had no inpainting stage; its card does not claim one
    assert text.index("- Data: Mitsuba renders") < text.index("### Teacher")
    assert "### Teacher\n- An ensemble of 2 networks" in text
    assert "sha256 `abababababababab…`" in text
    assert "`git worktree add TEACHER 390ed7c0ffee`" in text
    assert "`--shipped TEACHER/hdr_studio/resources/models`" in text
    assert text.count("#### Member") == 2 and "seed 7" in text
    # a config that names the teacher by commit needs no worktree
    tc["teacher"] = "shipped@390ed7c0ffee"
    meta["training_config"] = json.dumps(tc)
    text = card_text("masked", {"metadata": meta, "bytes": 1}, report, "hdr-studio eval")
    assert "(the weights the package shipped at `390ed7c0ffee`: Teacher, below)" in text
    assert "the config names it so (`shipped@390ed7c0ffee`)" in text
    assert "git worktree" not in text


def test_the_teacher_shipped_names_is_the_folder_given_to_the_run(tmp_path):
    """``teacher: "shipped"`` with ``--shipped DIR``: the teacher is DIR's network, not the
    package's; a folder with no manifest is a one-line error before any data is read."""
    from hdr_studio.training.train import TrainOptions, train

    config = {"width": 4, "depth": 2}
    folder = _ensemble_folder(tmp_path, config)
    recipe = MaskedRecipe(MaskedUNet(**config), {"teacher": "shipped"}, torch.device("cpu"), None)
    recipe.shipped = folder
    want, _ = load_weights("masked", folder)
    got = recipe.teacher().state_dict()
    assert set(got) == set(want) and all(torch.equal(got[k], want[k]) for k in want)
    with pytest.raises(ValueError, match="no weights manifest there"):
        train(TrainOptions(model="masked", shipped=tmp_path / "nowhere", data=tmp_path))


def test_a_share_per_shot_real_photographs_towards_the_truth_renders_the_teacher(tmp_path):
    """``teacher_share_real``: the teacher's share of the target on shots of real
    photographs' crops (the batch's ``real``), ``teacher_share`` on renders."""
    torch.manual_seed(4)
    config = {"width": 4, "depth": 2}
    _folder_with(MaskedUNet(**config), tmp_path, config)  # the teacher: another network

    def loss(cfg: dict, real: float) -> dict:
        torch.manual_seed(5)
        recipe = MaskedRecipe(MaskedUNet(**config), cfg, torch.device("cpu"), None)
        recipe.make_optimisers(0.0)
        batch = _batch(1)
        batch["real"] = np.full(2, real, np.float32)
        return recipe.learn(batch)

    teacher = {"teacher": str(tmp_path), "grad_weight": 0.5}
    per_shot = {**teacher, "teacher_share": 1.0, "teacher_share_real": 0.0}
    truth_only = loss({"grad_weight": 0.5}, 1.0)
    teacher_only = loss({**teacher, "teacher_share": 1.0}, 1.0)
    assert loss(per_shot, 1.0)["loss"] == pytest.approx(truth_only["loss"], rel=1e-5)
    assert loss(per_shot, 0.0)["loss"] == pytest.approx(teacher_only["loss"], rel=1e-5)
    assert abs(truth_only["loss"] - teacher_only["loss"]) > 1e-4


def test_shots_say_which_are_of_real_photographs():
    from hdr_studio.training.samplers import HdrPool

    scene = np.full((64, 64, 3), 0.5, np.float32)
    ramp = np.linspace(0.1, 4.0, 64, dtype=np.float32)
    real = np.repeat(np.repeat(ramp[None, :, None], 64, axis=0), 3, axis=2)
    pool = HdrPool([scene], [real], real_share=0.5)
    b = pool.shots(np.random.default_rng(3), 24, 32)
    assert b.real is not None and b.real.dtype == np.float32
    assert set(np.unique(b.real)) == {0.0, 1.0}
    # the real photograph is the ramp, the render flat: each flag names its own shot
    varies = b.truth.reshape(24, -1).std(axis=1) > 1e-3
    np.testing.assert_array_equal(varies, b.real == 1)
    # the same crops as ``crop`` draws from the same generator
    a, k = pool.drawn(np.random.default_rng(9), 32)
    np.testing.assert_array_equal(a, pool.crop(np.random.default_rng(9), 32))
    assert k in (True, False)


def test_a_card_names_the_share_per_shot():
    from hdr_studio.training.cards import card_text

    tc = {"model": "masked", "teacher": "/t", "teacher_share": 1.0, "teacher_share_real": 0.0,
          "stages": [{"name": "hdr", "steps": 3, "lr": 1e-4}]}  # fmt: skip
    meta = {"training_config": json.dumps(tc), "parameters": "10"}
    report = {"set": "/data/real/evalset", "hdr": {}, "sdr": {}}
    text = card_text("masked", {"metadata": meta, "bytes": 1}, report, "hdr-studio eval")
    assert "Distilled: all of the loss on renders is the same terms" in text
    assert "on real photographs' crops 0% towards the teacher, the rest towards the truth" in text


def test_a_config_names_weights_the_package_shipped_at_an_earlier_commit(tmp_path):
    """``shipped@REV`` (init or teacher): the folder ``shipped`` names, as git revision REV
    has it, read from the checkout's history although the folder now holds other weights."""
    config = {"width": 4, "depth": 2}
    repo = tmp_path / "repo"
    folder = _ensemble_folder(tmp_path, config)
    models = repo / "resources" / "models"
    models.mkdir(parents=True)
    for f in folder.iterdir():
        (models / f.name).write_bytes(f.read_bytes())
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "the ensemble"], check=True)
    first = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True,
                           check=True).stdout.strip()  # fmt: skip
    old_state, _ = load_weights("masked", models)
    torch.manual_seed(9)
    student = MaskedUNet(**config)
    _folder_with(student, models, config)  # the package now ships one network
    subprocess.run([*git, "commit", "-qam", "the student"], check=True)
    cfg = {"teacher": f"shipped@{first[:9]}", "teacher_share": 1.0}
    record = teacher_record("masked", cfg, models)
    assert record["commit"] == first[:12]
    assert len(json.loads(record["members"])) == 2  # the ensemble, not the student
    net = MaskedUNet(**config)
    got = _init_weights(net, "masked", f"shipped@{first}#0", models)
    assert got["member"] == "0"
    for k, v in net.state_dict().items():
        assert torch.equal(v, old_state[f"members.0.{k}"]), k
    recipe = MaskedRecipe(MaskedUNet(**config), cfg, torch.device("cpu"), None)
    recipe.shipped = models
    teacher = recipe.teacher()
    assert sum(p.numel() for p in teacher.parameters()) == 2 * sum(
        p.numel() for p in student.parameters()
    )
    with pytest.raises(ValueError, match="shallow clone"):
        teacher_record("masked", {"teacher": "shipped@0123456789ab"}, models)
    with pytest.raises(ValueError, match="not in a git checkout"):
        teacher_record("masked", {"teacher": "shipped@HEAD"}, folder)
