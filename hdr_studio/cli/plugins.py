"""``hdr-studio plugins install|uninstall|package``: the GIMP 3 or Krita plug-in for this
user, or its archive."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("plugins", help="install the GIMP 3 or Krita plug-in for this user")
    p.add_argument("action", choices=("install", "uninstall", "package"))
    p.add_argument("host", choices=("krita", "gimp"))
    p.add_argument("--dest", metavar="DIR", help="the host's plug-in folder (default: the user's)")
    p.add_argument("-o", "--output", metavar="ZIP", help="package: the archive to write")
    p.add_argument("--force", action="store_true", help="replace an existing archive")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hdr_studio.bridge import plugins

    if args.action == "package":
        out = Path(args.output or f"hdr-studio-{args.host}-plugin.zip")
        plugins.package(args.host, out, force=args.force)
        print(f"wrote {out}")
        return 0
    dest = Path(args.dest) if args.dest else None
    if args.action == "uninstall":
        where = plugins.uninstall(args.host, dest)
        print(f"removed the {args.host} plug-in from {where}" if where else "nothing to remove")
        return 0
    where = plugins.install(args.host, dest)
    print(f"installed the {args.host} plug-in into {where}")
    print(f"it starts HDR Studio as: {' '.join(plugins.install_command())}")
    print(plugins.NEXT_STEPS[args.host])
    if args.host == "krita" and os.environ.get("VIRTUAL_ENV"):
        print(
            "note: start Krita from the menu or a shell without an activated venv: "
            "Krita's own Python takes the venv's python3 from PATH and then has no "
            "PyQt5 (no Python plug-in loads); the HDR Studio plug-in needs no venv."
        )
    return 0
