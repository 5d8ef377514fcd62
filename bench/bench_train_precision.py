"""Seconds per training step of the masked recipe in fp32 and under bf16 autocast
(``hdr-studio train --precision``), on this machine's CPU: the recipe's own update
(forward, losses, backward, Adam) on batches of its HDR stage drawn once beforehand from
procedural scenes (drawing is left out: ``--workers`` does it beside the network).

    .venv/bin/python bench/bench_train_precision.py [--widths 16,32] [--batch 8] [--patch 128]
        [--steps 12] [--threads 2]

Prints one line a case: the median of the steps after two warm-up steps.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--widths", default="16,32")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import numpy as np
    import torch

    from hdr_studio.inference.devices import cpu_bf16
    from hdr_studio.inference.masked import MaskedUNet
    from hdr_studio.training.recipes import MaskedRecipe
    from hdr_studio.training.samplers import HdrPool, masked_batch

    torch.set_num_threads(args.threads)
    cfg = {"batch": args.batch, "patch": args.patch}
    pool = HdrPool.load([], synthetic=8, synthetic_seed=0)
    rng = np.random.default_rng(0)
    batches = [masked_batch(pool, None, cfg, rng, "hdr") for _ in range(4)]
    print(f"CPU bf16: {cpu_bf16() or 'emulated'}; {args.threads} threads")
    for width in (int(w) for w in args.widths.split(",")):
        for name, amp in (("fp32", None), ("bf16", torch.bfloat16)):
            torch.manual_seed(0)
            recipe = MaskedRecipe(MaskedUNet(width=width, depth=4), cfg, torch.device("cpu"), None)
            recipe.amp = amp
            recipe.make_optimisers(1e-4)
            times = []
            for k in range(args.steps + 2):
                t0 = time.perf_counter()
                recipe.learn(batches[k % len(batches)])
                times.append(time.perf_counter() - t0)
            print(
                f"masked width {width}, batch {args.batch}x{args.patch}^2, {name}: "
                f"{statistics.median(times[2:]):.3f} s/step"
            )


if __name__ == "__main__":
    main()
