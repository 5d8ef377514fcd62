"""Batch on a real two-node Ray cluster, started by the test on loopback inside a network
namespace it makes (on the host Ray advertises the machine's outside address even when told
127.0.0.1; in its own namespace loopback is the only interface). Needs root (``ip netns``)
and the ``cluster`` extra; skipped otherwise. The cluster is stopped and the namespace
deleted at the end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import cv2
import numpy as np
import pytest

from hdr_studio.core.reader import read_image
from tests.helpers import SAMPLES

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

ray = pytest.importorskip("ray")
if os.geteuid() != 0 or shutil.which("ip") is None:
    pytest.skip("needs root and iproute2 for a network namespace", allow_module_level=True)

HEAD_PORT = 6390
BIN = Path(sys.executable).parent


def _ns(name: str, *cmd: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    return subprocess.run(
        ["ip", "netns", "exec", name, *cmd],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        **kw,
    )


@pytest.fixture(scope="module")
def cluster():
    name = f"hdrs-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        _ns(name, "ip", "link", "set", "lo", "up")
        ray_bin = str(BIN / "ray")
        head = _ns(
            name,
            ray_bin,
            "start",
            "--head",
            f"--port={HEAD_PORT}",
            "--include-dashboard=false",
            "--num-cpus=1",
            "--disable-usage-stats",
            "--node-ip-address=127.0.0.1",
            timeout=120,
        )
        assert head.returncode == 0, head.stderr[-2000:]
        node = _ns(
            name,
            ray_bin,
            "start",
            f"--address=127.0.0.1:{HEAD_PORT}",
            "--num-cpus=1",
            "--node-ip-address=127.0.0.1",
            "--node-manager-port=6391",
            "--object-manager-port=6392",
            "--min-worker-port=20000",
            "--max-worker-port=20100",
            "--disable-usage-stats",
            timeout=120,
        )
        assert node.returncode == 0, node.stderr[-2000:]
        yield name
    finally:
        _ns(name, str(BIN / "ray"), "stop", "--force", timeout=120)
        subprocess.run(["ip", "netns", "delete", name], check=False)


def _photos(folder: Path, n: int) -> None:
    code = read_image(SAMPLES / "seeding_lomiri.jpg").code
    folder.mkdir(parents=True)
    for i in range(n):
        px = cv2.resize(code[i * 7 :, i * 5 :], (96, 64), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / f"p{i:02d}.png"), (px * 255 + 0.5).astype(np.uint8)[..., ::-1])


def _batch(ns: str, *args: str, timeout=600) -> subprocess.CompletedProcess:
    return _ns(ns, sys.executable, "-m", "hdr_studio", "batch", *args, timeout=timeout)


def test_cluster_equals_local_pool_and_records_a_bad_photo(cluster, tmp_path):
    src = tmp_path / "in"
    _photos(src, 20)
    (src / "zz_corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n nope")
    local = subprocess.run(
        [
            sys.executable,
            "-m",
            "hdr_studio",
            "batch",
            str(src),
            "-o",
            str(tmp_path / "local"),
            "--method",
            "classical",
            "--progress",
            "none",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert local.returncode == 4, local.stderr
    for results in ("shared", "bytes"):
        out = tmp_path / f"ray_{results}"
        r = _batch(
            cluster,
            str(src),
            "-o",
            str(out),
            "--method",
            "classical",
            "--cluster",
            f"ray:127.0.0.1:{HEAD_PORT}",
            "--cluster-results",
            results,
            "--workers",
            "2",
            "--progress",
            "none",
        )
        assert r.returncode == 4, r.stderr[-3000:]
        report = json.loads((out / "batch-report.json").read_text())
        assert report["ok"] == 20 and report["failed"] == 1
        for f in sorted((tmp_path / "local").glob("*.exr")):
            assert (out / f.name).read_bytes() == f.read_bytes(), f.name


def test_a_worker_killed_mid_batch(cluster, tmp_path):
    src = tmp_path / "in"
    _photos(src, 20)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            cluster,
            sys.executable,
            "-m",
            "hdr_studio",
            "batch",
            str(src),
            "-o",
            str(out),
            "--method",
            "masked",
            "--cluster",
            f"ray:127.0.0.1:{HEAD_PORT}",
            "--workers",
            "2",
            "--progress",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    killed = False
    for line in proc.stdout:
        if not killed and json.loads(line)["event"] == "photo":
            # Kill one of the actor processes by pid (a worker dying mid-batch).
            pids = subprocess.run(
                ["pgrep", "-f", "ray::_Actor"], capture_output=True, text=True, check=False
            ).stdout.split()
            assert pids
            os.kill(int(pids[0]), signal.SIGKILL)
            killed = True
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    report = json.loads((out / "batch-report.json").read_text())
    assert report["ok"] == 20
    outputs = sorted(p.name for p in out.glob("*.exr"))
    assert outputs == [f"p{i:02d}.exr" for i in range(20)]  # each exactly once
    assert not list(out.glob(".p*"))  # no partial files
    time.sleep(0.1)
