"""How faithfully the HDR outputs hold the same light: the Ultra HDR JPEG and the Radiance
file of a photo against its PNG-PQ and OpenEXR, read back by HDR Studio.

    .venv/bin/python bench/export_fidelity.py [PHOTO ...]

Default photos: the PQ/P3 AVIF of the test data (highlights to 18x white: the roll-off to
1000 cd/m2 applies) and the sunset sample. Prints, per photo, the median and 5th
percentile of Ultra HDR / PNG-PQ Rec.2020 luminance in bands of the PNG-PQ's luminance
(multiples of diffuse white), and the Radiance / OpenEXR ratio of each pixel's brightest
channel (mean and worst). `--method none`: the photo as read, no reconstruction.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT = [
    ROOT / "tests/data/hdr-photos/cosmos1650_yuv444_10bpc_p3pq.avif",
    ROOT / "hdr_studio/resources/samples/sunset_lomiri.jpg",
]
BANDS = ((0.2, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 10.0))


def main() -> int:
    from hdr_studio.core.export import write_result
    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.reader import read_image

    luma = np.float32([0.2627, 0.6780, 0.0593])  # Rec.2020
    for photo in [Path(p) for p in sys.argv[1:]] or DEFAULT:
        image = read_image(photo)
        back = {}
        with tempfile.TemporaryDirectory() as folder:
            for fmt, ext in (
                ("jpeg-uhdr", "jpg"),
                ("png-pq", "png"),
                ("exr", "exr"),
                ("hdr", "hdr"),
            ):
                out = read_image(
                    write_result(image.linear, Path(folder) / f"o.{ext}", image, fmt=fmt)
                )
                back[fmt] = convert_primaries(out.linear, out.primaries, "rec2020")
        print(f"{photo.name}:")
        y_u, y_p = back["jpeg-uhdr"] @ luma, back["png-pq"] @ luma
        for lo, hi in BANDS:
            band = (y_p >= lo) & (y_p < hi)
            if band.sum() < 20:
                continue
            r = y_u[band] / y_p[band]
            print(
                f"  Ultra HDR / PNG-PQ, {lo:g}-{hi:g}x white ({band.sum()} px): "
                f"median {np.median(r):.4f}, 5th percentile {np.percentile(r, 5):.4f}"
            )
        top_e = back["exr"].max(axis=2)
        lit = top_e > 0.01
        r = back["hdr"].max(axis=2)[lit] / top_e[lit]
        print(
            f"  Radiance / OpenEXR brightest channel: mean {r.mean():.4f}, "
            f"worst {np.abs(r - 1).max():.4f} off"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
