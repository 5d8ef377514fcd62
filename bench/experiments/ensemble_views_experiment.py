"""Cheap ways to get more from the shipped ensemble's members? — the experiment behind
bench/QUALITY.md, "A fourth network, and three used differently".

    HDR_STUDIO_DATA=data .venv/bin/python bench/experiments/ensemble_views_experiment.py \
        SET FOLDER FOLDER FOLDER [--cache DIR] [--partly 0.8,1.2]

Each FOLDER holds one member network (a models folder with its weights and calibration).
Every member's result on every HDR pair of SET is computed once and cached as .npy (shared
with ensemble_experiment.py's cache for the unmirrored results). Scored as ``hdr-studio
eval`` scores, each row is the mean of the members' log(1 + H) (the ensemble's rule):

* ``no mirrors``: every member on the photo (what the ensemble does);
* ``member k on mirror k``: the first member on the photo, the second on its left–right
  mirror, the third upside down (each result mirrored back), for the same time: do the
  members disagree more, and average better, when they see different views?
* ``first member at weight w``: the first member's share of the log mean (the others share
  the rest equally);
* ``partly clipped × s``: in pixels with one or two channels clipped, the clipped channels'
  excess over their measurement scaled by s: is the fill there too bright or too dark?
* ``lift k × spread``: the log mean raised by k times the members' standard deviation in
  log(1 + H) (where they disagree, is the truth brighter?); printed with the correlation of
  that spread with the residual log(1 + Y) − mean over the clipped pixels.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ensemble_experiment import member_results, row, score  # noqa: E402  (a sibling script)

_VIEWS = ((), (1,), (0,))


def results(set_dir: Path, folder: Path, axes: tuple[int, ...], cache: Path) -> list[np.ndarray]:
    """The member network in ``folder`` on every HDR pair of ``set_dir``, run on the
    ``axes`` mirror of each photo (cached with ensemble_experiment.py's results)."""
    return member_results(set_dir, f"masked={folder}", cache, axes)


def log_mean(members: list[list[np.ndarray]], weights: list[float]) -> list[np.ndarray]:
    n = len(members[0])
    return [
        np.expm1(
            sum(w * np.log1p(np.maximum(m[i], 0)) for m, w in zip(members, weights, strict=True))
        ).astype(np.float32)
        for i in range(n)
    ]


def _log_stats(members: list[list[np.ndarray]], i: int) -> tuple[np.ndarray, np.ndarray]:
    logs = np.stack([np.log1p(np.maximum(m[i], 0)) for m in members])
    return logs.mean(0), logs.std(0)


def lifted(members: list[list[np.ndarray]], k: float) -> list[np.ndarray]:
    out = []
    for i in range(len(members[0])):
        mean, spread = _log_stats(members, i)
        out.append(np.expm1(mean + np.float32(k) * spread).astype(np.float32))
    return out


def spread_correlation(set_dir: Path, members: list[list[np.ndarray]]) -> float:
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.data.dataset import read_hdr
    from hdr_studio.training.evaluate import _regions

    items = json.loads((set_dir / "manifest.json").read_text())["hdr"]
    resid, spreads = [], []
    for i, item in enumerate(items):
        clipped = _regions(read_image(set_dir / "hdr" / f"{item['name']}.png").code)["clipped"]
        if not clipped.any():
            continue
        truth = read_hdr(set_dir / "hdr" / f"{item['name']}_truth.exr")
        mean, spread = _log_stats(members, i)
        resid.append((np.log1p(np.maximum(truth, 0)) - mean)[clipped].ravel())
        spreads.append(spread[clipped].ravel())
    return float(np.corrcoef(np.concatenate(resid), np.concatenate(spreads))[0, 1])


def partly_scaled(set_dir: Path, results_: list[np.ndarray], s: float) -> list[np.ndarray]:
    from hdr_studio.core.clipping import DEFAULT_OVER
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.evaluate import _regions

    items = json.loads((set_dir / "manifest.json").read_text())["hdr"]
    out = []
    for item, hdr in zip(items, results_, strict=True):
        image = read_image(set_dir / "hdr" / f"{item['name']}.png")
        chan = (image.code >= DEFAULT_OVER) & _regions(image.code)["partly"][..., None]
        lo = np.where(chan, image.linear, 0).astype(np.float32)
        out.append(np.where(chan, lo + (hdr - lo) * np.float32(s), hdr).astype(np.float32))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("set", type=Path)
    p.add_argument("members", nargs=3, type=Path)
    p.add_argument("--cache", type=Path, default=Path("/tmp/hdr-ensemble-cache"))
    p.add_argument("--weights", default="0.15,0.25")
    p.add_argument("--partly", default="0.8,1.2")
    p.add_argument("--lift", default="0.5,1,2")
    a = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    plain = [results(a.set, f, (), a.cache) for f in a.members]
    equal = [1 / 3] * 3
    print(f"{a.set}: {len(plain[0])} pairs")
    print("\n| result | PU21 in | PU21 out | ΔE partly / fully | brightness in | brightest 1 % |")
    print("|---|---|---|---|---|---|")
    ensemble = log_mean(plain, equal)
    print(row("no mirrors", score(a.set, ensemble)), flush=True)
    views = [results(a.set, f, v, a.cache) for f, v in zip(a.members, _VIEWS, strict=True)]
    print(row("member k on mirror k", score(a.set, log_mean(views, equal))), flush=True)
    for w in (float(x) for x in a.weights.split(",")):
        ws = [w, (1 - w) / 2, (1 - w) / 2]
        print(row(f"first member at weight {w:g}", score(a.set, log_mean(plain, ws))), flush=True)
    for s in (float(x) for x in a.partly.split(",")):
        print(row(f"partly clipped × {s:g}", score(a.set, partly_scaled(a.set, ensemble, s))))
    corr = spread_correlation(a.set, plain)
    for k in (float(x) for x in a.lift.split(",")):
        print(row(f"lift {k:g} × spread", score(a.set, lifted(plain, k))), flush=True)
    print(f"\ncorrelation of the members' spread with the residual, clipped pixels: {corr:.3f}")


if __name__ == "__main__":
    main()
