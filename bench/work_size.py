"""Does filling at a working size cost quality? The masked network at full size against the
same network at a working size (``MaskedSpec.work_pixels``), on pairs brought up to the size
of a photograph's clipped areas at 12 MP.

    .venv/bin/python bench/work_size.py --set DATA/real/valset --scale 4 --limit 30
    .venv/bin/python bench/work_size.py --time 12     # the reconstruction step's time only
    .venv/bin/python bench/work_size.py --set DATA/real/valset --scale 8 --work 0.28 --no-coarse
    .venv/bin/python bench/work_size.py --set DATA/real/valset --scale 8 --work 0.28 --reach 1,full

Each pair's input (8-bit codes) and truth are enlarged ``--scale`` times (bicubic for the
codes, then re-quantised; linear for the truth), so that a clipped area spans as many pixels
as it would in a large photo; then each working scale (share of the side) is measured with
the PU21, ΔE and brightness figures ``hdr-studio eval`` reports, and the network's time.
``--time MP`` times ``run_model`` (in process, after a warm-up run) on bench_models.py's
JPEG of that size, at full size and at the shipped working size, twice each.
``--no-coarse``: each working scale also without the coarse pass (``pipeline.WORK_SIDE``),
to see what it adds. ``--reach``: the coarse pass's reach scaled (or, ``full``, in full-size
pixels as it was before 2026-12-07).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from hdr_studio.core import fill
from hdr_studio.core.clipping import over_mask
from hdr_studio.core.image import Image
from hdr_studio.core.reader import read_image
from hdr_studio.inference import pipeline
from hdr_studio.inference.pipeline import run_model
from hdr_studio.inference.registry import get_spec
from hdr_studio.training import metrics as M
from hdr_studio.training.data.dataset import read_hdr


def time_step(megapixels: float) -> None:
    import sys
    import tempfile

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_models import _jpeg

    image = read_image(_jpeg(megapixels, Path(tempfile.mkdtemp())))
    spec_class = type(get_spec("masked"))
    shipped = spec_class.work_pixels
    run_model(image, "masked", device="cpu")  # warm-up: weights, allocator
    for work in (None, shipped, None, shipped):
        spec_class.work_pixels = work
        t0 = time.perf_counter()
        run_model(image, "masked", device="cpu")
        label = "full size" if work is None else f"working size {work / 1e6:g} MP"
        print(f"{megapixels:g} MP, {label}: {time.perf_counter() - t0:.2f} s", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time", type=float, metavar="MP", help="time the step at this size only")
    ap.add_argument("--set", type=Path)
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--work", default="1.0,0.7,0.5,0.35", help="working scales (side)")
    ap.add_argument(
        "--no-coarse", action="store_true", help="each scale without the coarse pass too"
    )
    ap.add_argument(
        "--reach",
        default="1",
        help="multipliers of the coarse pass's reach (fill.COARSE_REACH, in the pixels the "
        "fill is computed at); 'full': in full-size pixels, as before 2026-12-07",
    )
    args = ap.parse_args()
    if args.time:
        time_step(args.time)
        return 0
    if args.set is None:
        ap.error("--set is needed (or --time)")
    manifest = json.loads((args.set / "manifest.json").read_text())
    spec_class = type(get_spec("masked"))
    scales = [float(s) for s in args.work.split(",")]
    sides = [pipeline.WORK_SIDE] + ([1 << 30] if args.no_coarse else [])
    reaches = args.reach.split(",")
    shipped_reach = fill.COARSE_REACH
    runs = [(s, side, k) for s in scales for side in sides for k in reaches]
    rows: dict[tuple[float, int, str], dict[str, list[float]]] = {r: {} for r in runs}
    for item in manifest["hdr"][: args.limit]:
        small = read_image(args.set / "hdr" / f"{item['name']}.png")
        truth = read_hdr(args.set / "hdr" / f"{item['name']}_truth.exr")
        h, w = truth.shape[:2]
        size = (w * args.scale, h * args.scale)
        code = cv2.resize(small.code, size, interpolation=cv2.INTER_CUBIC)
        code = (np.round(np.clip(code, 0, 1) * 255) / 255).astype(np.float32)
        image = Image.from_pixels(code)
        truth = cv2.resize(truth, size, interpolation=cv2.INTER_LINEAR)
        clipped = over_mask(image.code)
        fully = over_mask(image.code, mode="all")
        pixels = size[0] * size[1]
        for s, side, k in runs:
            spec_class.work_pixels = None if s >= 1 else int(pixels * s * s)
            pipeline.WORK_SIDE = side  # a side this large: no coarse pass
            times = min(s, 1.0) if k == "full" else float(k)
            fill.COARSE_REACH = (shipped_reach[0] * times, shipped_reach[1] * times)
            t0 = time.perf_counter()
            hdr = run_model(image, "masked", device="cpu").hdr
            dt = time.perf_counter() - t0
            assert hdr is not None
            r = rows[(s, side, k)]
            mean, top = M.brightness_errors(hdr, truth, clipped)
            for key, val in (
                ("mean", mean),
                ("top", top),
                ("pu21_in", M.pu21_psnr(hdr, truth, clipped)),
                ("pu21_out", M.pu21_psnr(hdr, truth, ~clipped)),
                ("de_partial", M.delta_e_itp(hdr, truth, clipped & ~fully)),
                ("de_full", M.delta_e_itp(hdr, truth, fully)),
                ("seconds", dt),
            ):
                r.setdefault(key, []).append(val)
    print(f"{args.set}, {args.limit} pairs at ×{args.scale} ({size[0]}×{size[1]})")
    print(
        "| working scale (side) | PU21 in | PU21 out | ΔE partly | ΔE fully | brightness in | "
        "brightest 1 % | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|")
    pipeline.WORK_SIDE = sides[0]
    fill.COARSE_REACH = shipped_reach
    for (s, side, k), r in rows.items():
        v = {key: float(np.nanmean([x for x in a if np.isfinite(x)])) for key, a in r.items()}
        label = f"{s:g}" if side == sides[0] else f"{s:g}, no coarse pass"
        if k != "1":
            label += ", reach in full-size px" if k == "full" else f", reach × {k}"
        print(
            f"| {label} | {v['pu21_in']:.2f} | {v['pu21_out']:.2f} | {v['de_partial']:.2f} | "
            f"{v['de_full']:.2f} | {v['mean']:+.2f} | {v['top']:+.2f} | "
            f"{sum(r['seconds']):.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
