"""Batch on a real two-node Ray cluster, started by the test on loopback inside a network
namespace it makes (on the host Ray advertises the machine's outside address even when told
127.0.0.1; in its own namespace loopback is the only interface). Needs root (``ip netns``)
and the ``cluster`` extra; skipped otherwise. The cluster is stopped and the namespace
deleted at the end."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
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


def _ns(name: str, *cmd: str, home: Path, tmp: Path | None = None, **kw):
    """``cmd`` in the namespace ``name`` with its own HOME: nothing a user's or an earlier
    run's Ray left in the real one (``~/.ray/auth_token``: every join then fails with
    ``InvalidAuthToken``) reaches the test's cluster."""
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "HOME": str(home)}
    if tmp is not None:  # where a local Ray puts its session (short: socket paths)
        env["TMPDIR"] = str(tmp)
    for key in ("RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        env.pop(key, None)
    return subprocess.run(
        ["ip", "netns", "exec", name, *cmd],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        **kw,
    )


def _namespace_pids(name: str) -> list[int]:
    out = subprocess.run(["ip", "netns", "pids", name], check=False, capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _stop_namespace(name: str) -> None:
    """End the processes in the namespace (ours alone: ``ray stop`` would end every Ray
    process on the machine) and delete it."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        for pid in _namespace_pids(name):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while _namespace_pids(name) and time.monotonic() < deadline:
            time.sleep(0.2)
    subprocess.run(["ip", "netns", "delete", name], check=False)


@contextlib.contextmanager
def _ray_temp():
    """A short folder for Ray's session files (its socket paths must stay under 107 bytes,
    which pytest's temporary folders exceed)."""
    folder = Path(tempfile.mkdtemp(prefix="hdrs-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _new_namespace() -> str:
    name = f"hdrs-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
    return name


def _start_cluster(name: str, home: Path, temp: Path, port: int = HEAD_PORT) -> None:
    """A head and a second node on loopback in namespace ``name``, Ray's files in ``temp``."""
    ray_bin = str(BIN / "ray")
    head = _ns(
        name,
        ray_bin,
        "start",
        "--head",
        f"--port={port}",
        f"--temp-dir={temp}",
        "--include-dashboard=false",
        "--num-cpus=1",
        "--disable-usage-stats",
        "--node-ip-address=127.0.0.1",
        home=home,
        timeout=120,
    )
    assert head.returncode == 0, head.stderr[-2000:]
    node = _ns(
        name,
        ray_bin,
        "start",
        f"--address=127.0.0.1:{port}",
        "--num-cpus=1",
        "--node-ip-address=127.0.0.1",
        f"--node-manager-port={port + 1}",
        f"--object-manager-port={port + 2}",
        "--min-worker-port=20000",
        "--max-worker-port=20100",
        "--disable-usage-stats",
        home=home,
        timeout=120,
    )
    assert node.returncode == 0, node.stderr[-2000:]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    home = tmp_path_factory.mktemp("ray-home")
    name = _new_namespace()
    with _ray_temp() as temp:
        try:
            _start_cluster(name, home, temp)
            yield name, home
        finally:
            _stop_namespace(name)


def _photos(folder: Path, n: int) -> None:
    code = read_image(SAMPLES / "seeding_lomiri.jpg").code
    folder.mkdir(parents=True)
    for i in range(n):
        px = cv2.resize(code[i * 7 :, i * 5 :], (96, 64), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / f"p{i:02d}.png"), (px * 255 + 0.5).astype(np.uint8)[..., ::-1])


def _batch(ns: tuple[str, Path], *args: str, timeout=600) -> subprocess.CompletedProcess:
    name, home = ns
    cmd = (sys.executable, "-m", "hdr_studio", "batch", *args)
    return _ns(name, *cmd, home=home, timeout=timeout)


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
            cluster[0],
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
        env={**os.environ, "HOME": str(cluster[1]), "RAY_USAGE_STATS_ENABLED": "0"},
    )
    assert proc.stdout is not None
    killed = False
    for line in proc.stdout:
        if not killed and json.loads(line)["event"] == "photo":
            # Kill one of the actor processes by pid (a worker dying mid-batch): one of
            # this cluster's, never another Ray's on the machine.
            actors = subprocess.run(
                ["pgrep", "-f", "ray::_Actor"], capture_output=True, text=True, check=False
            ).stdout.split()
            ours = set(_namespace_pids(cluster[0]))
            pids = [p for p in actors if int(p) in ours]
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


def test_a_local_ray_leaves_no_token_that_breaks_a_later_cluster(tmp_path):
    """``--cluster ray`` without an address starts a Ray of its own. Ray's default writes
    ``~/.ray/auth_token`` for it, and a cluster started later by the same user then refuses
    its own second node ("InvalidAuthToken"). The run keeps its token in its processes'
    environment: nothing is left in HOME, and a later cluster starts and runs a batch."""
    src = tmp_path / "in"
    _photos(src, 2)
    home = tmp_path / "home"
    home.mkdir()
    name = _new_namespace()
    try:
        cmd = (sys.executable, "-m", "hdr_studio", "batch", str(src), "-o", str(tmp_path / "a"))
        with _ray_temp() as temp:
            local = _ns(name, *cmd, "--method", "classical", "--cluster", "ray", "--progress",
                        "none", home=home, tmp=temp, timeout=600)  # fmt: skip
        assert local.returncode == 0, local.stderr[-3000:]
        assert not (home / ".ray" / "auth_token").exists()
        _stop_namespace(name)
        name = _new_namespace()
        with _ray_temp() as temp:
            _start_cluster(name, home, temp)
            later = _batch((name, home), str(src), "-o", str(tmp_path / "b"), "--method",
                           "classical", "--cluster", f"ray:127.0.0.1:{HEAD_PORT}",
                           "--progress", "none")  # fmt: skip
            assert later.returncode == 0, later.stderr[-3000:]
        outputs = sorted(p.name for p in (tmp_path / "b").glob("*.exr"))
        assert outputs == ["p00.exr", "p01.exr"]
    finally:
        _stop_namespace(name)
