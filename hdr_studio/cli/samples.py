"""``hdr-studio samples``: write the sample photos (and their licences) the package ships."""

from __future__ import annotations

import argparse
from pathlib import Path

from hdr_studio.api.errors import OutputError


def register(sub) -> None:
    sp = sub.add_parser("samples", help="write the sample photos (with their licences)")
    sp.add_argument("-o", "--output", metavar="DIR", default="hdr-studio-samples")
    sp.add_argument("--force", action="store_true", help="overwrite existing files")
    sp.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import shutil

    from hdr_studio.api.resources import package_resource

    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the folder ({exc.strerror})") from None
    src = package_resource("samples")
    names = sorted(p.name for p in src.iterdir() if p.suffix in (".jpg", ".md"))
    for name in names:
        if (out / name).exists() and not args.force:
            raise OutputError(f"{out / name}: already exists (use --force to overwrite)")
    for name in names:
        shutil.copyfile(src / name, out / name)
    print(f"wrote {', '.join(names)} to {out}")
    return 0
