"""Progress while the app reconstructs a large photo: the longest gap between two progress
reports of one reconstruction through the engine (the callback chain the app's job worker
forwards to its progress bar), default network and classical, on a 24 MP photo.

    .venv/bin/python bench/bench_progress.py [MEGAPIXELS]

Target (issue #16): a report at least every second.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def main() -> int:
    from bench_core import _image

    from hdr_studio.api import ReconstructRequest, default_method, reconstruct
    from hdr_studio.core.image import Image

    mp = float(sys.argv[1]) if len(sys.argv) > 1 else 24.0
    im = _image(mp * 1e6)
    image = Image.from_pixels(im.code)
    print(f"{image.width}x{image.height} ({mp:g} MP)")
    for method in (default_method(), "classical"):
        # Warm: the app keeps its model loaded after the first run.
        reconstruct(ReconstructRequest(input=Image.from_pixels(im.code[:64, :64]), method=method))
        stamps: list[tuple[float, float, str]] = []

        def report(fraction: float, message: str, stamps=stamps) -> None:
            stamps.append((time.perf_counter(), fraction, message))

        t0 = time.perf_counter()
        reconstruct(ReconstructRequest(input=image, method=method), progress=report)
        end = time.perf_counter()
        times = [t0] + [s[0] for s in stamps] + [end]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        i = max(range(len(gaps)), key=gaps.__getitem__)
        after = stamps[i - 1][2] if 0 < i <= len(stamps) else "start"
        print(
            f"{method}: {end - t0:.1f} s, {len(stamps)} reports, longest gap {max(gaps):.2f} s "
            f"(after '{after}')",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
