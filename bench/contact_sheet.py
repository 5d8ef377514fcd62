"""A contact sheet an editor can look at: for each photo, the input and every method's
result at 0, −2 and −4 EV (where clipped highlights either show detail and colour or stay
flat), one PNG.

    .venv/bin/python bench/contact_sheet.py [-o bench/contact_sheet.png] [--eval N] [--width W]

Photos: the README's samples (resources/samples) and the first N held-out photos of the
evaluation set ($HDR_STUDIO_DATA/evalset/hdr, when it exists; default N = 4). Columns: the
input as decoded (sRGB code values, the same in every row), then `none` (linearised only),
`classical` and each available network, each exposed by the row's EV and shown through the
sRGB curve, clipped at white as a display would. Networks run as `hdr-studio reconstruct`
does (the engine's request); SDR-only methods show their SDR result.
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    from hdr_studio.api import ReconstructRequest, catalogue, reconstruct
    from hdr_studio.core.export import write_array
    from hdr_studio.core.reader import read_image

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(ROOT / "bench" / "contact_sheet.png"))
    ap.add_argument("--eval", type=int, default=4, help="held-out photos to add (default 4)")
    ap.add_argument("--width", type=int, default=240, help="cell width in pixels")
    args = ap.parse_args()

    photos = sorted((ROOT / "resources" / "samples").glob("*.jpg"))
    data = Path(os.environ.get("HDR_STUDIO_DATA", ROOT / "data"))
    held = sorted(p for p in (data / "evalset" / "hdr").glob("*.png"))[: args.eval]
    photos += held
    methods = [m for m in catalogue() if m.available]
    names = ["none", "classical"] + [m.name for m in methods if not m.builtin]
    rows = []
    for photo in photos:
        image = read_image(photo)
        small = thumb(image.linear, args.width)
        code = to_u8(small, 0.0)  # the input as decoded
        results = {}
        for name in names:
            outcome = reconstruct(ReconstructRequest(input=image, method=name))
            results[name] = thumb(outcome.pixels, args.width)
        for ev in EVS:
            cells = [code.copy()] + [to_u8(results[n], ev) for n in names]
            label(cells[0], f"{photo.stem[:18]} input")
            for cell, name in zip(cells[1:], names, strict=True):
                label(cell, f"{name} {ev:+.0f} EV")
            row = np.concatenate(
                [np.pad(c, ((2, 2), (2, 2), (0, 0)), constant_values=40) for c in cells], axis=1
            )
            rows.append(row)
        rows.append(np.full((6, rows[-1].shape[1], 3), 90, np.uint8))
        print(f"{photo.name}: done", flush=True)
    sheet = np.concatenate(rows, axis=0)
    write_array(sheet, Path(args.output), "png8", force=True)
    print(f"wrote {args.output} ({sheet.shape[1]}x{sheet.shape[0]}, {len(photos)} photos)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
