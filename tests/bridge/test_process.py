"""``hdr-studio bridge serve|status|stop`` as processes: the connection file (mode 0600 in
a 0700 folder), one bridge per user, a stale file replaced, idle exit, start on demand."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hdr_studio.bridge import client as bridge_client

CLI = [sys.executable, "-m", "hdr_studio"]


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def serve(runtime: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, HDR_STUDIO_RUNTIME_DIR=str(runtime))
    return subprocess.Popen(
        [*CLI, "bridge", "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def cli(runtime: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HDR_STUDIO_RUNTIME_DIR=str(runtime))
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_serve_status_second_instance_stop(runtime):
    proc = serve(runtime)
    try:
        info = wait_for(bridge_client.read_connection)
        path = runtime / "bridge.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(runtime.stat().st_mode) == 0o700
        assert info["pid"] == proc.pid and info["protocol"] == 1 and len(info["token"]) >= 40
        folder = runtime / info["exchange"]  # layer messages as files: a private folder
        assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert bridge_client.Client.from_connection(info).exchange == folder
        status = cli(runtime, "bridge", "status")
        assert status.returncode == 0 and f"127.0.0.1:{info['port']}" in status.stdout
        second = cli(runtime, "bridge", "serve")
        assert second.returncode == 1 and "already running" in second.stdout
        stop = cli(runtime, "bridge", "stop")
        assert stop.returncode == 0
        assert proc.wait(20) == 0
        assert not path.exists() and not folder.exists()
        assert cli(runtime, "bridge", "status").returncode == 1
    finally:
        proc.kill()


@pytest.mark.slow
def test_stale_connection_file_is_replaced_and_idle_bridge_exits(runtime):
    runtime.mkdir(mode=0o700)
    dead = subprocess.Popen(["true"])
    dead.wait()
    (runtime / "bridge.json").write_text(json.dumps({"port": 1, "token": "x", "pid": dead.pid}))
    assert bridge_client.read_connection() is None  # dead pid: not a bridge
    proc = serve(runtime, "--idle-timeout", "2")
    try:
        info = wait_for(bridge_client.read_connection)
        assert info["pid"] == proc.pid
        assert proc.wait(30) == 0  # idle for 2 s: it left by itself
        assert bridge_client.read_connection() is None
    finally:
        proc.kill()


@pytest.mark.slow
def test_connect_starts_a_bridge_on_demand(runtime, monkeypatch):
    script = Path(sys.executable).with_name("hdr-studio")
    monkeypatch.setenv("HDR_STUDIO_COMMAND", str(script))
    with pytest.raises(bridge_client.BridgeError, match="no HDR Studio bridge is running"):
        bridge_client.connect(start=False)
    t0 = time.monotonic()
    client = bridge_client.connect(timeout=60)
    started = time.monotonic() - t0
    try:
        assert client.health()["status"] == "ok"
        again = bridge_client.connect()  # reuses the running one
        assert again.port == client.port and again.token == client.token
    finally:
        client.request("POST", "/v1/shutdown")
    wait_for(lambda: bridge_client.read_connection() is None, 20)
    assert started < 60


def test_connect_without_hdr_studio_says_so(runtime, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("HOME", str(runtime.parent))
    monkeypatch.delenv("HDR_STUDIO_COMMAND", raising=False)
    with pytest.raises(bridge_client.BridgeError, match="HDR Studio not found"):
        bridge_client.connect()


def test_a_bridge_that_fails_at_start_is_said_at_once(runtime, tmp_path):
    """A broken install (any uncaught exception exits 1) was taken for "another bridge is
    starting": the plug-ins waited 15 s, then said it did not answer "within 60 s" and
    hid the reason. Now the reason is said as soon as the process has exited."""
    broken = tmp_path / "broken-hdr-studio"
    broken.write_text(
        "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\n"
        "echo \"ModuleNotFoundError: No module named 'OpenImageIO'\" >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    t0 = time.monotonic()
    with pytest.raises(bridge_client.BridgeError) as err:
        bridge_client.connect(timeout=60, command=[str(broken)])
    assert time.monotonic() - t0 < 5
    assert "exited with status 1: ModuleNotFoundError" in str(err.value)


def test_a_busy_port_is_one_line(runtime):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = cli(runtime, "bridge", "serve", "--port", str(port))
    assert r.returncode == 3 and "cannot listen on 127.0.0.1" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
