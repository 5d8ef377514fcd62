"""Start-up of the desktop app from the bundle and from the venv: wall time from starting
the process to its main window shown and painted (offscreen Qt; the app exits right there
when HDR_STUDIO_EXIT_WHEN_SHOWN is set). Median of 5 runs each, after one warm-up run
(the file cache).

    .venv/bin/python bench/bench_bundle.py BUNDLE.tar.gz
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path


def shown(cmd: list[str], home: Path) -> float:
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "QT_QPA_PLATFORM": "offscreen",
        "HDR_STUDIO_EXIT_WHEN_SHOWN": "1",
    }
    t0 = time.perf_counter()
    out = subprocess.run([*cmd, "gui"], env=env, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - t0
    assert "window shown" in out.stdout, out.stdout + out.stderr
    return elapsed


def main() -> None:
    tarball = Path(sys.argv[1])
    tmp = Path(tempfile.mkdtemp(prefix="bench-bundle-"))
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="tar")
    (exe,) = tmp.glob("hdr-studio-*/hdr-studio/hdr-studio")
    venv = Path(sys.executable).with_name("hdr-studio")
    for label, cmd in (("bundle", [str(exe)]), ("venv", [str(venv)])):
        shown(cmd, tmp)
        times = [shown(cmd, tmp) for _ in range(5)]
        print(
            f"{label}: window shown after {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f})"
        )
    print(f"bundle unpacked at {tmp}; remove it when done")
    os.sync()


if __name__ == "__main__":
    main()
