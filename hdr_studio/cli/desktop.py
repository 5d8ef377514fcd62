"""``hdr-studio desktop``: add HDR Studio to the application menu, or take it out."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    k = sub.add_parser(
        "desktop", help="add HDR Studio to the application menu (entry, icons, file types)"
    )
    k.add_argument("action", choices=("install", "uninstall"))
    k.add_argument("--user", action="store_true", help="for the current user (the default)")
    k.add_argument("--prefix", metavar="DIR", help="data folder (default $XDG_DATA_HOME)")
    k.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hdr_studio import desktop

    root = Path(args.prefix) if args.prefix else None
    if args.action == "install":
        files = desktop.install(root)
        print(
            f"installed the menu entry, icons and metainfo ({len(files)} files) in "
            f"{root or desktop.data_home()}; HDR Studio is in the application menu and offered "
            "for photos under 'Open with'"
        )
    else:
        files = desktop.uninstall(root)
        print(f"removed {len(files)} files from {root or desktop.data_home()}")
    return 0
