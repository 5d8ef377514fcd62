"""Engine benchmarks on this machine: medians of several runs, peak RSS per case.

    .venv/bin/python bench/bench_core.py            # all cases, Markdown table on stdout
    .venv/bin/python bench/bench_core.py --case wls_12mp --runs 3

Inputs are the bundled sample photo ``seeding_lomiri.jpg`` (5.7 % of pixels clipped)
upscaled with bicubic interpolation to 12 MP (4619×2598) and 24 MP (6532×3674), so the
clipped share and image structure are those of a real photo. Each case runs in a fresh
process so its peak RSS is its own (it includes the Python interpreter and libraries).
Targets are those of issue #2.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "samples" / "seeding_lomiri.jpg"

CASES = {
    "analyze_24mp": ("clip_stats (masks, per-channel shares, regions) of 24 MP", 24e6, 0.5, 5),
    "overlay_24mp": ("clip_overlay, all-channel mode, of 24 MP", 24e6, None, 5),
    "wls_12mp": ("WLS base/detail (fast solver) of 12 MP", 12e6, 5.0, 3),
    "classical_12mp": ("classical reconstruction of 12 MP", 12e6, 10.0, 3),
    "export_pq_png_12mp": ("PQ Rec.2020 16-bit PNG export of 12 MP", 12e6, 5.0, 3),
}


def _image(pixels: float):
    import cv2
    import numpy as np

    from hdr_studio.core.image import Image
    from hdr_studio.core.reader import read_image

    src = read_image(SAMPLE)
    s = (pixels / (src.width * src.height)) ** 0.5
    size = (round(src.width * s), round(src.height * s))
    code = np.clip(cv2.resize(src.code, size, interpolation=cv2.INTER_CUBIC), 0, 1)
    code = np.round(code * 255) / 255  # keep it an 8-bit photo
    from hdr_studio.core.transfer import srgb_decode

    return Image(linear=srgb_decode(code), code=code.astype(np.float32), source_path=SAMPLE)


def run_case(name: str, runs: int) -> dict:
    import numpy as np

    _, pixels, _, _ = CASES[name]
    image = _image(pixels)
    times = []
    tmp = Path(tempfile.mkdtemp())
    if name in {"classical_12mp", "export_pq_png_12mp"}:
        from hdr_studio.core.classical import reconstruct_classical
    for i in range(runs):
        t0 = time.perf_counter()
        if name == "analyze_24mp":
            from hdr_studio.core.clipping import clip_stats

            clip_stats(image.code)
        elif name == "overlay_24mp":
            from hdr_studio.core.clipping import clip_overlay

            clip_overlay(image.code, mode="all")
        elif name == "wls_12mp":
            from hdr_studio.core.decompose import decompose

            decompose(image.code, method="fast")
        elif name == "classical_12mp":
            reconstruct_classical(image)
        elif name == "export_pq_png_12mp":
            from hdr_studio.core.export import write_result

            if i == 0:
                result = reconstruct_classical(image)
                t0 = time.perf_counter()
            write_result(result, tmp / f"out{i}.png", image)
        times.append(time.perf_counter() - t0)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "case": name,
        "width": image.width,
        "height": image.height,
        "times": times,
        "median_s": statistics.median(times),
        "peak_rss_mb": rss_mb,
        "image_mb": float(np.prod(image.linear.shape) * 4 / 1e6),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", choices=sorted(CASES))
    ap.add_argument("--runs", type=int)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.case:
        result = run_case(args.case, args.runs or CASES[args.case][3])
        print(json.dumps(result))
        return 0
    rows = []
    for name, (what, _, target, runs) in CASES.items():
        cmd = [sys.executable, __file__, "--case", name, "--runs", str(args.runs or runs)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        r["what"], r["target"] = what, target
        rows.append(r)
        print(
            f"{name}: median {r['median_s']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print("| case | size | runs | median | all runs | target | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        t = "—" if r["target"] is None else f"≤ {r['target']:g} s"
        runs = ", ".join(f"{v:.2f}" for v in r["times"])
        print(
            f"| {r['what']} | {r['width']}×{r['height']} | {len(r['times'])} | "
            f"**{r['median_s']:.2f} s** | {runs} | {t} | {r['peak_rss_mb']:.0f} MB |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
