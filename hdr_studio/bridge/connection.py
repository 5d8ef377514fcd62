"""Where a running bridge says how to reach it: the connection file (port, per-start token,
pid, protocol version), mode 0600 in a private runtime folder, and the lock that keeps one
bridge per user.

The folder is ``$HDR_STUDIO_RUNTIME_DIR`` when set (tests, several users' sandboxes), else
``$XDG_RUNTIME_DIR/hdr-studio``, else ``~/.cache/hdr-studio/run``; it is created 0700. The
plug-ins' client (:mod:`hdr_studio.bridge.client`) finds it the same way.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path

from hdr_studio.bridge.client import PROTOCOL, runtime_dir

CONNECTION_FILE = "bridge.json"
LOCK_FILE = "bridge.lock"


def private_dir() -> Path:
    """The runtime folder, created with mode 0700 (and tightened if it exists looser)."""
    folder = runtime_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(folder.stat().st_mode) & 0o077:
        folder.chmod(0o700)
    return folder


def new_token() -> str:
    """A random token for one start of the bridge (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def write_connection(port: int, token: str, version: str, exchange: str | None = None) -> Path:
    """Write the connection file atomically with mode 0600 (never readable by others, not
    even between create and rename). ``exchange``: the name of the exchange folder inside
    the runtime folder, when the bridge takes and gives layer messages as files."""
    folder = private_dir()
    path = folder / CONNECTION_FILE
    tmp = folder / f".{CONNECTION_FILE}.{os.getpid()}.tmp"
    info = {
        "port": port,
        "token": token,
        "pid": os.getpid(),
        "protocol": PROTOCOL,
        "version": version,
    }
    if exchange is not None:
        info["exchange"] = exchange
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(info, f)
    os.replace(tmp, path)
    return path


def remove_connection() -> None:
    """Remove the connection file if it is this process's."""
    path = runtime_dir() / CONNECTION_FILE
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


class SingleInstance:
    """An exclusive lock on the runtime folder's lock file, held while the bridge runs: a
    second ``bridge serve`` finds it taken and leaves; a dead bridge's lock is released by
    the kernel, so its stale connection file is simply replaced."""

    def __init__(self) -> None:
        self._fd: int | None = None

    def acquire(self) -> bool:
        import fcntl

        fd = os.open(private_dir() / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


__all__ = [
    "CONNECTION_FILE",
    "SingleInstance",
    "new_token",
    "private_dir",
    "remove_connection",
    "write_connection",
]
