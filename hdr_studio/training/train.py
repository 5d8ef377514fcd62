"""``hdr-studio train MODEL``: the training loop shared by the four recipes.

A run folder (``runs/MODEL`` by default) holds

* ``checkpoint.safetensors`` — every network's and optimiser's tensors plus the torch RNG
  state; ``checkpoint.json`` — step, the numpy generator's state, optimiser hyper-parameters
  and the config (no pickles anywhere, so a checkpoint cannot run code when loaded);
* ``loss.csv`` — one row per logged step; ``loss.png`` — the loss curves (log scale).

Training resumes from the checkpoint when one is there; ``--minutes`` stops cleanly at a
checkpoint. The batch stream is a function of the seed alone, so an interrupted and resumed
run draws the same batches as an uninterrupted one. With ``--workers N`` (recipes that split
drawing from learning: masked) N processes draw batches ahead of the network, batch k from
its own generator seeded with (seed, k): still a function of the seed, resumable, but a
different stream from the one-generator loop. When all steps are done and ``--ship``
is given, the network's weights go to ``DIR/MODEL.safetensors`` with its config and the
training facts as metadata, and the manifest is updated.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.core.jobs import ProgressFn, no_progress
from hdr_studio.training.checkpoint import load_checkpoint, plot_losses, save_checkpoint
from hdr_studio.training.prefetch import Prefetcher, stage_at


@dataclass
class TrainOptions:
    model: str
    config: Path | None = None
    data: str | Path | None = None
    out: Path | None = None
    steps: int | None = None
    minutes: float | None = None
    threads: int | None = None
    #: Processes drawing batches ahead of the network (0: drawn in the loop).
    workers: int = 0
    device: str = "auto"
    #: The forward passes' number format: fp32, bf16 or auto (:func:`resolve_train_precision`).
    precision: str = "fp32"
    vgg: Path | None = None
    ship: Path | None = None
    #: The weights folder a config's ``shipped`` names (``init``, ``teacher``); None: the
    #: package's own. Reproducing a network distilled from weights the package no longer
    #: ships (the ensemble before the student) points it at a checkout of that commit.
    shipped: Path | None = None
    seed: int | None = None
    log_every: int = 10
    checkpoint_every: int = 200
    #: Stop (with a checkpoint) after this many steps in this call; resuming continues.
    stop_after: int | None = None


def default_config(model: str) -> dict[str, Any]:
    ref = resources.files("hdr_studio.training") / "configs" / f"{model}.json"
    if not ref.is_file():
        raise ValueError(
            f"no training config for {model!r} (known: declipnet, drht, masked, hybrid)"
        )
    return json.loads(ref.read_text())


def load_config(opts: TrainOptions) -> dict[str, Any]:
    if opts.config is None:
        cfg = default_config(opts.model)
    else:
        if not opts.config.is_file():
            raise FileNotFoundError(f"config not found: {opts.config}")
        try:
            cfg = json.loads(opts.config.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{opts.config}: not valid JSON ({exc.msg}, line {exc.lineno})"
            ) from None
    if cfg.get("model", opts.model) != opts.model:
        raise ValueError(f"config is for {cfg['model']!r}, not {opts.model!r}")
    if opts.seed is not None:
        cfg["seed"] = opts.seed
    if opts.steps is not None:
        # Scale every stage to the requested total, keeping their proportions.
        total = sum(int(s["steps"]) for s in cfg["stages"])
        left = opts.steps
        for i, s in enumerate(cfg["stages"]):
            n = (
                left
                if i == len(cfg["stages"]) - 1
                else max(1, round(opts.steps * int(s["steps"]) / total))
            )
            s["steps"] = max(1, min(n, left - (len(cfg["stages"]) - 1 - i)))
            left -= s["steps"]
    return cfg


# -- the loop ---------------------------------------------------------------------------


def _log_row(csv: Path, keys: list[str], step: int, stage: str, acc: dict) -> list[str]:
    """Append the means of ``acc`` as ``step``'s row of ``loss.csv`` (a new loss term adds a
    column to the header); returns the columns."""
    if not keys:
        keys = sorted(acc)
        csv.write_text(",".join(["step", "stage", *keys]) + "\n")
    for k in acc:
        if k not in keys:
            keys.append(k)
            lines = csv.read_text().splitlines()
            lines[0] = ",".join(["step", "stage", *keys])
            csv.write_text("\n".join(lines) + "\n")
    row = [str(step), stage] + [f"{np.mean(acc[k]):.6g}" if k in acc else "" for k in keys]
    with csv.open("a") as f:
        f.write(",".join(row) + "\n")
    return keys


def _init_weights(net, model: str, init: str, shipped: Path | None = None) -> dict[str, str]:
    """Start from trained weights (a fine-tune): ``shipped`` (the weights the package ships
    for ``model``, or those in the folder ``shipped`` names), ``shipped@REV`` (those as git
    revision REV has them) or a models folder holding them; ``…#K`` takes member K of an
    ensemble there (``shipped#2``: the shipped ensemble's third network). A checkpoint,
    when the run has one, replaces them."""
    from hdr_studio.inference.weights import load_weights
    from hdr_studio.training.shipped import resolve

    where, _, member = init.partition("#")
    folder, _commit = resolve(where, model, shipped)
    state, meta = load_weights(model, folder)
    if member:
        prefix = f"members.{member}."
        state = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        if not state:
            raise ValueError(f"init {init!r}: the weights there have no member {member}")
        members = json.loads(meta.get("members", "[]"))
        mine = members[int(member)] if member.isdigit() and int(member) < len(members) else {}
        meta = {**meta, **mine, "member": member}
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"init {init!r}: the weights do not fit this config ({exc})") from None
    return meta


@dataclass
class _Setup:
    """What a run is made of: the recipe (network, data pools, optimisers), the generator
    its batches come from, and the facts the shipped weights record."""

    recipe: Any
    rng: np.random.Generator
    seed: int
    device: Any
    net_cfg: dict[str, Any]
    root: Path
    base_meta: dict[str, str] | None


def _setup(opts: TrainOptions, cfg: dict[str, Any]) -> _Setup:
    import torch

    from hdr_studio.inference import specs as _specs  # noqa: F401  (registers the models)
    from hdr_studio.inference.devices import resolve_device
    from hdr_studio.inference.registry import get_spec
    from hdr_studio.training.data.dataset import data_root
    from hdr_studio.training.losses import VGGFeatures
    from hdr_studio.training.recipes import RECIPES, resolve_train_precision

    if opts.model not in RECIPES:
        raise ValueError(f"unknown model {opts.model!r}; choose from {', '.join(sorted(RECIPES))}")
    if opts.workers < 0:
        raise ValueError(f"--workers must be 0 or more, got {opts.workers}")
    if opts.threads:
        torch.set_num_threads(opts.threads)
    if opts.workers and not RECIPES[opts.model].draws_in_workers():
        raise ValueError(
            f"{opts.model}: --workers is not supported (its batches are drawn in the loop)"
        )
    device = resolve_device(opts.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    seed = int(cfg.get("seed", 0))
    torch.manual_seed(seed)
    spec = get_spec(opts.model)
    net_cfg = dict(spec.configs[cfg.get("size", "small")], **cfg.get("net", {}))
    net = spec.build(net_cfg)
    if opts.shipped is not None and not (opts.shipped / "manifest.json").is_file():
        raise ValueError(f"--shipped {opts.shipped}: no weights manifest there")
    base_meta = (
        _init_weights(net, opts.model, cfg["init"], opts.shipped) if cfg.get("init") else None
    )
    vgg = VGGFeatures.from_file(opts.vgg) if opts.vgg else None
    recipe = RECIPES[opts.model](net, cfg, device, vgg)
    recipe.shipped = opts.shipped
    recipe.amp = resolve_train_precision(device, opts.precision)
    root = data_root(opts.data)
    _load_data(recipe, cfg, root)
    recipe.make_optimisers(float(cfg["stages"][0]["lr"]))
    return _Setup(recipe, np.random.default_rng(seed), seed, device, net_cfg, root, base_meta)


def _load_data(recipe, cfg: dict[str, Any], root: Path) -> None:
    """The recipe's pools: rendered, procedural and real HDR scenes, photographs."""
    from hdr_studio.training.data.dataset import render_paths
    from hdr_studio.training.data.photos import photo_paths
    from hdr_studio.training.data.real import training_crops
    from hdr_studio.training.samplers import HdrPool, PhotoPool

    if recipe.needs_hdr and not render_paths(root, "train"):
        raise ValueError(
            f"no rendered HDR scenes in {root / 'renders' / 'train'} (run: hdr-studio data render)"
        )
    if recipe.needs_photos and not photo_paths(root, "train"):
        raise ValueError(f"no photos in {root / 'photos' / 'train'} (run: hdr-studio data photos)")
    if recipe.needs_hdr:
        share = float(cfg.get("real_share", 0.0))
        recipe.hdr = HdrPool.load(
            render_paths(root, "train")[: cfg.get("renders")],
            synthetic=int(cfg.get("synthetic", 0)),
            synthetic_seed=int(cfg.get("synthetic_seed", 0)),
            extra=int(cfg.get("synthetic_extra", 0)),
            real=training_crops(root, cfg.get("real_added_by")) if share > 0 else (),
            real_share=share,
        )
    if recipe.needs_photos:
        recipe.photos = PhotoPool.load(photo_paths(root, "train"))


def _resume(run: Path, setup: _Setup) -> tuple[int, float, list[str]]:
    """(step, seconds so far, loss.csv's columns) of the run folder's checkpoint, if any;
    rows logged after the checkpoint are dropped (an interrupted run repeats them)."""
    run.mkdir(parents=True, exist_ok=True)
    step, elapsed = 0, 0.0
    if (run / "checkpoint.safetensors").is_file():
        step, elapsed = load_checkpoint(run, setup.recipe, setup.rng)
    csv = run / "loss.csv"
    keys: list[str] = []
    if csv.is_file() and step > 0:
        keys = csv.read_text().splitlines()[0].split(",")[2:]
        rows = [r for r in csv.read_text().splitlines()[1:] if int(r.split(",")[0]) <= step]
        csv.write_text("\n".join([",".join(["step", "stage", *keys]), *rows]) + "\n")
    return step, elapsed, keys


def train(opts: TrainOptions, progress: ProgressFn | None = None) -> dict[str, Any]:
    progress = progress or no_progress
    cfg = load_config(opts)
    setup = _setup(opts, cfg)
    total = sum(int(s["steps"]) for s in cfg["stages"])
    run = opts.out or Path("runs") / opts.model
    step, elapsed, keys = _resume(run, setup)
    t0 = time.monotonic() - elapsed
    step = _loop(opts, cfg, setup, run, step, total, keys, t0, progress)
    result: dict[str, Any] = {
        "step": step,
        "total": total,
        "checkpoint": str(run / "checkpoint.safetensors"),
    }
    if step >= total and opts.ship is not None:
        result["shipped"] = str(ship(setup, opts, cfg, step, time.monotonic() - t0))
    return result


def _loop(
    opts: TrainOptions,
    cfg: dict[str, Any],
    setup: _Setup,
    run: Path,
    step: int,
    total: int,
    keys: list[str],
    t0: float,
    progress: ProgressFn,
) -> int:
    """Train from ``step`` to ``total`` (or until ``--minutes``/``stop_after``), logging and
    checkpointing as it goes; returns the step reached."""
    recipe, rng, csv = setup.recipe, setup.rng, run / "loss.csv"
    prefetch = (
        Prefetcher(recipe, cfg, setup.seed, opts.workers, step, total) if opts.workers > 0 else None
    )
    try:
        stop_at = None if opts.minutes is None else time.monotonic() + 60 * opts.minutes
        acc: dict[str, list[float]] = {}
        current = None
        while step < total:
            stage = stage_at(cfg, step)
            if stage is not current:
                recipe.set_stage(stage)
                current = stage
            recipe.net.train()
            terms = recipe.step(rng) if prefetch is None else recipe.learn(prefetch.get(step))
            if not all(np.isfinite(v) for v in terms.values()):
                raise RuntimeError(f"{opts.model}: loss became non-finite at step {step} ({terms})")
            step += 1
            for k, v in terms.items():
                acc.setdefault(k, []).append(v)
            if step % opts.log_every == 0 or step == total:
                keys = _log_row(csv, keys, step, stage["name"], acc)
                progress(step / total, f"{stage['name']} loss {np.mean(acc['loss']):.4g}")
                acc = {}
            out_of_time = (stop_at is not None and time.monotonic() >= stop_at) or (
                opts.stop_after is not None and step >= opts.stop_after
            )
            if step % opts.checkpoint_every == 0 or step == total or out_of_time:
                save_checkpoint(run, recipe, step, rng, cfg, time.monotonic() - t0)
                plot_losses(csv, run / "loss.png")
            if out_of_time:
                break
    finally:
        if prefetch is not None:
            prefetch.close()
    return step


def _hardware(device) -> str:
    import torch

    cpu = f"{platform.machine()}, {os.cpu_count()} cores, {torch_threads()} torch threads"
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}; {cpu}"
    return f"{device.type}: {cpu}"


