"""A raw with no as-shot white balance against its camera's own preview: the mean colour
(R/G, B/G, linear Rec.709) of the middle tones of the decode and of the embedded JPEG.

    .venv/bin/python bench/raw_balance.py [RAW ...]   (default: the test data's Canon D30 CRW)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def middle(lin: np.ndarray) -> np.ndarray:
    """R/G, B/G of the mean of the pixels neither black nor near clipping."""
    ok = (lin.max(-1) < 0.9) & (lin.min(-1) > 0.02)
    mean = lin[ok].mean(0)
    return mean[[0, 2]] / mean[1]


def main() -> None:
    import imagecodecs
    import rawpy

    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.reader import read_image
    from hdr_studio.core.transfer import srgb_decode

    paths = sys.argv[1:] or [str(ROOT / "tests/data/raw/RAW_CANON_D30_SRGB.CRW")]
    for path in paths:
        image = read_image(path)
        decoded = middle(convert_primaries(image.linear, image.primaries, "rec709"))
        with rawpy.imread(path) as raw:
            px = np.asarray(imagecodecs.jpeg8_decode(bytes(raw.extract_thumb().data)))
        preview = middle(srgb_decode(px[..., :3].astype(np.float32) / 255))
        print(
            f"{Path(path).name}: decode R/G {decoded[0]:.2f} B/G {decoded[1]:.2f}; "
            f"preview R/G {preview[0]:.2f} B/G {preview[1]:.2f}; notes {image.notes}"
        )


if __name__ == "__main__":
    main()
