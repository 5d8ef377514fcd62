"""The ``hdr-studio`` parser: the top level (``--version``) and one subcommand per module."""

from __future__ import annotations

import argparse
from typing import Any

from hdr_studio import __version__
from hdr_studio.cli import (
    analyze,
    batch,
    bridge,
    camera_curves,
    decompose,
    desktop,
    gui,
    measure_curve,
    models,
    plugins,
    reconstruct,
    samples,
)
from hdr_studio.cli.common import PROG, Parser, positive_int

#: The commands, in the order ``--help`` lists them.
COMMANDS = (
    analyze,
    reconstruct,
    gui,
    models,
    samples,
    desktop,
    measure_curve,
    camera_curves,
    decompose,
    bridge,
    plugins,
    batch,
)


def version_text() -> str:
    """``hdr-studio --version``: this version, the libraries it runs on, the device."""
    import platform
    from importlib import metadata

    def v(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    from hdr_studio.api.catalogue import device_line

    return (
        f"{PROG} {__version__}\n"
        f"  Python {platform.python_version()}, numpy {v('numpy')}, "
        f"OpenImageIO {v('OpenImageIO')}, torch {v('torch')}, "
        f"Qt (PySide6) {v('PySide6-Essentials')}\n"
        f"  networks run on: {device_line()}"
    )


class _VersionAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None) -> None:  # type: ignore[override]
        print(version_text())
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    from hdr_studio.api.formats import readable_summary

    p = Parser(
        prog=PROG,
        description="Recover clipped highlights in photographs and export them as HDR. "
        + readable_summary(),
        epilog="Exit codes: 0 ok, 2 bad input or usage, 3 output refused or failed, "
        "4 some photos of a batch failed, 130 cancelled, 143 terminated, 1 internal error.",
    )
    p.add_argument("--version", action=_VersionAction, nargs=0, help="versions and device")
    sub: Any = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.register(sub)
    from hdr_studio.training.cli import add_commands as add_training

    add_training(sub, positive_int)
    return p