def teacher_record(model: str, cfg: dict[str, Any], shipped: Path | None) -> dict[str, Any]:
    """The teacher of a distilled network as its weights' metadata keeps it: the file's
    sha256, its config and calibration, and each member's recipe (an ensemble's), so that
    its card can say what it learnt from once the teacher is no longer shipped."""
    from hdr_studio.inference.weights import weights_entry
    from hdr_studio.training.shipped import resolve

    folder, commit = resolve(cfg.get("teacher", "shipped"), model, shipped)
    entry = weights_entry(model, folder) or {}
    meta = entry.get("metadata", {})
    keep = ("config", "calibration", "calibration_set", "members", "training_config", "steps")
    record = {"sha256": entry.get("sha256", "?"), **{k: meta[k] for k in keep if k in meta}}
    if commit:
        record["commit"] = commit
    return record


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def ship(setup: _Setup, opts: TrainOptions, cfg: dict, steps: int, seconds: float) -> Path:
    """Write the network's weights with what made them into ``opts.ship``; a fine-tune
    records the chain of weights it started from (``setup.base_meta``)."""
    from hdr_studio.inference.weights import read_manifest, save_weights

    folder = opts.ship
    assert folder is not None
    recipe, net_cfg, base_meta = setup.recipe, setup.net_cfg, setup.base_meta
    n_params = sum(p.numel() for p in recipe.net.parameters())
    keep_default = (
        read_manifest(folder)["models"].get(opts.model, {}).get("default", False)
        if (folder / "manifest.json").is_file()
        else False
    )
    meta = {
        "model": opts.model,
        "config": json.dumps(net_cfg, sort_keys=True),
        "size": cfg.get("size", "small"),
        "parameters": str(n_params),
        "steps": str(steps),
        "train_seconds": f"{seconds:.0f}",
        "hardware": _hardware(setup.device),
        "train_precision": "bf16 (autocast)" if recipe.amp is not None else "fp32",
        "training_config": json.dumps(cfg, sort_keys=True),
        "vgg": "yes" if opts.vgg else "no (fallback loss)",
        "batch_stream": (
            f"batch k from default_rng([seed, k]), {opts.workers} worker processes"
            if opts.workers
            else "one generator from the seed"
        ),
    }
    if cfg.get("real_share"):  # how many real crops the pool held (data real --count)
        from hdr_studio.training.data.real import training_crops

        crops = training_crops(setup.root, cfg.get("real_added_by"))
        meta["real_crops"] = str(len(crops))
        meta["real_photos"] = str(len({p.stem.rsplit("_", 1)[0] for p in crops}))
    if base_meta:  # the chain of weights this run started from, nearest first
        keys = ("training_config", "steps", "member", "real_crops", "real_photos")
        base = {k: base_meta[k] for k in keys if k in base_meta}
        earlier = json.loads(base_meta.get("fine_tuned_from", "[]"))
        meta["fine_tuned_from"] = json.dumps([base, *earlier])
    if cfg.get("teacher_share"):  # what it was distilled from, for its card
        meta["teacher"] = json.dumps(teacher_record(opts.model, cfg, opts.shipped))
    return save_weights(recipe.net.state_dict(), opts.model, meta, folder, default=keep_default)
