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


#: The loss curves' colours (BGR), in column order.
_PALETTE = (
    (200, 60, 30),
    (30, 130, 30),
    (30, 30, 200),
    (160, 30, 160),
    (0, 140, 160),
    (100, 100, 100),
    (20, 90, 200),
)


def plot_losses(csv_path: Path, png_path: Path, width: int = 800, height: int = 400) -> None:
    """Draw every loss column against the step (log y) into a PNG (OpenCV, no matplotlib)."""
    import cv2

    read = _loss_columns(csv_path)
    if read is None:
        return
    steps, cols = read
    img = np.full((height, width, 3), 255, np.uint8)
    box = (60, 20, width - 140, height - 40)  # left, top, right, bottom
    left, top, right, bottom = box
    lo = min(np.nanmin(v) for v in cols.values())
    hi = max(np.nanmax(v) for v in cols.values())
    hi = hi if hi > lo else lo + 1
    x0, x1 = steps.min(), max(steps.max(), steps.min() + 1)
    cv2.rectangle(img, (left, top), (right, bottom), (0, 0, 0), 1)
    for k, (name, v) in enumerate(cols.items()):
        _curve(img, box, steps, v, (x0, x1, lo, hi), name, k)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for f in (0.0, 0.5, 1.0):
        y = int(bottom - f * (bottom - top))
        label = f"{10 ** (lo + f * (hi - lo)):.3g}"
        cv2.putText(img, label, (2, y + 4), font, 0.4, (0, 0, 0), 1)
    cv2.putText(img, f"step {int(x0)}..{int(x1)}", (left, height - 12), font, 0.45, (0, 0, 0), 1)
    cv2.imwrite(str(png_path), img)


def _loss_columns(csv_path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """(steps, log10 of each loss column with two or more positive values) of a losses CSV;
    None while there is too little to draw."""
    if not csv_path.is_file():  # stopped before the first logged step
        return None
    lines = csv_path.read_text().strip().splitlines()
    if len(lines) < 3:
        return None
    header = lines[0].split(",")
    rows = [r.split(",") for r in lines[1:]]
    cols = {}
    for j, name in enumerate(header[2:], start=2):
        v = np.array(
            [float(r[j]) if j < len(r) and r[j] not in ("", "nan") else np.nan for r in rows]
        )
        v = np.where(v > 0, v, np.nan)
        if np.isfinite(v).sum() > 1:
            cols[name] = np.log10(v)
    if not cols:
        return None
    return np.array([float(r[0]) for r in rows]), cols


def _curve(img, box, steps, v, ranges, name: str, k: int) -> None:
    """Loss curve ``k`` (log10 values ``v``), a little smoothed, and its name at the right."""
    import cv2

    left, top, right, bottom = box
    x0, x1, lo, hi = ranges
    col = _PALETTE[k % len(_PALETTE)]
    ok = np.isfinite(v)
    k5 = min(5, len(v))  # smoothed a little so that the curve is readable
    vv = np.convolve(np.nan_to_num(v, nan=np.nanmean(v)), np.ones(k5) / k5, mode="same")
    pts = np.stack(
        [
            left + (steps - x0) / (x1 - x0) * (right - left),
            bottom - (vv - lo) / (hi - lo) * (bottom - top),
        ],
        1,
    )[ok].astype(np.int32)
    cv2.polylines(img, [pts], False, col, 1, cv2.LINE_AA)
    at = (right + 10, top + 18 * (k + 1))
    cv2.putText(img, name, at, cv2.FONT_HERSHEY_SIMPLEX, 0.45, col, 1, cv2.LINE_AA)
