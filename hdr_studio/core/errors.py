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


class HdrStudioError(Exception):
    """Base class: a problem to report to the user in one line."""

    exit_code = 1


class InputError(HdrStudioError):
    """The input image cannot be read or is not acceptable."""

    exit_code = 2


class OutputError(HdrStudioError):
    """The output is refused or could not be written."""

    exit_code = 3


class Cancelled(HdrStudioError):
    """A job was cancelled through its :class:`~hdr_studio.core.jobs.CancelToken`."""

    exit_code = 130
