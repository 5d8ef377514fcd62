"""Brighter highlights by expanding the fill's own contrast? — the experiment behind
bench/QUALITY.md, "Expanding the fill's own range: tried".

    HDR_STUDIO_DATA=data .venv/bin/python bench/experiments/peak_expand_experiment.py [SET]

The rim-distance lift (``peak_shape_experiment.py``) raises lamps and soft boxes alike. This
one leaves the network's ordering alone and stretches it: inside the clipped region a pixel
the network filled at r times its linearised input becomes r**γ times it (γ > 1), so a fill
just above the clip stays near it while a fill the network already made bright (a lamp, the
sun) gains most. Scored as ``hdr-studio eval`` scores, on the real validation pairs (SET,
default ``data/real/valset``) or any pair set. About 2 minutes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "experiments"))

GAMMAS = (1.1, 1.25, 1.5, 2.0)


def expand(hdr: np.ndarray, lin: np.ndarray, clipped: np.ndarray, gamma: float) -> np.ndarray:
    from hdr_studio.training import metrics as M

    ratio = M.luminance(hdr) / np.maximum(M.luminance(lin), np.float32(1e-6))
    lift = np.where(clipped & (ratio > 1), ratio ** np.float32(gamma - 1), np.float32(1))
    return hdr * lift[..., None].astype(np.float32)


def main() -> None:
    from peak_shape_experiment import load, score_with

    from hdr_studio.training.data.dataset import data_root

    set_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else data_root() / "real" / "valset"
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    pairs = load(set_dir)

    def score(gamma: float) -> tuple[float, float, float]:
        if gamma == 1:
            return score_with(pairs, lambda p: p[0])
        return score_with(pairs, lambda p: expand(p[0], p[4], p[2], gamma))

    base = score(1.0)
    print(f"{len(pairs)} pairs; default: PU21 in {base[0]:.2f} dB, {base[1]:+.2f}, {base[2]:+.2f}")
    print("\n| γ | PU21 in vs default | brightness in | brightest 1 % |\n|---|---|---|---|")
    for g in GAMMAS:
        pu, mean, top = score(g)
        print(f"| {g:g} | {pu - base[0]:+.2f} dB | {mean:+.2f} | {top:+.2f} |")


if __name__ == "__main__":
    main()
