"""The ``hdr-studio`` command: analyse clipping, reconstruct to HDR, decompose, open the app,
batch runs, the bridge and plug-ins, datasets and training. One module per command; each
registers its options (those of an api operation made from its parameter table,
:mod:`hdr_studio.cli.options`) and runs it through the api.

Exit codes: 0 success; 2 bad input or usage (unreadable, corrupt, too large, bad option);
3 output refused or failed (exists without --force, would overwrite the source, writer
error); 4 some photos of a batch failed (the rest were done); 130 cancelled (Ctrl-C);
143 terminated (SIGTERM; cleaned up as for Ctrl-C); 1 unexpected internal error. Errors
are one line on stderr.
"""

from __future__ import annotations

import os
import sys

from hdr_studio.api.errors import HdrStudioError, InputError, OutputError
from hdr_studio.cli.common import PROG, TerminalProgress, UsageError
from hdr_studio.cli.parser import build_parser


def main(argv: list[str] | None = None) -> int:
    """The command line. Called with ``argv=None`` (the ``hdr-studio`` script, ``python -m
    hdr_studio``) it ends the process itself once the command is done: after torch has been
    loaded, interpreter finalisation tears OpenImageIO's nanobind module down in an order that
    makes nanobind print a bogus leak report to stderr. Outputs are written and closed by
    then; only the report is skipped. Called with a list (tests, scripts) it returns."""
    code = _run(argv)
    if argv is None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


class _TerminateAsInterrupt:
    """While a command runs, SIGTERM (``timeout``, ``kill``, a scheduler, a container
    stopping) is handled as Ctrl-C is: temporary files removed, a batch's record saved,
    exit 143. Python's default for SIGTERM ends the process with no clean-up, leaving a
    half-written temporary file beside the output."""

    def __init__(self, active: bool) -> None:
        import threading

        self.active = active and threading.current_thread() is threading.main_thread()
        self.signalled = False
        self._previous = None

    def _handle(self, _signum, _frame) -> None:
        self.signalled = True
        raise KeyboardInterrupt

    def __enter__(self) -> _TerminateAsInterrupt:
        if self.active:
            import signal

            self._previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *_exc) -> None:
        if self.active:
            import signal

            signal.signal(signal.SIGTERM, self._previous or signal.SIG_DFL)


def _on_desktop() -> bool:
    return sys.platform in ("win32", "darwin") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        if argv is None and _on_desktop() and sys.stdin is not None and sys.stdin.isatty():
            args = parser.parse_args(["gui"])
        else:  # a usage error, as a missing argument is: the help, then exit 2
            parser.print_help(sys.stderr)
            return 2
    terminated = _TerminateAsInterrupt(args.command != "gui")
    try:
        with terminated:
            code = int(args.func(args) or 0)
        # a command that handles the interruption itself (a batch saves its record and
        # returns 130) still says how it was interrupted
        return 143 if terminated.signalled and code == 130 else code
    except HdrStudioError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        if terminated.signalled:
            print(f"{PROG}: terminated", file=sys.stderr)
            return 143  # 128 + SIGTERM, as the shell reports a process it ended
        print(f"{PROG}: cancelled", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{PROG}: error: out of memory (try a smaller image)", file=sys.stderr)
        return 1
    except Exception as exc:
        if os.environ.get("HDR_STUDIO_DEBUG"):
            raise
        msg = " ".join(str(exc).split())
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {msg} "
            "(set HDR_STUDIO_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return 1


__all__ = [
    "InputError",
    "OutputError",
    "TerminalProgress",
    "UsageError",
    "build_parser",
    "main",
]
