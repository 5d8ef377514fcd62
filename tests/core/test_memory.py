"""The C heap between jobs: given back after each job by default, held by a process that
serves jobs in bursts (the bridge) until it trims. Each case runs in a fresh interpreter
(the allocator's settings are process-wide) and reads its resident memory from /proc."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/statm").exists() or not sys.platform.startswith("linux"),
    reason="glibc and /proc: Linux only",
)

SCRIPT = """
import os, sys, threading
import numpy as np
from hdr_studio.core import memory

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

if sys.argv[1] == "hold":
    assert memory.hold_heap()

def job():  # a job thread: 400 MB touched, then freed
    a = np.ones((100, 1024, 1024), np.float32)
    del a

t = threading.Thread(target=job)
t.start(); t.join()
memory.release_free_memory()
after_job = rss_mb()
memory.trim_heap()
print(after_job, rss_mb())
"""


def run(mode: str) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def test_memory_goes_back_after_each_job_by_default():
    after_job, after_trim = run("default")
    assert after_job < 300 and after_trim < 300


def test_a_held_heap_keeps_a_jobs_memory_until_trimmed():
    """The bridge's case: 400 MB freed by a job thread stay in the process (the next job
    reuses them instead of faulting in fresh pages) until trim_heap gives them back."""
    after_job, after_trim = run("hold")
    assert after_job > 400
    assert after_trim < after_job - 350
