"""``hdr-studio camera-curves``: the curves ``measure-curve`` kept, by camera."""

from __future__ import annotations

import argparse
import json


def register(sub) -> None:
    cc = sub.add_parser(
        "camera-curves", help="the curves measure-curve kept, by camera (--curve camera)"
    )
    cc.add_argument("--forget", metavar="CAMERA", help="remove the curve kept for CAMERA")
    cc.add_argument("--json", action="store_true", help="machine-readable output")
    cc.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hdr_studio.api import camera_curves

    if args.forget:
        print(f"forgot the curve of {args.forget} ({camera_curves.forget(args.forget)})")
        return 0
    found = camera_curves.remembered()
    if args.json:
        print(json.dumps([{"camera": c.camera, "path": str(c.path)} for c in found]))
        return 0
    if not found:
        print(f"no camera curves kept yet (in {camera_curves.library()})")
    for c in found:
        print(f"{c.camera}: {c.path}")
    return 0
