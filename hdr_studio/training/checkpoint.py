"""A training run's checkpoint (``checkpoint.safetensors`` + ``checkpoint.json``: every
network's and optimiser's tensors, the torch and numpy generators' states, the config; no
pickles, so a checkpoint cannot run code when loaded) and its loss curves (``loss.png``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np


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
