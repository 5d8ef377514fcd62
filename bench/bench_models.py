"""Network benchmarks: parameters, MACs per megapixel, time and peak RSS at 4 and 12 MP;
and whole-process figures of ``hdr-studio reconstruct`` (JPEG → EXR, medians of runs).

    .venv/bin/python bench/bench_models.py                 # CPU, small configs, 4 + 12 MP
    .venv/bin/python bench/bench_models.py --precision fp32 --sizes 12
    .venv/bin/python bench/bench_models.py --config full --sizes 4
    .venv/bin/python bench/bench_models.py --device cuda   # on a GPU machine
    .venv/bin/python bench/bench_models.py --whole --methods masked --sizes 12 --passes 1,3
    .venv/bin/python bench/bench_models.py --whole --methods masked --sizes 12 --speckle
    .venv/bin/python bench/bench_models.py --whole --methods masked,classical --sizes 12,24 \
        --precisions auto,fp32 --runs 3

``--whole``: each run is a fresh ``hdr-studio reconstruct`` process on an 8-bit JPEG (q 92) of
the sample photo upscaled to the size, written as EXR; wall time from process start to
exit, peak RSS of that process (``wait4``); the median and every run are printed. The
networks run only on tiles holding a pixel near the clip (most of this photo's tiles hold
none); ``--speckle`` adds clipped dots all over, so that every tile runs.

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


def run_case(
    name: str, config: str, megapixels: float, device: str, precision: str = "auto"
) -> dict:
    import torch
    from bench_core import _image

    from hdr_studio.inference import pipeline
    from hdr_studio.inference.devices import resolve_device
    from hdr_studio.inference.registry import build_model, get_spec

    spec = get_spec(name)
    dev = resolve_device(device)
    torch.manual_seed(0)
    net = build_model(name, config).eval().to(dev)
    net = net.to(memory_format=torch.channels_last)
    loaded = pipeline.LoadedModel(
        spec, net, spec.configs[config], {}, dev, int(net.stride), pipeline.RAW
    )
    # Random init, bypassing the weights: keyed as load_model keys the shipped folder.
    from hdr_studio.inference.weights import models_dir, read_manifest

    folder = models_dir()
    digest = read_manifest(folder)["models"].get(name, {}).get("sha256", "")
    pipeline._cache[(name, str(dev), f"{folder.resolve()}#{digest}")] = loaded
    image = _image(megapixels * 1e6)
    t0 = time.perf_counter()
    pipeline.run_model(image, name, device=device, precision=precision)
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


#: ``--speckle``: a clipped dot every this many pixels, so every tile holds a clipped pixel.
SPECKLE_STEP = 200


def _jpeg(megapixels: float, folder: Path, speckle: bool = False) -> Path:
    """The sample upscaled to ``megapixels``, as an 8-bit JPEG (quality 92); ``speckle``: with
    a white 5×5 dot every :data:`SPECKLE_STEP` pixels (the networks' worst case: no tile can
    be skipped)."""
    path = folder / f"photo_{megapixels:g}mp{'_speckled' if speckle else ''}.jpg"
    if not path.exists():
        import numpy as np
        import OpenImageIO as oiio
        from bench_core import _image

        im = _image(megapixels * 1e6)
        q = np.ascontiguousarray((im.code * 255 + 0.5).astype(np.uint8))
        if speckle:
            for dy in range(5):
                for dx in range(5):
                    q[100 + dy :: SPECKLE_STEP, 100 + dx :: SPECKLE_STEP] = 255
        spec = oiio.ImageSpec(q.shape[1], q.shape[0], 3, oiio.UINT8)
        spec.attribute("compression", "jpeg:92")
        out = oiio.ImageOutput.create(str(path))
        out.open(str(path), spec)
        out.write_image(q)
        out.close()
    return path


def whole_process(
    method: str,
    megapixels: float,
    precision: str,
    runs: int,
    folder: Path,
    passes: int = 1,
    speckle: bool = False,
):
    """Wall time and peak RSS of ``runs`` fresh ``hdr-studio reconstruct`` processes."""
    import os
    import statistics

    src = _jpeg(megapixels, folder, speckle)
    exe = str(Path(sys.executable).with_name("hdr-studio"))
    times, peaks = [], []
    for _ in range(runs):
        out = folder / "out.exr"
        cmd = [exe, "reconstruct", str(src), "-o", str(out), "--method", method, "--force"]
        cmd += ["--precision", precision, "--device", "cpu", "--passes", str(passes)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - t0)
        peaks.append(usage.ru_maxrss / 1024)
        if status != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-300:]}")
    return statistics.median(times), times, max(peaks)


def main() -> int:
    ap = argparse.ArgumentParser(description="network benchmarks")
    ap.add_argument("--models", default="declipnet,drht,masked,hybrid")
    ap.add_argument("--config", default="small", choices=("small", "full"))
    ap.add_argument("--sizes", default="4,12", help="megapixels, comma-separated ('' = no timing)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"))
    ap.add_argument("--whole", action="store_true", help="whole-process reconstruct figures")
    ap.add_argument("--methods", default="masked,classical", help="--whole: methods")
    ap.add_argument("--precisions", default="auto", help="--whole: precisions")
    ap.add_argument("--runs", type=int, default=3, help="--whole: runs per case")
    ap.add_argument("--passes", default="1", help="--whole: mirror passes, e.g. 1,3")
    ap.add_argument(
        "--speckle", action="store_true", help="--whole: clipped dots all over (no tile skipped)"
    )
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        name, mp = args.case.split(":")
        r = run_case(name, args.config, float(mp), args.device, args.precision)
        print(json.dumps(r))
        return 0
    if args.whole:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="hdr-bench-"))
        print("| method | precision | passes | size | median | runs | peak RSS |")
        print("|---|---|---|---|---|---|---|")
        for method in args.methods.split(","):
            for precision in args.precisions.split(","):
                if method in ("classical", "none") and precision != args.precisions.split(",")[0]:
                    continue
                for mp in args.sizes.split(","):
                    for passes in (int(p) for p in args.passes.split(",")):
                        med, times, peak = whole_process(
                            method, float(mp), precision, args.runs, folder, passes, args.speckle
                        )
                        shown = ", ".join(f"{t:.1f}" for t in times)
                        prec = "—" if method in ("classical", "none") else precision
                        print(
                            f"| {method} | {prec} | {passes} | {mp} MP | **{med:.1f} s** | "
                            f"{shown} | {peak:.0f} MB |",
                            flush=True,
                        )
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
                "--precision",
                args.precision,
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
