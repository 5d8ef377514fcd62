"""Post-training calibration of the shipped networks on the validation split.

A network trained on little data is often right about *where* to change a clipped pixel and
over-confident about *how much*. The gains of :class:`~hdr_studio.inference.registry.
Calibration` scale that change: the HDR estimate's log ratio to the clipped measurement
(``hdr``), and the SDR declipper's change at the top and bottom clip (``over``, ``under``).
They are fitted here by grid search on the validation set (``data/valset``: other render
seeds, the Plasma wallpaper photos — never trained on and disjoint from the held-out
evaluation set), each for the figure ``hdr-studio eval`` reports:

* ``hdr``: the mean PU21-PSNR inside the clipped region;
* ``over`` / ``under``: the mean PSNR of the declipped SDR output.

Of the grid points within ``TOLERANCE_DB`` of the best figure, the one closest to the raw
network (gains 1) is kept: near-ties go to the network, not to doing nothing. The HDR gain
also answers to how bright the clipped regions come back (issue #28: highlights came back
2–4× too dark): of the gains within ``HDR_TOLERANCE_DB`` of the best PU21, the one whose
brightest 1 % comes closest to the truth's (in stops) is kept.

The chosen gains are written into the weights' metadata (key ``calibration``) and the
manifest's digest is updated; inference applies them in :meth:`ModelSpec.finish`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.core.jobs import ProgressFn, no_progress
from hdr_studio.core.result import ModelResult

HDR_GAINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5)
SDR_GAINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
TOLERANCE_DB = 0.05
#: How much PU21 inside the clipped region the HDR gain may give up for brightness.
HDR_TOLERANCE_DB = 0.1


def pick(means: dict, distance) -> Any:
    """The key of ``means`` (figure per grid point) closest to the raw network by
    ``distance`` among those within :data:`TOLERANCE_DB` of the best."""
    best = max(means.values())
    near = [k for k, v in means.items() if v >= best - TOLERANCE_DB]
    return min(near, key=lambda k: (distance(k), -means[k]))


def pick_hdr(means: dict[float, float], top_error: dict[float, float]) -> float:
    """The HDR gain: of those within :data:`HDR_TOLERANCE_DB` of the best mean PU21
    (``means``), the one with the smallest brightest-1 % error (``top_error``, stops, ≥ 0);
    ties go to the gain closest to 1."""
    best = max(means.values())
    near = [g for g, v in means.items() if v >= best - HDR_TOLERANCE_DB]
    return min(near, key=lambda g: (round(top_error.get(g, 0.0), 3), abs(g - 1)))


def _pairs(set_dir: Path, kind: str) -> list[dict[str, Any]]:
    return json.loads((set_dir / "manifest.json").read_text())[kind]


def _sdr_scores(outs: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Mean PSNR and SSIM of (output, target) code-value pairs."""
    from hdr_studio.training import metrics as M

    return {
        "psnr": float(np.mean([M.psnr(o, t) for o, t in outs])),
        "ssim": float(np.mean([M.ssim(o, t) for o, t in outs])),
    }


def _sdr(result: ModelResult, name: str) -> np.ndarray:
    """``result``'s SDR image: ``name`` gives SDR, so it is there."""
    assert result.sdr is not None, f"{name} gives SDR but returned none"
    return result.sdr


