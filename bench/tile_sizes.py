"""CPU tile sizes for the default network (issue #28, bench/RESULTS.md "Tiles chosen per
picture"): per tile side, the seconds per megapixel of one forward of the shipped masked
network, and, for each picture given, at its working size, the tiles that must run and how
far the output of the needed pixels moves from one whole-picture run (log(1 + H) domain):

    .venv/bin/python bench/tile_sizes.py PHOTO.jpg [PHOTO2.jpg ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from hdr_studio.core.reader import read_image
from hdr_studio.inference import pipeline, runner

SIDES = (192, 256, 320, 384, 448, 512, 576, 640, 768, 1024)


def per_megapixel(net: torch.nn.Module, seconds: float = 3.0) -> None:
    x0 = torch.rand(1, 3, max(SIDES), max(SIDES))
    with torch.inference_mode():
        for side in SIDES:
            x = x0[..., :side, :side].contiguous(memory_format=torch.channels_last)
            net(x)
            t, n = time.perf_counter(), 0
            while time.perf_counter() - t < seconds:
                net(x)
                n += 1
            dt = (time.perf_counter() - t) / n
            print(f"{side:5d} px: {dt:.3f} s a forward, {dt / (side * side / 1e6):.2f} s/MP")


def picture(model, path: str) -> None:
    image = read_image(path)
    work = pipeline._work_copy(image, model.spec.work_pixels) or image
    need = model.spec.needed(work)
    x = model.spec.prepare(work)
    h, w = need.shape
    stride, halo = model.stride, model.spec.halo
    hp, wp = runner._padded(h, stride), runner._padded(w, stride)

    def run(tile: int) -> np.ndarray:
        return runner.run_tiled(
            model.net, x, model.device, stride, tile=tile, halo=halo, needed=need,
            out_channels=3,
        )  # fmt: skip

    whole = run(max(hp, wp))
    chosen = runner.auto_tile(hp, wp, runner.MAX_TILE_CPU, stride, halo, need)
    print(f"{path}: {w}x{h} at the working size, {need.mean():.1%} needed, chosen {chosen} px")
    for side in sorted({*SIDES[:7], chosen}):
        th, tw, tiles = runner.plan_tiles(hp, wp, side, stride, halo, need)
        d = np.abs(run(side) - whole)[need]
        print(
            f"  {side:4d} px: {len(tiles):2d} tiles, {len(tiles) * th * tw / 1e6:.2f} MP; "
            f"moved {d.mean():.4f} on average, {np.percentile(d, 99):.3f} at the 99th pct"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photos", nargs="*")
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    model = pipeline.load_model("masked", "cpu")
    per_megapixel(model.net, args.seconds)
    for path in args.photos:
        picture(model, path)


if __name__ == "__main__":
    main()
