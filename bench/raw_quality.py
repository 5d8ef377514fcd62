"""Raw highlight reconstruction measured on raw files simulated from real HDR photographs.

For each OpenEXR photograph in DIR (scene-linear, Rec.709): its light in Rec.2020 is
photographed by the simulated sensor (hdr_studio.training.data.sensor: Bayer mosaic,
per-channel saturation, as-shot white balance, photon and read noise, 14 bits) at an
exposure that clips the brightest CLIP share of pixels in at least one channel, written as
a DNG, read back through LibRaw like any camera's raw, and reconstructed:

* none: the raw decode as it is (clipped channels at their saturation);
* clip: every channel of a clipped pixel limited to white (darktable's "clip highlights");
* raw: the raw step alone (one or two clipped channels rebuilt from the survivors,
  core/raw_highlights.py), pixels clipped in all three at white;
* raw+classical, raw+NET: the raw step, then the method's fill of what clipped in all three.

Against the truth (the same sensor without saturation or noise, decoded through the same
matrix): PU21-PSNR (dB) inside the pixels where the sensor clipped one or two channels
("partial"), all three ("full"), any; and the mean ΔE_ITP inside any.

    python bench/raw_quality.py DIR [--clip 0.03] [--size 1000000] [--net masked]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def _load(path: Path, size: int) -> np.ndarray:
    import cv2

    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.reader import read_image

    im = read_image(path)
    lin = convert_primaries(im.linear, im.primaries, "rec2020")
    h, w = lin.shape[:2]
    scale = min(1.0, (size / (h * w)) ** 0.5)
    if scale < 1.0:
        lin = cv2.resize(lin, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return np.maximum(lin, 0).astype(np.float32)


def _exposure(scene: np.ndarray, clip: float) -> float:
    """The exposure at which ``clip`` of the pixels reach white in their brightest camera
    channel (white-balanced)."""
    from hdr_studio.core.gamut import rgb_to_xyz_matrix
    from hdr_studio.training.data.sensor import CAMERA_MATRIX

    cam = scene.reshape(-1, 3) @ (CAMERA_MATRIX @ rgb_to_xyz_matrix("rec2020")).T
    return float(1.0 / np.quantile(cam.max(axis=1), 1.0 - clip))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--clip", type=float, default=0.03)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--net", default=None, help="also the raw step + this network")
    args = ap.parse_args()

    from hdr_studio.api.engine import run_method
    from hdr_studio.core.errors import InputError
    from hdr_studio.core.raw_highlights import clip_to_white, recovered_image
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.data.sensor import simulate_raw
    from hdr_studio.training.metrics import delta_e_itp, pu21_psnr

    methods = ["none", "clip", "raw", "raw+classical"] + ([f"raw+{args.net}"] if args.net else [])
    rows = []
    files = sorted(args.folder.glob("*.exr"))
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(files):
            try:
                scene = _load(path, args.size)
            except InputError as exc:  # e.g. luminance/chroma EXRs OpenImageIO cannot read
                print(f"skipped: {exc}")
                continue
            sim = simulate_raw(scene, _exposure(scene, args.clip), seed=i)
            dng = sim.write(Path(tmp) / f"{path.stem}.dng")
            image = read_image(dng)
            matrix = image.raw.camera_to_output
            truth = sim.truth_camera @ matrix.T
            count = image.sensor_clip.sum(axis=2)
            masks = {"partial": (count > 0) & (count < 3), "full": count == 3, "any": count > 0}
            camera = image.linear @ np.linalg.inv(matrix).T
            results = {
                "none": image.linear,
                "clip": clip_to_white(camera, image.sensor_clip, image.raw.clip_levels) @ matrix.T,
                "raw": recovered_image(image).linear,
            }
            t0 = time.perf_counter()
            results["raw+classical"] = run_method(image, "classical").hdr
            if args.net:
                results[f"raw+{args.net}"] = run_method(image, args.net).hdr
            took = time.perf_counter() - t0
            row = {"photo": path.stem, "px": image.width * image.height}
            row.update({f"share_{k}": float(m.mean()) for k, m in masks.items()})
            for name in methods:
                for k, m in masks.items():
                    row[f"{name}|{k}"] = pu21_psnr(results[name], truth, m)
                row[f"{name}|de"] = delta_e_itp(results[name], truth, masks["any"], "rec2020")
            rows.append(row)
            print(
                f"{path.stem}: {image.width}x{image.height}, clipped partial "
                f"{row['share_partial']:.2%} full {row['share_full']:.2%} ({took:.1f} s)"
            )

    def mean(key: str) -> float:
        vals = [r[key] for r in rows if np.isfinite(r[key])]
        return float(np.mean(vals)) if vals else float("nan")

    print(f"\n{len(rows)} photos; PU21-PSNR (dB) inside the clipped pixels, mean ΔE_ITP inside any")
    print("| method | partial (1–2 ch.) | full (3 ch.) | any | ΔE_ITP any |")
    print("|---|---|---|---|---|")
    for name in methods:
        print(
            f"| {name} | {mean(f'{name}|partial'):.2f} | {mean(f'{name}|full'):.2f} | "
            f"{mean(f'{name}|any'):.2f} | {mean(f'{name}|de'):.1f} |"
        )
    print("\nper photo (PU21 any: none / clip / raw / raw+classical)")
    for r in rows:
        print(f"  {r['photo']}: " + " / ".join(f"{r[f'{m}|any']:.2f}" for m in methods[:4]))


if __name__ == "__main__":
    import os
    import sys

    main()
    # Skip interpreter teardown: after torch, nanobind (OpenImageIO) prints bogus leak
    # reports (as the CLI does, hdr_studio/cli.py main()).
    sys.stdout.flush()
    os._exit(0)