def calibrate(
    name: str,
    set_dir: Path,
    folder: Path | None = None,
    device: str = "auto",
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Fit the gains of model ``name`` on the pair set ``set_dir``; returns the report
    (gains, the figure at each grid point, raw and calibrated)."""
    from hdr_studio.core.fill import RAW
    from hdr_studio.inference.pipeline import load_model

    progress = progress or no_progress
    if not (set_dir / "manifest.json").is_file():
        raise FileNotFoundError(f"no validation set at {set_dir} (run: hdr-studio data valset)")
    model = load_model(name, device, folder)
    kind = model.spec.kind
    hdr_items = _pairs(set_dir, "hdr") if kind.gives_hdr else []
    sdr_items = _pairs(set_dir, "sdr") if kind.gives_sdr else []
    total = max(1, len(hdr_items) + len(sdr_items))
    report: dict[str, Any] = {"model": name, "set": str(set_dir)}
    gains = {"hdr": RAW.hdr, "over": RAW.over, "under": RAW.under}
    if hdr_items:
        step = _counted(progress, 0, total)
        fitted = _fit_hdr(model, name, set_dir, hdr_items, step, report)
        if fitted is not None:
            gains["hdr"] = fitted
    if sdr_items:
        step = _counted(progress, len(hdr_items), total)
        gains["over"], gains["under"] = _fit_sdr(model, name, set_dir, sdr_items, step, report)
    progress(1.0, "done")
    report["gains"] = gains
    return report


def _counted(progress: ProgressFn, before: int, total: int) -> Callable[[int, str], None]:
    """``step(i, message)``: pair ``i`` of a part that starts after ``before`` of ``total``."""
    return lambda i, message: progress((before + i) / total, message)


def _fit_hdr(model, name: str, set_dir: Path, items: list[dict], step, report: dict):
    """The HDR gain that :func:`pick_hdr` chooses over :data:`HDR_GAINS` (None: no pair
    clipped); the PU21 and brightness at each gain go into ``report``."""
    from hdr_studio.core.clipping import over_mask
    from hdr_studio.core.fill import Calibration
    from hdr_studio.core.reader import read_image
    from hdr_studio.inference.pipeline import run_network
    from hdr_studio.training import metrics as M
    from hdr_studio.training.data.dataset import read_hdr

    scores: dict[float, list[float]] = {g: [] for g in HDR_GAINS}
    # how bright the clipped regions come back at each gain (stops: mean, brightest 1 %)
    bright: dict[float, list[tuple[float, float]]] = {g: [] for g in HDR_GAINS}
    for i, item in enumerate(items):
        image = read_image(set_dir / "hdr" / f"{item['name']}.png")
        truth = read_hdr(set_dir / "hdr" / f"{item['name']}_truth.exr")
        clipped = over_mask(image.code)
        step(i, f"{name} {item['name']}")
        if not clipped.any():
            continue
        out = run_network(model, image)
        for g in HDR_GAINS:
            hdr = model.spec.finish(out, image, Calibration(hdr=g)).hdr
            assert hdr is not None, f"{name} gives HDR but returned none"
            scores[g].append(M.pu21_psnr(hdr, truth, clipped))
            bright[g].append(M.brightness_errors(hdr, truth, clipped))
    means = {g: float(np.mean(v)) for g, v in scores.items() if v}
    if not means:
        return None
    top = {g: abs(float(np.nanmean([b[1] for b in v]))) for g, v in bright.items() if v}
    report["pu21_in"] = {str(g): round(v, 3) for g, v in means.items()}
    report["brightness_in"] = {
        str(g): [round(float(np.nanmean([b[k] for b in v])), 3) for k in (0, 1)]
        for g, v in bright.items()
        if v
    }
    return pick_hdr(means, top)


def _fit_sdr(
    model, name: str, set_dir: Path, items: list[dict], step, report: dict
) -> tuple[float, float]:
    """The (over, under) gains with the best PSNR over the :data:`SDR_GAINS` grid (ties go to
    the pair nearest 1); the grid's PSNRs and the raw, calibrated and input scores go into
    ``report``."""
    from hdr_studio.core.fill import RAW, Calibration
    from hdr_studio.core.reader import read_image
    from hdr_studio.core.transfer import srgb_encode
    from hdr_studio.inference.pipeline import run_network
    from hdr_studio.training import metrics as M
    from hdr_studio.training.data.dataset import read_hdr

    pairs = []
    for i, item in enumerate(items):
        image = read_image(set_dir / "sdr" / f"{item['name']}.png")
        target = read_hdr(set_dir / "sdr" / f"{item['name']}_target.exr")
        step(i, f"{name} {item['name']}")
        pairs.append((image, target, run_network(model, image)))

    def coded(cal: Calibration) -> list[tuple[np.ndarray, np.ndarray]]:
        return [
            (srgb_encode(_sdr(model.spec.finish(out, image, cal), name)), target)
            for image, target, out in pairs
        ]

    means = {}
    for o in SDR_GAINS:
        for u in SDR_GAINS:
            vals = [M.psnr(code, target) for code, target in coded(Calibration(over=o, under=u))]
            means[(o, u)] = float(np.mean(vals))
    best = pick(means, lambda k: abs(k[0] - 1) + abs(k[1] - 1))
    report["sdr_psnr"] = {f"{o},{u}": round(v, 3) for (o, u), v in means.items()}
    for label, cal in (("raw", RAW), ("calibrated", Calibration(over=best[0], under=best[1]))):
        report[f"sdr_{label}"] = _sdr_scores(coded(cal))
    report["sdr_input"] = _sdr_scores([(image.code, target) for image, target, _ in pairs])
    return best


def write_calibration(
    name: str, gains: dict[str, float], folder: Path | None = None, set_dir: Path | None = None
) -> Path:
    """Store ``gains`` in ``name``'s weights metadata (rewritten atomically, manifest digest
    updated, default flag kept), and which pair set they were fitted on (``set_dir``:
    ``valset`` or ``real/valset``, named in the model card)."""
    from hdr_studio.core.fill import Calibration
    from hdr_studio.inference.weights import load_weights, models_dir, read_manifest, save_weights

    folder = folder or models_dir()
    state, meta = load_weights(name, folder)
    default = bool(read_manifest(folder)["models"][name].get("default"))
    meta["calibration"] = Calibration(**gains).to_metadata()
    if set_dir is not None:
        parts = Path(set_dir).parts
        folder_name = parts[-1]  # before the len test (pyright reads parts as () past it)
        meta["calibration_set"] = (
            "real/valset" if len(parts) > 1 and parts[-2] == "real" else folder_name
        )
    return save_weights(state, name, meta, folder, default=default)
