"""The bridge's log: Python ``logging`` for the whole ``hdr_studio`` package, written by a
running bridge to a rotating file in the user's state folder
(``$XDG_STATE_HOME/hdr-studio/bridge.log``, else ``~/.local/state/hdr-studio/``; 1 MiB,
three old files kept). A daemon that a plug-in starts has no terminal: this is where its
requests, jobs, app sessions and errors leave a trace. Secrets are never written: the
bridge's token, and any other string registered with :func:`redact`, is masked in every
line, whatever logged it."""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
from pathlib import Path

from hdr_studio.bridge.client import state_dir

LOG_NAME = "bridge.log"
MAX_BYTES = 1 << 20
BACKUPS = 3
_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()


def log_path() -> Path:
    """Where a bridge writes its log."""
    return state_dir() / LOG_NAME


def redact(secret: str) -> None:
    """Never let ``secret`` reach the log (it is replaced by ``[redacted]``)."""
    if secret:
        with _SECRETS_LOCK:
            _SECRETS.add(secret)


class RedactingFormatter(logging.Formatter):
    """A formatter that masks the registered secrets in the finished line (message,
    arguments and traceback alike)."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        with _SECRETS_LOCK:
            secrets = list(_SECRETS)
        for secret in secrets:
            text = text.replace(secret, "[redacted]")
        return text


def start_file_log(level: int = logging.INFO) -> Path:
    """Send the package's log to the rotating file (created 0600 in a 0700 folder);
    returns its path. Calling it again adds no second handler."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    root = logging.getLogger("hdr_studio")
    for handler in root.handlers:
        if (
            isinstance(handler, logging.handlers.RotatingFileHandler)
            and Path(handler.baseFilename) == path.resolve()
        ):
            return path
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level)
    return path


def stop_file_log() -> None:
    """Remove (and close) the file handlers :func:`start_file_log` added."""
    root = logging.getLogger("hdr_studio")
    for handler in list(root.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            root.removeHandler(handler)
            handler.close()


__all__ = ["log_path", "redact", "start_file_log", "stop_file_log"]
