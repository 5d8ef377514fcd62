"""``hdr-studio gui``: open the desktop app (optionally a photo, a screenshot, a round trip)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hdr_studio.api.errors import InputError, OutputError
from hdr_studio.cli.common import UsageError


def register(sub) -> None:
    g = sub.add_parser("gui", help="open the desktop app")
    g.add_argument("input", metavar="FILE", nargs="?")
    g.add_argument(
        "--screenshot",
        metavar="PNG",
        help="open FILE, wait until drawn, save a screenshot of the window and exit",
    )
    g.add_argument(
        "--reconstruct",
        metavar="METHOD",
        help="run a reconstruction method after opening FILE (e.g. classical)",
    )
    g.add_argument(
        "--bridge-session",
        metavar="ID",
        help="open the layer a GIMP/Krita plug-in sent through the bridge (the round trip)",
    )
    g.add_argument(
        "--send-back",
        action="store_true",
        help="with --bridge-session and --reconstruct: send the result back and quit",
    )
    g.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        from hdr_studio.app.main import run as run_app
        from hdr_studio.app.main_window import MainWindow  # noqa: F401  (Qt is importable)
    except ImportError:
        raise UsageError(
            "the desktop app needs Qt: pip install 'hdr-studio[gui]' (or '[app]' with the networks)"
        ) from None
    if args.send_back and not (args.bridge_session and args.reconstruct):
        raise UsageError("--send-back needs --bridge-session and --reconstruct")
    if args.input and not Path(args.input).exists():
        raise InputError(f"{args.input}: no such file")
    if args.screenshot:
        check = Path(args.screenshot)
        if not check.parent.is_dir():
            raise OutputError(f"{check}: folder {check.parent} does not exist")
    code = run_app(
        args.input,
        args.screenshot,
        args.reconstruct,
        session=args.bridge_session,
        send_back=args.send_back,
    )
    # Leave without interpreter finalisation: Qt's and OpenImageIO's bindings tear down in an
    # order that makes nanobind print bogus leak reports. Everything is saved and flushed.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
