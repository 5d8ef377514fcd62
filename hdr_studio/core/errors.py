"""Errors the engine raises for bad input and refused or failed output.

Every front end (CLI, GUI, bridge) shows ``str(error)`` as one line and, on the command
line, exits with ``error.exit_code``:

* 2: the input cannot be used (missing, empty, corrupt, truncated, unsupported, too large);
  argparse usage errors also exit 2.
* 3: the output was refused or could not be written (exists without ``--force``, would
  overwrite the source, unknown format, writer failure).
* 130: the job was cancelled.
"""

from __future__ import annotations

from collections.abc import Callable


class HdrStudioError(Exception):
    """Base class: a problem to report to the user in one line."""

    exit_code = 1


class InputError(HdrStudioError):
    """The input image cannot be read or is not acceptable."""

    exit_code = 2


class OutputError(HdrStudioError):
    """The output is refused or could not be written; ``folder``: the fault is its
    folder's (missing, not a folder, not writable), not its name's."""

    exit_code = 3

    def __init__(self, message: str, folder: bool = False) -> None:
        super().__init__(message)
        self.folder = folder


class Cancelled(HdrStudioError):
    """A job was cancelled through its :class:`~hdr_studio.core.jobs.CancelToken`."""

    exit_code = 130


def library_message(get_error: Callable[[], str]) -> str:
    """A C library's error message as one printable line. ``get_error`` is the library's
    getter (OpenImageIO's ``geterror``); a message that is not valid UTF-8 (a damaged file's
    own bytes quoted in it: an attribute or channel name) makes the binding raise
    ``UnicodeDecodeError`` with the message's bytes: they are decoded with replacement
    characters instead, and control characters become spaces."""
    try:
        text = get_error() or ""
    except UnicodeDecodeError as exc:
        raw = exc.object if isinstance(exc.object, bytes | bytearray) else b""
        text = bytes(raw).decode("utf-8", errors="replace")
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return " ".join(text.split())
