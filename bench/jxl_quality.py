"""JPEG XL's --quality against the lossless file and AVIF / Ultra HDR JPEG at the same quality:
file size and how far each lands from the lossless PQ master (10-bit PQ code values).

    .venv/bin/python bench/jxl_quality.py [PHOTO]

The photo (default the sunset sample) is linearised and its clipped pixels lifted 4× (a
result with light above white), then written by ``write_result`` in each format and read
back by HDR Studio's reader."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from hdr_studio.core import export as ex
from hdr_studio.core.gamut import convert_primaries
from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import pq_encode

ROOT = Path(__file__).resolve().parents[1]


def pq10(image) -> np.ndarray:
    rgb = convert_primaries(np.maximum(image.linear, 0), image.primaries, "rec2020")
    return pq_encode(rgb * np.float32(203.0)) * np.float32(1023.0)


def main() -> None:
    photo = read_image(
        sys.argv[1] if len(sys.argv) > 1 else ROOT / "resources/samples/sunset_lomiri.jpg"
    )
    hdr = photo.linear.copy()
    hdr[photo.code.max(axis=2) > 0.98] *= 4.0
    runs = [("jxl-pq", "jxl", q) for q in (100, 95, 92, 85)]
    runs += [("avif-pq", "avif", 92), ("jpeg-uhdr", "jpg", 92)]
    with tempfile.TemporaryDirectory() as folder:
        master = None
        print("| format | quality | KiB | mean / 99th pct. error, 10-bit PQ codes |")
        print("|---|---|---|---|")
        for fmt, ext, q in runs:
            out = ex.write_result(
                hdr, Path(folder) / f"{fmt}{q}.{ext}", photo, fmt=fmt,
                options=ex.ExportOptions(quality=q),
            )  # fmt: skip
            codes = pq10(read_image(out))
            master = codes if master is None else master
            err = np.abs(codes - master)
            print(
                f"| {fmt} | {q} | {out.stat().st_size // 1024} | "
                f"{err.mean():.2f} / {np.percentile(err, 99):.1f} |"
            )


if __name__ == "__main__":
    main()
