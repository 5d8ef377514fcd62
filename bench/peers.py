"""Published peers on our pair sets, measured as ``hdr-studio eval`` measures our methods.

The peers run from their own published code and weights, kept in a folder outside the
project (nothing of theirs is copied here); clone them next to each other::

    git clone https://github.com/dmarnerides/hdr-expandnet  PEERS/hdr-expandnet   # 2b47572
    git clone https://github.com/AndreGuo/LHDR              PEERS/LHDR            # 5d8ce8c

    .venv/bin/python bench/peers.py --peers PEERS --set DATA/real/evalset
    .venv/bin/python bench/peers.py --peers PEERS --set DATA/evalset

Each peer is run as its own test script runs it (ExpandNet: input mapped to [0, 1], the
``predict`` stitching, output mapped to [0, 1]; LHDR: the bright-mask and quarter-size
conditions, output over its maximum, then ^(1/0.45)). Neither knows the exposure of its
input, so each result is exposure-aligned as any user of theirs would have to: scaled so
that its median ratio to the input's linearised, well-exposed pixels (every channel's code
in 0.05–0.90) is 1. Our own ``none`` is in the table as the baseline.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from hdr_studio.core.clipping import over_mask
from hdr_studio.core.fill import HARD_CLIP
from hdr_studio.core.reader import read_image
from hdr_studio.training import metrics as M
from hdr_studio.training.data.dataset import read_hdr


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(path.parent))
    return mod


def expandnet(folder: Path):
    mod = _module(folder / "model.py", "expandnet_model")
    net = mod.ExpandNet()
    net.load_state_dict(torch.load(folder / "weights.pth", map_location="cpu", weights_only=True))
    net.eval()

    def run(code: np.ndarray) -> np.ndarray:
        x = code.astype(np.float32)
        x = (x - x.min()) / max(float(x.max() - x.min()), 1e-6)  # their map_range
        t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))
        y = net.predict(t, 256).numpy().transpose(1, 2, 0)
        return (y - y.min()) / max(float(y.max() - y.min()), 1e-6)

    return run


def lhdr(folder: Path):
    import cv2

    mod = _module(folder / "network.py", "lhdr_network")
    net = mod.LiteHDRNet(in_nc=3, out_nc=3, nf=32, act_type="leakyrelu")
    net.load_state_dict(torch.load(folder / "params.pth", map_location="cpu", weights_only=True))
    net.eval()

    def run(code: np.ndarray) -> np.ndarray:
        x = code.astype(np.float32)
        s = np.clip((x - 0.9) / 0.1, 0, 1)
        c = cv2.resize(x, (0, 0), fx=0.25, fy=0.25)

        def t(a):
            return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None]

        with torch.no_grad():
            y = net((t(x), t(s), t(c)))[0].float().numpy().transpose(1, 2, 0)
        y = np.maximum(y, 0) / max(float(y.max()), 1e-6)
        return y ** (1 / 0.45)

    return run


def align(pred: np.ndarray, image) -> np.ndarray:
    """``pred`` scaled to the input's exposure on its well-exposed pixels."""
    well = ((image.code > 0.05) & (image.code < 0.90)).all(axis=2)
    p = np.maximum(pred[well], 1e-6)
    s = float(np.median(image.linear[well] / p)) if well.any() else 1.0
    return (pred * s).astype(np.float32)


def measure(set_dir: Path, peers: dict, limit: int | None) -> dict:
    manifest = json.loads((set_dir / "manifest.json").read_text())
    items = manifest["hdr"][:limit] if limit else manifest["hdr"]
    per: dict[str, dict[str, list[float]]] = {}
    secs: dict[str, float] = {}
    for item in items:
        image = read_image(set_dir / "hdr" / f"{item['name']}.png")
        truth = read_hdr(set_dir / "hdr" / f"{item['name']}_truth.exr")
        clipped = over_mask(image.code)
        fully = over_mask(image.code, mode="all")
        partly = clipped & ~fully
        unclipped = ~over_mask(image.code, HARD_CLIP)
        for name, run in peers.items():
            t0 = time.perf_counter()
            hdr = image.linear if run is None else align(run(image.code), image)
            secs[name] = secs.get(name, 0.0) + time.perf_counter() - t0
            mean_stops, top_stops = M.brightness_errors(hdr, truth, clipped)
            r = per.setdefault(name, {})
            for key, val in (
                ("pu21_in", M.pu21_psnr(hdr, truth, clipped) if clipped.any() else np.nan),
                ("pu21_out", M.pu21_psnr(hdr, truth, ~clipped)),
                ("pu21_unclipped", M.pu21_psnr(hdr, truth, unclipped)),
                ("de_partial", M.delta_e_itp(hdr, truth, partly, image.primaries)),
                ("de_full", M.delta_e_itp(hdr, truth, fully, image.primaries)),
                ("bright_mean", mean_stops),
                ("bright_top", top_stops),
            ):
                r.setdefault(key, []).append(val)
    out = {
        m: {k: float(np.nanmean([v for v in vals if np.isfinite(v)])) for k, vals in r.items()}
        for m, r in per.items()
    }
    return {"set": str(set_dir), "pairs": len(items), "methods": out, "seconds": secs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peers", type=Path, required=True, help="folder with the peers' clones")
    ap.add_argument("--set", type=Path, required=True, help="a pair set (manifest.json)")
    ap.add_argument("--limit", type=int, help="only the first N pairs")
    ap.add_argument("-o", "--output", type=Path, help="write the JSON report here")
    args = ap.parse_args()
    torch.set_num_threads(2)
    peers = {
        "none": None,
        "ExpandNet": expandnet(args.peers / "hdr-expandnet"),
        "LHDR": lhdr(args.peers / "LHDR"),
    }
    report = measure(args.set, peers, args.limit)
    cols = [
        "pu21_in",
        "pu21_out",
        "pu21_unclipped",
        "de_partial",
        "de_full",
        "bright_mean",
        "bright_top",
    ]
    print(f"{report['set']}: {report['pairs']} pairs")
    print("| method | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for m, r in report["methods"].items():
        print(f"| {m} | " + " | ".join(f"{r[c]:.2f}" for c in cols) + " |")
    if args.output:
        args.output.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
