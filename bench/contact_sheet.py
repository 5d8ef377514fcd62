"""A contact sheet an editor can look at: for each photo, the input and every method's
result at 0, −2 and −4 EV (where clipped highlights either show detail and colour or stay
flat) and in false colour (stops above diffuse white: do the highlights come back as bright
as they were?), one PNG.

    .venv/bin/python bench/contact_sheet.py [-o bench/contact_sheet.png] [--eval N] [--width W]

Photos: the README's samples (resources/samples) and the first N held-out real-photo pairs
($HDR_STUDIO_DATA/real/evalset, one pair a photograph, sRGB camera; default N = 4), whose
truth is shown in its own column. Columns: the input as decoded (sRGB code values), the
truth (held-out pairs), then `none` (linearised only), `classical` and each available
network, each exposed by the row's EV and shown through the sRGB curve, clipped at white as
a display would; the last row of each photo is false colour (legend at the bottom). Networks
run as `hdr-studio reconstruct` does (the engine's request); SDR-only methods show their SDR
result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVS = (0.0, -2.0, -4.0)


def thumb(linear: np.ndarray, width: int) -> np.ndarray:
    import cv2

    h, w = linear.shape[:2]
    height = max(1, round(h * width / w))
    return cv2.resize(linear, (width, height), interpolation=cv2.INTER_AREA)


def to_u8(linear: np.ndarray, ev: float) -> np.ndarray:
    from hdr_studio.core.transfer import srgb_encode

    code = srgb_encode(np.clip(linear * np.float32(2.0**ev), 0.0, 1.0))
    return np.rint(code * 255).astype(np.uint8)


def label(img: np.ndarray, text: str) -> None:
    import cv2

    cv2.putText(img, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)


def pad_row(cells: list[np.ndarray], width: int, columns: int) -> np.ndarray:
    """One row of the sheet: the cells framed, empty columns where a photo has no truth."""
    h = cells[0].shape[0]
    blank = np.full((h, width, 3), 40, np.uint8)
    if len(cells) < columns:
        cells = [cells[0], blank, *cells[1:]]
    return np.concatenate(
        [np.pad(c, ((2, 2), (2, 2), (0, 0)), constant_values=40) for c in cells], axis=1
    )


def legend(width: int) -> np.ndarray:
    """The false-colour bands named, one swatch a stop above diffuse white."""
    from hdr_studio.core.false_colour import BANDS

    bar = np.full((34, width, 3), 30, np.uint8)
    names = ["below white"] + [f"+{i}-{i + 1}" for i in range(7)] + ["+7 stops"]
    colours = [(110, 110, 110), *[tuple(int(v) for v in c) for c in BANDS]]
    step = min(96, width // len(names))
    for i, (name, colour) in enumerate(zip(names, colours, strict=True)):
        swatch = np.full((26, step - 4, 3), colour, np.uint8)
        label(swatch, name)
        bar[4:30, i * step + 2 : (i + 1) * step - 2] = swatch
    return bar


def main() -> int:
    from hdr_studio.api import ReconstructRequest, catalogue, reconstruct
    from hdr_studio.core.export import write_array
    from hdr_studio.core.false_colour import false_colour
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.data.dataset import read_hdr

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(ROOT / "bench" / "contact_sheet.png"))
    ap.add_argument("--eval", type=int, default=4, help="held-out real photos to add (default 4)")
    ap.add_argument("--width", type=int, default=240, help="cell width in pixels")
    args = ap.parse_args()

    photos: list[tuple[Path, Path | None]] = [
        (p, None) for p in sorted((ROOT / "resources" / "samples").glob("*.jpg"))
    ]
    data = Path(os.environ.get("HDR_STUDIO_DATA", ROOT / "data"))
    real = data / "real" / "evalset"
    if (real / "manifest.json").is_file():
        seen: set[str] = set()
        for item in json.loads((real / "manifest.json").read_text())["hdr"]:
            if item["curve"] == "srgb" and item["source"] not in seen and len(seen) < args.eval:
                seen.add(item["source"])
                hdr = real / "hdr"
                photos.append((hdr / f"{item['name']}.png", hdr / f"{item['name']}_truth.exr"))
    methods = [m for m in catalogue() if m.available]
    names = ["none", "classical"] + [m.name for m in methods if not m.builtin]
    width = args.width
    rows = []
    for photo, truth_path in photos:
        image = read_image(photo)
        small = thumb(image.linear, width)
        code = to_u8(small, 0.0)  # the input as decoded
        results = {}
        if truth_path is not None:
            results["truth"] = thumb(read_hdr(truth_path), width)
        for name in names:
            outcome = reconstruct(ReconstructRequest(input=image, method=name))
            results[name] = thumb(outcome.pixels, width)
        for ev in (*EVS, None):
            cells = [code.copy()] + [
                false_colour(r) if ev is None else to_u8(r, ev) for r in results.values()
            ]
            label(cells[0], f"{photo.stem[:18]} input")
            for cell, name in zip(cells[1:], results, strict=True):
                label(cell, f"{name} " + ("stops" if ev is None else f"{ev:+.0f} EV"))
            rows.append(pad_row(cells, width, len(names) + 2))
        rows.append(np.full((6, rows[-1].shape[1], 3), 90, np.uint8))
        print(f"{photo.name}: done", flush=True)
    rows.append(legend(rows[-1].shape[1]))
    sheet = np.concatenate(rows, axis=0)
    write_array(sheet, Path(args.output), "png8", force=True)
    print(f"wrote {args.output} ({sheet.shape[1]}x{sheet.shape[0]}, {len(photos)} photos)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
