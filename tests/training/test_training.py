"""Training: a few real steps of every recipe on generated data, resumable checkpoints that
reproduce an uninterrupted run exactly, logs and curves, shipping weights the app can load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from hdr_studio.cli import main
from hdr_studio.training.train import TrainOptions, default_config, load_config, train

MODELS = ("declipnet", "drht", "masked", "hybrid")


def tiny_config(model: str, tmp: Path, steps: int = 4) -> Path:
    cfg = default_config(model)
    cfg.update(batch=2, patch=32, synthetic=2)
    n = len(cfg["stages"])
    for i, s in enumerate(cfg["stages"]):
        s["steps"] = steps // n + (1 if i < steps % n else 0)
    path = tmp / f"{model}.json"
    path.write_text(json.dumps(cfg))
    return path


@pytest.mark.parametrize("model", MODELS)
def test_default_configs_follow_the_seeds(model):
    cfg = default_config(model)
    assert cfg["model"] == model and cfg["size"] == "small"
    names = []
    for s in cfg["stages"]:  # a stage may continue at a lower learning rate
        if not names or names[-1] != s["name"]:
            names.append(s["name"])
    expected = {
        "masked": ["inpaint", "hdr"],  # inpainting pre-training, then HDR fine-tuning
        "drht": ["f1", "joint"],  # staged: f1, then f1 + f2
        "hybrid": ["pconv", "context"],  # partial conv, then the contextual branch + WGAN-GP
        "declipnet": ["main"],
    }[model]
    assert names == expected


@pytest.mark.parametrize("model", MODELS)
def test_few_steps_then_ship_and_run(model, tiny_data, tmp_path):
    from hdr_studio.core.reader import read_image
    from hdr_studio.inference.pipeline import run_model
    from tests.helpers import SAMPLE_FILES

    ship = tmp_path / "models"
    opts = TrainOptions(
        model=model, config=tiny_config(model, tmp_path), data=tiny_data, out=tmp_path / "run",
        threads=1, ship=ship, log_every=1,
    )  # fmt: skip
    result = train(opts)
    assert result["step"] == 4 and Path(result["shipped"]).is_file()
    rows = (tmp_path / "run" / "loss.csv").read_text().splitlines()
    assert rows[0].startswith("step,stage,") and len(rows) == 5
    assert all(np.isfinite(float(v)) for v in rows[-1].split(",")[2:] if v)
    assert (tmp_path / "run" / "loss.png").stat().st_size > 1000
    manifest = json.loads((ship / "manifest.json").read_text())
    meta = manifest["models"][model]["metadata"]
    assert meta["steps"] == "4" and json.loads(meta["config"])
    # The shipped file runs through the same pipeline the app and CLI use.
    image = read_image(SAMPLE_FILES[0])
    small = image.code[:64, :96]
    from dataclasses import replace

    from hdr_studio.core.transfer import srgb_decode

    image = replace(image, code=small, linear=srgb_decode(small))
    out = run_model(image, model, device="cpu", folder=ship)
    arr = out.hdr if out.hdr is not None else out.sdr
    assert arr.shape == (64, 96, 3) and np.isfinite(arr).all()


def test_resume_reproduces_an_uninterrupted_run(tiny_data, tmp_path):
    """Stop after 3 of 6 steps, resume: the weights equal those of a straight 6-step run."""
    from safetensors.torch import load_file

    cfg = tiny_config("hybrid", tmp_path, steps=6)  # two stages, critic, gradient penalty

    def opts(out: Path, stop_after=None) -> TrainOptions:
        return TrainOptions(
            model="hybrid", config=cfg, data=tiny_data, out=out, threads=1, log_every=1,
            checkpoint_every=100, stop_after=stop_after,
        )  # fmt: skip

    assert train(opts(tmp_path / "a"))["step"] == 6
    assert train(opts(tmp_path / "b", stop_after=3))["step"] == 3
    assert train(opts(tmp_path / "b"))["step"] == 6
    a = load_file(str(tmp_path / "a" / "checkpoint.safetensors"))
    b = load_file(str(tmp_path / "b" / "checkpoint.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        if k != "torch_rng":
            assert torch.equal(a[k], b[k]), k
    rows_a = (tmp_path / "a" / "loss.csv").read_text().splitlines()
    rows_b = (tmp_path / "b" / "loss.csv").read_text().splitlines()
    assert rows_a == rows_b


def test_workers_draw_the_same_stream_resumably(tiny_data, tmp_path):
    """--workers: batches drawn ahead in forked processes, batch k from (seed, k) — two
    processes or one, straight or interrupted and resumed, the weights are the same."""
    from safetensors.torch import load_file

    cfg = tiny_config("masked", tmp_path, steps=6)  # both stages: inpaint, then hdr

    def opts(out: Path, workers: int, stop_after=None) -> TrainOptions:
        return TrainOptions(
            model="masked", config=cfg, data=tiny_data, out=out, threads=1, log_every=1,
            checkpoint_every=100, stop_after=stop_after, workers=workers,
        )  # fmt: skip

    assert train(opts(tmp_path / "a", 2))["step"] == 6
    # stopped before its first logged step (a wall-clock budget can do that): a checkpoint
    early = opts(tmp_path / "early", 1, stop_after=1)
    early.log_every = 10
    assert train(early)["step"] == 1
    assert (tmp_path / "early" / "checkpoint.safetensors").is_file()
    assert train(opts(tmp_path / "b", 1, stop_after=4))["step"] == 4
    assert train(opts(tmp_path / "b", 2))["step"] == 6
    assert train(opts(tmp_path / "c", 0))["step"] == 6  # the one-generator stream
    a, b, c = (load_file(str(tmp_path / r / "checkpoint.safetensors")) for r in "abc")
    weights = [k for k in a if k.startswith("module.net.")]
    assert all(torch.equal(a[k], b[k]) for k in weights)
    assert not all(torch.equal(a[k], c[k]) for k in weights)


def test_workers_refused_where_a_recipe_draws_in_its_loop(tiny_data, tmp_path):
    for model, workers, message in (
        ("hybrid", 2, "--workers"),
        ("masked", -1, "--workers must be 0 or more"),
    ):
        with pytest.raises(ValueError, match=message):
            train(
                TrainOptions(
                    model=model,
                    config=tiny_config(model, tmp_path),
                    data=tiny_data,
                    out=tmp_path / model,
                    workers=workers,
                )
            )


def test_checkpoints_are_not_pickles(tiny_data, tmp_path):
    train(
        TrainOptions(
            model="drht",
            config=tiny_config("drht", tmp_path, 2),
            data=tiny_data,
            out=tmp_path / "r",
            threads=1,
        )
    )
    files = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert files == ["checkpoint.json", "checkpoint.safetensors", "loss.csv"] or "loss.png" in files
    assert not any(p.suffix in (".pt", ".pth", ".pkl", ".ckpt") for p in (tmp_path / "r").iterdir())
    assert (tmp_path / "r" / "checkpoint.safetensors").read_bytes()[:8] != b"\x80\x04\x95"


def test_steps_override_keeps_stage_proportions():
    cfg = load_config(TrainOptions(model="drht", steps=100))
    assert [s["steps"] for s in cfg["stages"]] == [40, 60]
    assert (
        sum(s["steps"] for s in load_config(TrainOptions(model="masked", steps=7))["stages"]) == 7
    )


def test_cli_train_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["train", "masked", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not valid JSON" in err
    assert main(["train", "masked", "--config", str(tmp_path / "missing.json")]) == 2
    assert "config not found" in capsys.readouterr().err
    assert main(["train", "nonet"]) == 2
    assert "no training config" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["train", "hybrid", "--data", str(empty), "--out", str(tmp_path / "o")]) == 2
    assert "hdr-studio data render" in capsys.readouterr().err


def test_masked_with_the_chroma_term_and_extra_scenes(tiny_data, tmp_path):
    """The optional chroma term (``chroma_weight``) and the wider procedural kinds
    (``synthetic_extra``) train: the term is logged, finite, and the run ships."""
    path = tiny_config("masked", tmp_path, steps=4)
    cfg = json.loads(path.read_text())
    cfg.update(chroma_weight=1.0, synthetic_extra=2)
    cfg["stages"] = [{"name": "hdr", "steps": 4, "lr": 1e-3}]
    path.write_text(json.dumps(cfg))
    opts = TrainOptions(
        model="masked", config=path, data=tiny_data, out=tmp_path / "run", threads=1,
        ship=tmp_path / "models", log_every=1,
    )  # fmt: skip
    assert train(opts)["step"] == 4
    rows = (tmp_path / "run" / "loss.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert "chroma" in header
    values = [float(r.split(",")[header.index("chroma")]) for r in rows[1:]]
    assert all(np.isfinite(v) and v >= 0 for v in values) and max(values) > 0


def test_masked_loss_stays_finite_where_the_network_runs_away_in_measured_pixels():
    """β = 1 pixels put no constraint on the network's output; a run that drifted there to
    y > 88 made exp(y) = inf and 0 · inf = NaN (a real run died so at step 723)."""
    from hdr_studio.inference.masked import MaskedUNet
    from hdr_studio.training.recipes import MaskedRecipe

    net = MaskedUNet(width=4, depth=2)
    with torch.no_grad():
        net.head.conv.weight.zero_()
        net.head.conv.bias.fill_(100.0)  # y = 100 everywhere: exp overflows float32
    recipe = MaskedRecipe(net, {"batch": 1, "patch": 16}, torch.device("cpu"), None)
    recipe.make_optimisers(1e-4)
    x = np.full((1, 3, 16, 16), 0.5, np.float32)
    x[..., 4:8, 4:8] = 1.0  # a clipped patch
    truth = np.full_like(x, 0.2)
    truth[..., 4:8, 4:8] = 5.0
    terms = recipe.learn({"x": x, "lin": x**2.2, "truth": truth})
    assert all(np.isfinite(v) for v in terms.values()), terms


@pytest.mark.parametrize("model", MODELS)
def test_bf16_forward_passes_train_and_ship_fp32_weights(model, tiny_data, tmp_path):
    """``--precision bf16``: every recipe's network runs its forward passes under bf16
    autocast (emulated where the CPU has no bf16: slower, the same numbers format); the
    weights, the losses and the shipped file stay fp32, and the run says how it trained."""
    ship = tmp_path / "models"
    opts = TrainOptions(
        model=model, config=tiny_config(model, tmp_path), data=tiny_data, out=tmp_path / "run",
        threads=1, ship=ship, log_every=1, precision="bf16",
    )  # fmt: skip
    assert train(opts)["step"] == 4
    rows = (tmp_path / "run" / "loss.csv").read_text().splitlines()
    assert all(np.isfinite(float(v)) for r in rows[1:] for v in r.split(",")[2:] if v)
    meta = json.loads((ship / "manifest.json").read_text())["models"][model]["metadata"]
    assert meta["train_precision"] == "bf16 (autocast)"
    from safetensors import safe_open

    with safe_open(str(ship / f"{model}.safetensors"), "pt") as f:
        dtypes = {f.get_tensor(k).dtype for k in f.keys()}  # noqa: SIM118 (no __iter__)
    assert {d for d in dtypes if d.is_floating_point} == {torch.float32}


def test_bf16_forward_is_bf16_and_hands_fp32_to_the_losses():
    """The forward pass really computes in bf16 (its output differs from fp32's by bf16's
    rounding, not by zero) and the losses see fp32 tensors; fp32 is the default."""
    from hdr_studio.inference.masked import MaskedUNet
    from hdr_studio.training.recipes import MaskedRecipe

    torch.manual_seed(0)
    net = MaskedUNet(width=8, depth=2)
    recipe = MaskedRecipe(net, {"batch": 1, "patch": 32}, torch.device("cpu"), None)
    assert recipe.amp is None
    x = torch.rand(1, 3, 32, 32)
    y32 = recipe.forward(net, x)
    recipe.amp = torch.bfloat16
    y16 = recipe.forward(net, x)
    assert y32.dtype == y16.dtype == torch.float32
    diff = (y16 - y32).abs().max().item()
    assert 0 < diff < 0.1 * y32.abs().max().item() + 1e-3


def test_train_precision_choices():
    from hdr_studio.inference.devices import DeviceError, cpu_bf16
    from hdr_studio.training.recipes import resolve_train_precision

    cpu = torch.device("cpu")
    assert resolve_train_precision(cpu, "fp32") is None
    assert resolve_train_precision(cpu, "bf16") is torch.bfloat16
    assert resolve_train_precision(cpu, "auto") is (torch.bfloat16 if cpu_bf16() else None)
    with pytest.raises(DeviceError, match="loss scaling"):
        resolve_train_precision(cpu, "fp16")
