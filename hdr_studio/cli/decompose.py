"""``hdr-studio decompose``: the WLS base and detail layers of a photo (EXR and PNG
previews) and the base/detail hybrid's mask."""

from __future__ import annotations

import argparse
from pathlib import Path

from hdr_studio.api.parameters import DECOMPOSE
from hdr_studio.cli.common import TerminalProgress, warn
from hdr_studio.cli.options import add_parameters


def register(sub) -> None:
    d = sub.add_parser("decompose", help="WLS base/detail layers (and the hybrid mask)")
    d.add_argument("input", metavar="IN")
    d.add_argument("-o", "--output", metavar="DIR", required=True, help="output folder")
    d.add_argument("--force", action="store_true", help="overwrite existing files")
    add_parameters(d, "decompose", DECOMPOSE)
    d.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hdr_studio.api.analysis import read_photo
    from hdr_studio.api.decomposition import check_folder, decompose, write_layers

    out = Path(args.output)
    check_folder(out)  # before the long work
    image = read_photo(args.input, args.max_pixels)
    warn(image.notes, Path(args.input))
    progress = TerminalProgress("decompose")
    progress(0.05, "WLS base layer")
    layers = decompose(image, lam=args.lam, alpha=args.alpha, solver=args.solver)
    progress(0.8, "writing")
    names = write_layers(layers.files(args.tau), out, args.force, Path(args.input))
    progress(1.0, "done")
    print(f"wrote {', '.join(names)} to {out}")
    return 0
