"""The README's reconstruction picture: what the default method gives back, for the eye and
in stops above diffuse white.

    .venv/bin/python bench/readme_picture.py [-o resources/readme/highlights.png]

For each bundled sample photo (resources/samples): the photo as decoded, the default
method's result two stops darker (detail and colour inside what clipped), and the photo and
the result in false colour (hdr_studio.core.false_colour: grey below diffuse white, one band
a stop above it), with the bands' legend under them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from contact_sheet import label, legend, pad_row, thumb, to_u8  # noqa: E402


def main() -> int:
    from hdr_studio.api import ReconstructRequest, reconstruct
    from hdr_studio.core.export import write_array
    from hdr_studio.core.false_colour import false_colour
    from hdr_studio.core.reader import read_image

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(ROOT / "resources" / "readme" / "highlights.png"))
    ap.add_argument("--width", type=int, default=300)
    args = ap.parse_args()
    rows = []
    for photo in sorted((ROOT / "resources" / "samples").glob("*.jpg")):
        image = read_image(photo)
        outcome = reconstruct(ReconstructRequest(input=image))
        src, res = thumb(image.linear, args.width), thumb(outcome.pixels, args.width)
        cells = [to_u8(src, 0.0), to_u8(res, -2.0), false_colour(src), false_colour(res)]
        for cell, text in zip(
            cells,
            [photo.stem, f"{outcome.method} -2 EV", "photo, stops", f"{outcome.method}, stops"],
            strict=True,
        ):
            label(cell, text)
        rows.append(pad_row(cells, args.width, len(cells)))
    rows.append(legend(rows[-1].shape[1]))
    sheet = np.concatenate(rows, axis=0)
    write_array(sheet, Path(args.output), "png8", force=True)
    print(f"wrote {args.output} ({sheet.shape[1]}x{sheet.shape[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
