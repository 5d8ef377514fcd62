"""The bridge's exchange folder: large layer messages as files instead of socket traffic.

A 12 MP layer is 48 MB going in and a float result 192 MB coming out; through the loopback
socket each costs the sender's copy, the kernel's and the reader's, about half a second on a
2-core machine. When both ends see the same runtime folder (the plug-ins find the connection
file there), the client writes the request body to a private file in the bridge's exchange
folder and names it in a header; the bridge reads and removes it. A client that asks for it
gets a layer answer the same way: the bridge writes the message to a new private file and
answers with its name; the client reads and removes it. The bytes are the same layer
messages as on the socket (``plugins/PROTOCOL.md``).

The bridge reads only names it could have given (32 hex digits, ``.in``), in its own 0700
folder, regular files owned by its user, never following a link, within the body limit; it
removes files left behind longer than :data:`STALE_SECONDS` and the folder when it stops.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
import time
from pathlib import Path

from hdr_studio.bridge.client import EXCHANGE_NAME
from hdr_studio.bridge.queries import HttpError

FOLDER = "exchange"  # inside the runtime folder; the connection file names it
STALE_SECONDS = 300.0  # a file nobody took within this is removed


def make_folder(runtime: Path) -> Path:
    """The exchange folder in ``runtime``, created (or emptied) with mode 0700."""
    folder = runtime / FOLDER
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    for old in folder.iterdir():
        with contextlib.suppress(OSError):
            old.unlink()
    return folder


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def read_body(folder: Path, name: str, limit: int) -> bytearray:
    """The body a client wrote to ``folder/name``, read and removed; 400/413 when the name
    is not one a client may send, the file is missing or not a private regular file, or it
    is over ``limit`` bytes."""
    if not EXCHANGE_NAME.fullmatch(name) or not name.endswith(".in"):
        raise HttpError(400, f"bad body file name {name[:80]!r}")
    path = folder / name
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise HttpError(400, f"body file {name}: {exc.strerror or exc}") from None
    try:
        os.unlink(path)  # taken: nobody else reads it, nothing is left behind
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            raise HttpError(400, f"body file {name} is not a private regular file")
        if info.st_size > limit:
            raise HttpError(413, f"body of {info.st_size} bytes is over the limit of {limit} bytes")
        buf = bytearray(info.st_size)
        view, got = memoryview(buf), 0
        while got < len(buf):
            k = os.readv(fd, [view[got:]])
            if not k:
                raise HttpError(400, f"body file {name} ended after {got} bytes")
            got += k
        return buf
    finally:
        os.close(fd)


def write_answer(folder: Path, pieces: list) -> tuple[str, int]:
    """The answer's pieces written to a new private file; (its name, its length)."""
    name = f"{secrets.token_hex(16)}.out"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    total = 0
    try:
        with os.fdopen(fd, "wb") as f:
            for piece in pieces:
                view = memoryview(piece).cast("B")
                f.write(view)
                total += view.nbytes
    except BaseException:
        with contextlib.suppress(OSError):
            (folder / name).unlink()
        raise
    return name, total


def sweep(folder: Path, older_than: float = STALE_SECONDS) -> int:
    """Remove files older than ``older_than`` seconds (a client that died before taking
    its answer, or before the bridge read its body); how many were removed."""
    removed, now = 0, time.time()
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for path in entries:
        with contextlib.suppress(OSError):
            if now - path.lstat().st_mtime > older_than:
                path.unlink()
                removed += 1
    return removed


__all__ = [
    "FOLDER",
    "STALE_SECONDS",
    "make_folder",
    "read_body",
    "remove_folder",
    "sweep",
    "write_answer",
]
