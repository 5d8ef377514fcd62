"""What every command of the ``hdr-studio`` command line shares: its name, the usage error,
the parser that says an error in one line, number types, the progress bar and warnings."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from hdr_studio.api.errors import HdrStudioError

PROG = "hdr-studio"


class UsageError(HdrStudioError):
    exit_code = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_int(text: str) -> int:
    try:
        v = int(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text}")
    return v


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


class TerminalProgress:
    """Progress bar on stderr when it is a terminal; silent when piped."""

    def __init__(self, label: str, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label
        self.start = time.monotonic()
        self._last = -1.0

    def __call__(self, fraction: float, message: str) -> None:
        if not self.enabled or (fraction < 1.0 and fraction - self._last < 0.01):
            return
        self._last = fraction
        width = 28
        filled = round(width * fraction)
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.monotonic() - self.start
        line = f"\r{self.label} [{bar}] {fraction * 100:5.1f}% {elapsed:5.1f}s {message[:30]:<30}"
        self.stream.write(line)
        if fraction >= 1.0:
            self.stream.write("\n")
        self.stream.flush()


def warn(notes: list[str], path: Path | str) -> None:
    for note in notes:
        print(f"{PROG}: warning: {path}: {note}", file=sys.stderr)
