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
    vgg: Path | None = None
    ship: Path | None = None
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


# -- checkpoints ------------------------------------------------------------------------


def _flatten_optimiser(prefix: str, opt) -> tuple[dict[str, Any], dict[str, Any]]:
    import torch

    sd = opt.state_dict()
    tensors, meta = {}, {"param_groups": sd["param_groups"], "state": {}}
    for idx, st in sd["state"].items():
        meta["state"][str(idx)] = {}
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"{prefix}.{idx}.{k}"] = v.detach().cpu().contiguous()
            else:
                meta["state"][str(idx)][k] = v
    return tensors, meta


def _unflatten_optimiser(prefix: str, opt, tensors: dict[str, Any], meta: dict[str, Any]) -> None:
    state: dict[int, dict[str, Any]] = {}
    for idx, extra in meta["state"].items():
        state[int(idx)] = dict(extra)
    for k, v in tensors.items():
        if k.startswith(prefix + "."):
            _, idx, name = k.split(".", 2)
            state.setdefault(int(idx), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_checkpoint(
    run: Path, recipe, step: int, rng: np.random.Generator, cfg: dict, elapsed: float
) -> None:
    import torch
    from safetensors.torch import save_file

    tensors: dict[str, Any] = {}
    for name, mod in recipe.modules().items():
        for k, v in mod.state_dict().items():
            tensors[f"module.{name}.{k}"] = v.detach().cpu().contiguous()
    opt_meta = {}
    for name, opt in recipe.optims.items():
        t, m = _flatten_optimiser(f"optim-{name}", opt)
        tensors.update(t)
        opt_meta[name] = m
    tensors["torch_rng"] = torch.get_rng_state()
    state = {
        "step": step,
        "elapsed_s": elapsed,
        "rng": rng.bit_generator.state,
        "optimisers": opt_meta,
        "config": cfg,
    }
    tmp_t, tmp_j = run / ".checkpoint.safetensors.tmp", run / ".checkpoint.json.tmp"
    save_file(tensors, str(tmp_t))
    tmp_j.write_text(json.dumps(state))
    os.replace(tmp_t, run / "checkpoint.safetensors")
    os.replace(tmp_j, run / "checkpoint.json")


def load_checkpoint(run: Path, recipe, rng: np.random.Generator) -> tuple[int, float]:
    import torch
    from safetensors.torch import load_file

    tensors = load_file(str(run / "checkpoint.safetensors"))
    state = json.loads((run / "checkpoint.json").read_text())
    for name, mod in recipe.modules().items():
        p = f"module.{name}."
        mod.load_state_dict({k[len(p) :]: v for k, v in tensors.items() if k.startswith(p)})
    for name, opt in recipe.optims.items():
        _unflatten_optimiser(f"optim-{name}", opt, tensors, state["optimisers"][name])
    torch.set_rng_state(tensors["torch_rng"])
    rng.bit_generator.state = state["rng"]
    return int(state["step"]), float(state["elapsed_s"])


# -- logs -------------------------------------------------------------------------------


def plot_losses(csv_path: Path, png_path: Path, width: int = 800, height: int = 400) -> None:
    """Draw every loss column against the step (log y) into a PNG (OpenCV, no matplotlib)."""
    import cv2

    if not csv_path.is_file():  # stopped before the first logged step
        return
    lines = csv_path.read_text().strip().splitlines()
    if len(lines) < 3:
        return
    header = lines[0].split(",")
    rows = [r.split(",") for r in lines[1:]]
    img = np.full((height, width, 3), 255, np.uint8)
    left, right, top, bottom = 60, width - 140, 20, height - 40
    steps = np.array([float(r[0]) for r in rows])
    cols = {}
    for j, name in enumerate(header[2:], start=2):
        v = np.array(
            [float(r[j]) if j < len(r) and r[j] not in ("", "nan") else np.nan for r in rows]
        )
        v = np.where(v > 0, v, np.nan)
        if np.isfinite(v).sum() > 1:
            cols[name] = np.log10(v)
    if not cols:
        return
    lo = min(np.nanmin(v) for v in cols.values())
    hi = max(np.nanmax(v) for v in cols.values())
    hi = hi if hi > lo else lo + 1
    x0, x1 = steps.min(), max(steps.max(), steps.min() + 1)
    cv2.rectangle(img, (left, top), (right, bottom), (0, 0, 0), 1)
    palette = [
        (200, 60, 30),
        (30, 130, 30),
        (30, 30, 200),
        (160, 30, 160),
        (0, 140, 160),
        (100, 100, 100),
        (20, 90, 200),
    ]
    for k, (name, v) in enumerate(cols.items()):
        col = palette[k % len(palette)]
        ok = np.isfinite(v)
        # Smooth a little so the curve is readable.
        k5 = min(5, len(v))
        vv = np.convolve(np.nan_to_num(v, nan=np.nanmean(v)), np.ones(k5) / k5, mode="same")
        pts = np.stack(
            [
                left + (steps - x0) / (x1 - x0) * (right - left),
                bottom - (vv - lo) / (hi - lo) * (bottom - top),
            ],
            1,
        )[ok].astype(np.int32)
        cv2.polylines(img, [pts], False, col, 1, cv2.LINE_AA)
        cv2.putText(
            img,
            name,
            (right + 10, top + 18 * (k + 1)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45,
            col,
            1,
            cv2.LINE_AA,
        )
    for f in (0.0, 0.5, 1.0):
        y = int(bottom - f * (bottom - top))
        cv2.putText(
            img,
            f"{10 ** (lo + f * (hi - lo)):.3g}",
            (2, y + 4),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.4,
            (0, 0, 0),
            1,
        )
    cv2.putText(
        img,
        f"step {int(x0)}..{int(x1)}",
        (left, height - 12),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.45,
        (0, 0, 0),
        1,
    )
    cv2.imwrite(str(png_path), img)


# -- batches drawn in worker processes ---------------------------------------------------

#: What a worker process draws from: the recipe's drawer, its data pools and config.
_WORKER: dict[str, Any] = {}


def _worker_init(drawer, hdr, photos, cfg: dict) -> None:
    import cv2

    cv2.setNumThreads(1)
    _WORKER.update(drawer=drawer, hdr=hdr, photos=photos, cfg=cfg)


def _draw_batch(job: tuple[int, int, str]) -> dict[str, np.ndarray]:
    seed, step, stage = job
    w = _WORKER
    return w["drawer"](w["hdr"], w["photos"], w["cfg"], np.random.default_rng([seed, step]), stage)


class Prefetcher:
    """Batches ``start``…``total − 1`` drawn by ``workers`` processes (started fresh, not
    forked from a process that runs torch and OpenCV threads), at most ``2 × workers``
    ahead of the network; batch k comes from ``default_rng([seed, k])``."""

    def __init__(self, recipe, cfg: dict, seed: int, workers: int, start: int, total: int):
        import multiprocessing
        from collections import deque

        self.cfg, self.seed, self.total = cfg, seed, total
        self.next, self.depth = start, 2 * workers
        self.pending: deque = deque()
        self.pool = multiprocessing.get_context("spawn").Pool(
            workers,
            initializer=_worker_init,
            initargs=(type(recipe).drawer, recipe.hdr, recipe.photos, cfg),
        )

    def get(self, step: int) -> dict[str, np.ndarray]:
        while len(self.pending) < self.depth and self.next < self.total:
            job = (self.seed, self.next, _stage_at(self.cfg, self.next)["name"])
            self.pending.append((self.next, self.pool.apply_async(_draw_batch, (job,))))
            self.next += 1
        k, res = self.pending.popleft()
        assert k == step, f"prefetched batch {k} for step {step}"
        return res.get()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


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


def _stage_at(cfg: dict, step: int) -> dict:
    n = 0
    for s in cfg["stages"]:
        n += int(s["steps"])
        if step < n:
            return s
    return cfg["stages"][-1]


def _init_weights(net, model: str, init: str) -> dict[str, str]:
    """Start from trained weights (a fine-tune): ``shipped`` (the weights the package ships
    for ``model``) or a models folder holding them. A checkpoint, when the run has one,
    replaces them."""
    from hdr_studio.inference.weights import load_weights

    folder = None if init == "shipped" else Path(init)
    state, meta = load_weights(model, folder)
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"init {init!r}: the weights do not fit this config ({exc})") from None
    return meta


def train(opts: TrainOptions, progress: ProgressFn | None = None) -> dict[str, Any]:
    import torch

    from hdr_studio.inference import specs as _specs  # noqa: F401  (registers the models)
    from hdr_studio.inference.devices import resolve_device
    from hdr_studio.inference.registry import get_spec
    from hdr_studio.training.data.dataset import data_root, render_paths
    from hdr_studio.training.data.photos import photo_paths
    from hdr_studio.training.data.real import real_paths
    from hdr_studio.training.losses import VGGFeatures
    from hdr_studio.training.recipes import RECIPES
    from hdr_studio.training.samplers import HdrPool, PhotoPool

    progress = progress or no_progress
    cfg = load_config(opts)
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
    rng = np.random.default_rng(seed)
    spec = get_spec(opts.model)
    net_cfg = dict(spec.configs[cfg.get("size", "small")], **cfg.get("net", {}))
    net = spec.build(net_cfg)
    base_meta = _init_weights(net, opts.model, cfg["init"]) if cfg.get("init") else None
    vgg = VGGFeatures.from_file(opts.vgg) if opts.vgg else None
    recipe = RECIPES[opts.model](net, cfg, device, vgg)
    root = data_root(opts.data)
    if recipe.needs_hdr and not render_paths(root, "train"):
        raise ValueError(
            f"no rendered HDR scenes in {root / 'renders' / 'train'} (run: hdr-studio data render)"
        )
    if recipe.needs_photos and not photo_paths(root, "train"):
        raise ValueError(f"no photos in {root / 'photos' / 'train'} (run: hdr-studio data photos)")
    if recipe.needs_hdr:
        share = float(cfg.get("real_share", 0.0))
        recipe.hdr = HdrPool.load(
            render_paths(root, "train")[: cfg.get("renders", None)],
            synthetic=int(cfg.get("synthetic", 0)),
            synthetic_seed=int(cfg.get("synthetic_seed", 0)),
            extra=int(cfg.get("synthetic_extra", 0)),
            real=real_paths(root, "train") if share > 0 else (),
            real_share=share,
        )
    if recipe.needs_photos:
        recipe.photos = PhotoPool.load(photo_paths(root, "train"))
    recipe.make_optimisers(float(cfg["stages"][0]["lr"]))
    total = sum(int(s["steps"]) for s in cfg["stages"])

    run = opts.out or Path("runs") / opts.model
    run.mkdir(parents=True, exist_ok=True)
    step, elapsed = 0, 0.0
    if (run / "checkpoint.safetensors").is_file():
        step, elapsed = load_checkpoint(run, recipe, rng)
    csv = run / "loss.csv"
    keys: list[str] = []
    if csv.is_file() and step > 0:
        keys = csv.read_text().splitlines()[0].split(",")[2:]
        # Drop rows logged after the checkpoint (an interrupted run repeats them).
        rows = [r for r in csv.read_text().splitlines()[1:] if int(r.split(",")[0]) <= step]
        csv.write_text("\n".join([",".join(["step", "stage", *keys]), *rows]) + "\n")
    t0 = time.monotonic() - elapsed
    prefetch = (
        Prefetcher(recipe, cfg, seed, opts.workers, step, total) if opts.workers > 0 else None
    )
    try:
        stop_at = None if opts.minutes is None else time.monotonic() + 60 * opts.minutes
        acc: dict[str, list[float]] = {}
        current = None
        while step < total:
            stage = _stage_at(cfg, step)
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
    result: dict[str, Any] = {
        "step": step,
        "total": total,
        "checkpoint": str(run / "checkpoint.safetensors"),
    }
    if step >= total and opts.ship is not None:
        result["shipped"] = str(
            ship(recipe, opts, cfg, net_cfg, step, time.monotonic() - t0, device, root, base_meta)
        )
    return result


def _hardware(device) -> str:
    import torch

    cpu = f"{platform.machine()}, {os.cpu_count()} cores, {torch_threads()} torch threads"
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}; {cpu}"
    return f"{device.type}: {cpu}"


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def ship(
    recipe,
    opts: TrainOptions,
    cfg: dict,
    net_cfg: dict,
    steps: int,
    seconds: float,
    device,
    root: Path,
    base_meta: dict[str, str] | None = None,
) -> Path:
    """Write the network's weights with what made them into ``opts.ship``; a fine-tune
    (``base_meta``: the metadata of the weights it started from) records its base."""
    from hdr_studio.inference.weights import read_manifest, save_weights

    folder = opts.ship
    assert folder is not None
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
        "hardware": _hardware(device),
        "training_config": json.dumps(cfg, sort_keys=True),
        "vgg": "yes" if opts.vgg else "no (fallback loss)",
        "batch_stream": (
            f"batch k from default_rng([seed, k]), {opts.workers} worker processes"
            if opts.workers
            else "one generator from the seed"
        ),
    }
    if base_meta:  # the chain of weights this run started from, nearest first
        base = {k: base_meta[k] for k in ("training_config", "steps") if k in base_meta}
        earlier = json.loads(base_meta.get("fine_tuned_from", "[]"))
        meta["fine_tuned_from"] = json.dumps([base, *earlier])
    return save_weights(recipe.net.state_dict(), opts.model, meta, folder, default=keep_default)
