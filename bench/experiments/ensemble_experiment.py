"""Two networks' fills averaged? — the experiment behind bench/QUALITY.md, "Averaging two
networks' fills".

    HDR_STUDIO_DATA=data .venv/bin/python bench/experiments/ensemble_experiment.py \
        SET MEMBER MEMBER [--weights 0.25,0.5,0.75] [--cache DIR]

A MEMBER is ``METHOD`` (shipped weights: ``masked``, ``classical``) or ``METHOD=FOLDER`` (a
models folder holding that network's weights and calibration, e.g. a training run's
``models``). Averaging two networks' weights fails when they were trained from separate
starts (QUALITY.md, "model soup"); averaging their *results* does not need a shared start.
Each member's result on every pair of SET is computed once (and cached under ``--cache`` as
.npy, so further blends cost nothing), then blends are scored as ``hdr-studio eval`` scores:
w · log(first) + (1 − w) · log(second) per channel (a geometric mean: measured pixels, equal
in both, stay exact) and the plain linear mean at w = 0.5. About 1 minute a member on the
120 real validation pairs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FIGURES = ("pu21_in", "pu21_out", "de_partial", "de_full", "bright_mean", "bright_top")


def member_results(
    set_dir: Path, member: str, cache: Path, axes: tuple[int, ...] = ()
) -> list[np.ndarray]:
    """The member's HDR result on every HDR pair of ``set_dir`` (cached); with ``axes``, run
    on that mirror of each photo and mirrored back."""
    from hdr_studio.api.engine import run_method
    from hdr_studio.core.reader import read_image
    from hdr_studio.inference.pipeline import _mirror, _unmirror

    method, _, folder = member.partition("=")
    key = hashlib.sha256(f"{set_dir.resolve()}|{member}".encode()).hexdigest()[:12]
    tag = "" if not axes else "-flip" + "".join(map(str, axes))
    where = cache / f"{method}-{key}{tag}"
    where.mkdir(parents=True, exist_ok=True)
    items = json.loads((set_dir / "manifest.json").read_text())["hdr"]
    out = []
    for item in items:
        f = where / f"{item['name']}.npy"
        if f.is_file():
            out.append(np.load(f))
            continue
        image = read_image(set_dir / "hdr" / f"{item['name']}.png")
        models = Path(folder) if folder else None
        hdr = run_method(_mirror(image, axes), method, device="cpu", models=models).hdr
        assert hdr is not None
        hdr = np.asarray(_unmirror(hdr, axes), np.float32)
        np.save(f, hdr)
        out.append(hdr)
    return out


def score(set_dir: Path, results: list[np.ndarray]) -> dict[str, float]:
    """Mean figures of ``results`` against the truths of ``set_dir`` (as ``hdr-studio eval``)."""
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.data.dataset import read_hdr
    from hdr_studio.training.evaluate import _hdr_scores, _mean, _regions

    items = json.loads((set_dir / "manifest.json").read_text())["hdr"]
    per: dict[str, list[float]] = {}
    for item, hdr in zip(items, results, strict=True):
        image = read_image(set_dir / "hdr" / f"{item['name']}.png")
        truth = read_hdr(set_dir / "hdr" / f"{item['name']}_truth.exr")
        for k, v in _hdr_scores(hdr, truth, _regions(image.code), image.primaries).items():
            per.setdefault(k, []).append(v)
    return {k: _mean(per[k]) for k in FIGURES}


def geometric(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    eps = np.float32(1e-6)
    la = np.log(np.maximum(a, eps))
    lb = np.log(np.maximum(b, eps))
    return np.exp(np.float32(w) * la + np.float32(1 - w) * lb).astype(np.float32)


def row(name: str, s: dict[str, float]) -> str:
    return (
        f"| {name} | {s['pu21_in']:.2f} | {s['pu21_out']:.2f} | {s['de_partial']:.2f} / "
        f"{s['de_full']:.2f} | {s['bright_mean']:+.2f} | {s['bright_top']:+.2f} |"
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("set", type=Path)
    p.add_argument("members", nargs="+")
    p.add_argument("--weights", default="0.25,0.5,0.75")
    p.add_argument("--cache", type=Path, default=Path("/tmp/hdr-ensemble-cache"))
    a = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    res = {m: member_results(a.set, m, a.cache) for m in ["none", *a.members]}
    print(f"{a.set}: {len(res['none'])} pairs")
    print("\n| result | PU21 in | PU21 out | ΔE partly / fully | brightness in | brightest 1 % |")
    print("|---|---|---|---|---|---|")
    for m, r in res.items():
        print(row(m, score(a.set, r)), flush=True)
    first, second = a.members[0], a.members[1]
    for w in (float(x) for x in a.weights.split(",")):
        blend = [geometric(x, y, w) for x, y in zip(res[first], res[second], strict=True)]
        print(row(f"geometric, {w:g} first", score(a.set, blend)), flush=True)
    linear = [(x + y) / 2 for x, y in zip(res[first], res[second], strict=True)]
    print(row("linear mean", score(a.set, linear)), flush=True)
    if len(a.members) > 2:
        all_logs = [
            np.exp(np.mean([np.log(np.maximum(res[m][i], 1e-6)) for m in a.members], axis=0))
            for i in range(len(res["none"]))
        ]
        print(row(f"geometric, all {len(a.members)} equal", score(a.set, all_logs)), flush=True)


if __name__ == "__main__":
    main()
