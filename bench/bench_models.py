"""Network benchmarks: parameters, MACs per megapixel, time and peak RSS at 4 and 12 MP.

    .venv/bin/python bench/bench_models.py                 # CPU, small configs, 4 + 12 MP
    .venv/bin/python bench/bench_models.py --config full --sizes 4
    .venv/bin/python bench/bench_models.py --device cuda   # on a GPU machine

Each (model, size) runs in a fresh process through the real job API (prepare → tiled
runner → finish), tile size chosen by the runner, on the sample photo upscaled to size.
Weights are random: timing does not depend on their values. MACs count the networks'
Conv2d/ConvTranspose2d modules (the partial convolutions' mask sums and the contextual
attention's matching are extra and not counted).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def macs_per_megapixel(name: str, config: str) -> float:
    import torch

    from hdr_studio.inference.registry import build_model, get_spec

    net = build_model(name, config).eval()
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        k = mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels // mod.groups
        total += out.numel() * k

    for m in net.modules():
        if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d):
            m.register_forward_hook(hook)
    side = 512
    with torch.inference_mode():
        net(torch.rand(1, get_spec(name).in_channels, side, side))
    return total / (side * side / 1e6)


def run_case(name: str, config: str, megapixels: float, device: str) -> dict:
    import torch
    from bench_core import _image

    from hdr_studio.inference import pipeline
    from hdr_studio.inference.devices import resolve_device
    from hdr_studio.inference.registry import build_model, get_spec

    spec = get_spec(name)
    dev = resolve_device(device)
    torch.manual_seed(0)
    net = build_model(name, config).eval().to(dev)
    loaded = pipeline.LoadedModel(spec, net, spec.configs[config], {}, dev, int(net.stride))
    pipeline._cache[(name, str(dev), "None")] = loaded  # bypass weights: random init
    image = _image(megapixels * 1e6)
    t0 = time.perf_counter()
    pipeline.run_model(image, name, device=device)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    return {
        "model": name,
        "config": config,
        "megapixels": image.width * image.height / 1e6,
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "parameters": sum(p.numel() for p in net.parameters()),
        "gpu_peak_mb": torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description="network benchmarks")
    ap.add_argument("--models", default="declipnet,drht,masked,hybrid")
    ap.add_argument("--config", default="small", choices=("small", "full"))
    ap.add_argument("--sizes", default="4,12", help="megapixels, comma-separated ('' = no timing)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        name, mp = args.case.split(":")
        print(json.dumps(run_case(name, args.config, float(mp), args.device)))
        return 0
    print(f"| model | config | parameters | GMAC / MP | size | time ({args.device}) | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for name in args.models.split(","):
        macs = macs_per_megapixel(name, args.config) / 1e9
        if not args.sizes:
            from hdr_studio.inference.registry import build_model

            params = sum(p.numel() for p in build_model(name, args.config).parameters())
            print(f"| {name} | {args.config} | {params:,} | {macs:.1f} | — | not timed | — |")
            continue
        for mp in args.sizes.split(","):
            cmd = [
                sys.executable,
                __file__,
                "--case",
                f"{name}:{mp}",
                "--config",
                args.config,
                "--device",
                args.device,
            ]
            r = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if r.returncode != 0:
                print(
                    f"| {name} | {args.config} | | {macs:.1f} | {mp} MP | failed: "
                    f"{r.stderr.strip().splitlines()[-1][:80]} | |"
                )
                continue
            d = json.loads(r.stdout.strip().splitlines()[-1])
            print(
                f"| {name} | {args.config} | {d['parameters']:,} | {macs:.1f} | "
                f"{d['megapixels']:.1f} MP | {d['seconds']:.1f} s | {d['peak_rss_mb']:.0f} MB |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
