"""How long `--curve auto`'s estimate takes (the statistics of a photo reduced to 384 px and
the prior's dot product), on a 12 MP and a 24 MP photo's code values; median of 5.

    .venv/bin/python bench/bench_curve_auto.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hdr_studio.core.curve_estimate import estimated_curve, shipped_prior


def main() -> None:
    shipped_prior()  # read once, as a process that lives on does
    rng = np.random.default_rng(0)
    for w, h in ((4000, 3000), (6000, 4000)):
        code = rng.random((h, w, 3), dtype=np.float32)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            estimated_curve(code)
            times.append(time.perf_counter() - t)
        print(f"{w}x{h}: {statistics.median(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
