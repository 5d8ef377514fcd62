"""The ``hdr-studio`` command: analyse clipping, reconstruct to HDR, decompose, open the app,
batch runs, the bridge and plug-ins, datasets and training. One module per command; each
registers its options (those of an api operation made from its parameter table,
:mod:`hdr_studio.cli.options`) and runs it through the api.

Exit codes: 0 success; 2 bad input or usage (unreadable, corrupt, too large, bad option);
3 output refused or failed (exists without --force, would overwrite the source, writer
error); 4 some photos of a batch failed (the rest were done); 130 cancelled (Ctrl-C);
1 unexpected internal error. Errors are one line on stderr.
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
        else:
            parser.print_help()
            return 0
    try:
        return int(args.func(args) or 0)
    except HdrStudioError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
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
