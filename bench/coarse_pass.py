"""How the coarse-scale pass should meet the full-size fill, measured on wide clipped areas.

    .venv/bin/python bench/coarse_pass.py [--set data/valset] [--scale 4] [--model masked]

The evaluation sets are 256×192, too small for the coarse pass (it runs above 480 px). Here
each HDR pair is upscaled ×``scale`` (truth: bicubic in linear light; input: bicubic on the
code values, so clipped areas stay clipped and become ``scale`` times wider), which makes
clipped areas wider than the network sees — the case the pass is for. For each way of
combining the two estimates it prints PU21-PSNR inside and outside the clipped pixels (means
over images, as ``hdr-studio eval``) and log-L1 inside:

* ``fine``: the full-size network only (no coarse pass);
* ``max``: the full-size fill floored by the coarse one (the first version of the pass);
* ``reach N-F``: regions of inradius ≤ N px keep the full-size fill, ≥ F px take the coarse
  one, log blend between (``hdr_studio.core.fill.keep_measured``).

The shipped calibration gain is applied to every variant.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hdr_studio.core.clipping import over_mask  # noqa: E402
from hdr_studio.core.fill import keep_measured  # noqa: E402
from hdr_studio.core.image import Image  # noqa: E402
from hdr_studio.core.reader import read_image  # noqa: E402
from hdr_studio.core.transfer import srgb_decode  # noqa: E402
from hdr_studio.inference.pipeline import coarse_ratio, load_model, run_network  # noqa: E402
from hdr_studio.inference.registry import RAW  # noqa: E402
from hdr_studio.training import metrics as M  # noqa: E402
from hdr_studio.training.data.dataset import read_hdr  # noqa: E402

REACHES = "4-12,2-8,8-32"


def upscale(image: Image, truth: np.ndarray, f: int) -> tuple[Image, np.ndarray]:
    h, w = truth.shape[:2]
    size = (w * f, h * f)
    code = np.clip(cv2.resize(image.code, size, interpolation=cv2.INTER_CUBIC), 0, 1)
    big = Image(linear=srgb_decode(code), code=code.astype(np.float32))
    t = np.maximum(cv2.resize(truth, size, interpolation=cv2.INTER_CUBIC), 0)
    return big, t.astype(np.float32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=ROOT / "data" / "valset")
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--model", default="masked")
    ap.add_argument("--reach", default=REACHES, help="near-far pairs in px, comma-separated")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    reaches = [tuple(float(v) for v in r.split("-")) for r in args.reach.split(",")]
    model = load_model(args.model, "cpu")
    gain = model.calibration.hdr
    manifest = json.loads((args.set / "manifest.json").read_text())
    names = ["fine", "max"] + [f"reach {n:g}-{f:g}" for n, f in reaches]
    scores: dict[str, dict[str, list[float]]] = {k: {} for k in names}
    t0 = time.perf_counter()
    for item in manifest["hdr"]:
        small = read_image(args.set / "hdr" / f"{item['name']}.png")
        truth = read_hdr(args.set / "hdr" / f"{item['name']}_truth.exr")
        image, truth = upscale(small, truth, args.scale)
        clipped = over_mask(image.code)
        if not clipped.any():
            continue
        out = run_network(model, image)
        fine_hdr = model.spec.finish(out, image, RAW).hdr  # gain 1, no coarse: the raw fill
        lazy = coarse_ratio(model, image)
        assert lazy is not None
        coarse = lazy.full()
        lin = image.linear
        coarse_hdr = lin * np.exp(coarse)
        variants = {
            "fine": keep_measured(image, fine_hdr, gain),
            "max": keep_measured(image, np.maximum(np.maximum(fine_hdr, lin), coarse_hdr), gain),
        }
        for n, f in reaches:
            variants[f"reach {n:g}-{f:g}"] = keep_measured(image, fine_hdr, gain, coarse, (n, f))
        for k, hdr in variants.items():
            s = scores[k]
            s.setdefault("pu21_in", []).append(M.pu21_psnr(hdr, truth, clipped))
            s.setdefault("pu21_out", []).append(M.pu21_psnr(hdr, truth, ~clipped))
            s.setdefault("logl1_in", []).append(M.log_l1(hdr, truth, clipped))
        print(
            f"  {item['name']}: " + ", ".join(f"{k} {scores[k]['pu21_in'][-1]:.2f}" for k in names),
            file=sys.stderr,
        )
    table = {k: {m: float(np.mean(v)) for m, v in s.items()} for k, s in scores.items()}
    print(
        f"{args.model} on {args.set.name} ×{args.scale} ({len(scores['fine']['pu21_in'])} "
        f"images, gain {gain:g}, {time.perf_counter() - t0:.0f} s)"
    )
    print("| combination | PU21 in | PU21 out | log-L1 in |")
    print("|---|---|---|---|")
    for k, r in table.items():
        print(f"| {k} | {r['pu21_in']:.2f} | {r['pu21_out']:.2f} | {r['logl1_in']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(table, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
