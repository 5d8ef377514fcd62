"""The bridge's speed on this machine, as a plug-in sees it (the stdlib client over HTTP on
127.0.0.1):

1. round trip of a 12 MP float32 RGBA layer with method ``none`` (send, job, fetch f32);
2. reconstruction of a 12 MP 8-bit photo through a warm bridge against ``hdr-studio
   reconstruct`` of the same JPEG (the whole CLI process, to EXR) and against the engine
   called in-process, for ``classical`` and the default network;
3. a plug-in's first call with no bridge running: start + first answer, and the first
   default-network job on a small layer (model load included) minus that job's own time
   when warm.

    .venv/bin/python bench/bench_bridge.py [MEGAPIXELS]

Each figure is the median of 3 runs (the cold start: of 3 fresh bridges).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HDR = str(Path(sys.executable).with_name("hdr-studio"))


def median(fn, n=3):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from bench.bench_batch import make_photos
    from hdr_studio.api import ReconstructRequest, default_method, reconstruct
    from hdr_studio.bridge import client as bc
    from hdr_studio.core.reader import read_image

    mp = float(sys.argv[1]) if len(sys.argv) > 1 else 12.0
    tmp = Path(tempfile.mkdtemp(prefix="bench-bridge-"))
    os.environ["HDR_STUDIO_RUNTIME_DIR"] = str(tmp / "run")
    os.environ["HDR_STUDIO_COMMAND"] = HDR
    make_photos(1, mp, tmp)
    photo = tmp / "photo_000.jpg"
    image = read_image(photo)
    h, w = image.height, image.width
    default = default_method()
    print(f"photo {w}x{h} ({w * h / 1e6:.1f} MP), default network {default}")

    # 3. cold start (before anything is warm)
    starts, firsts = [], []
    small = np.ascontiguousarray(
        (np.concatenate([image.code[:512, :768], np.ones((512, 768, 1), np.float32)], 2) * 255)
        .round()
        .astype(np.uint8)
    )
    small_layer = {"width": 768, "height": 512, "channels": 4, "sample": "u8", "order": "RGBA"}
    small_layer["colorspace"] = {"name": "srgb"}
    for _ in range(3):
        t0 = time.perf_counter()
        client = bc.connect(timeout=120)
        starts.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        client.reconstruct(small_layer, small.tobytes(), {})
        firsts.append(time.perf_counter() - t1)
        t2 = time.perf_counter()
        client.reconstruct(small_layer, small.tobytes(), {})
        warm_small = time.perf_counter() - t2
        client.request("POST", "/v1/shutdown")
        while bc.read_connection() is not None:
            time.sleep(0.05)
    start = statistics.median(starts)
    first = statistics.median(firsts)
    print(
        f"cold start: bridge answers after {start:.2f} s; first {default} job on 0.4 MP "
        f"{first:.2f} s (warm {warm_small:.2f} s) -> start + load = "
        f"{start + first - warm_small:.2f} s beyond the model's own time"
    )

    client = bc.connect(timeout=120)
    try:
        # 1. float32 RGBA round trip with none
        f32 = np.concatenate([image.linear, np.ones((h, w, 1), np.float32)], axis=2)
        f32_bytes = np.ascontiguousarray(f32).tobytes()
        layer = {"width": w, "height": h, "channels": 4, "sample": "f32", "order": "RGBA"}
        layer["colorspace"] = {"name": "srgb-linear"}
        client.reconstruct(layer, f32_bytes, {"method": "none"})
        rt = median(lambda: client.reconstruct(layer, f32_bytes, {"method": "none"}))
        size = f"{w * h / 1e6:.1f} MP f32 RGBA ({len(f32_bytes) / 1e6:.0f} MB)"
        print(f"round trip {size} none: {rt:.2f} s")

        # 2. bridge vs CLI vs in-process engine
        u8 = np.ascontiguousarray(
            (np.concatenate([image.code, np.ones((h, w, 1), np.float32)], 2) * 255)
            .round()
            .astype(np.uint8)
        )
        layer8 = dict(layer, sample="u8", colorspace={"name": "srgb"})
        for method in ("classical", default):
            client.reconstruct(layer8, u8.tobytes(), {"method": method})  # warm
            bridge_t = median(
                lambda m=method: client.reconstruct(layer8, u8.tobytes(), {"method": m})
            )
            engine_t = median(
                lambda m=method: reconstruct(ReconstructRequest(input=photo, method=m))
            )
            out = tmp / "cli.exr"

            def cli(m=method, out=out):
                subprocess.run(
                    [HDR, "reconstruct", str(photo), "-o", str(out), "--method", m, "--force"],
                    check=True,
                    capture_output=True,
                )

            cli_t = median(cli)
            print(
                f"{method}: bridge {bridge_t:.2f} s (layer in, f32 result out), "
                f"CLI process {cli_t:.2f} s (JPEG in, EXR out), "
                f"engine in-process {engine_t:.2f} s (JPEG read + reconstruct); "
                f"bridge/CLI {bridge_t / cli_t:.2f}, bridge/engine {bridge_t / engine_t:.2f}"
            )
    finally:
        client.request("POST", "/v1/shutdown")


if __name__ == "__main__":
    main()
