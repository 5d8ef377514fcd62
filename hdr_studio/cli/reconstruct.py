"""``hdr-studio reconstruct``: recover what clipped in one photo and write it as HDR (or SDR),
with the options of the request's parameter table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hdr_studio.cli.common import PROG, TerminalProgress, UsageError, warn
from hdr_studio.cli.options import add_parameters, given


def register(sub) -> None:
    r = sub.add_parser("reconstruct", help="recover clipped highlights and write HDR")
    r.add_argument("input", metavar="IN")
    r.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        required=True,
        help="output file; the format follows the extension "
        "(.png PQ Rec.2020, .avif, .jxl, .jpg Ultra HDR, .exr, .tif, .hdr)",
    )
    r.add_argument("--force", action="store_true", help="overwrite an existing output")
    add_parameters(r, "reconstruct")
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hdr_studio.api import ReconstructRequest, prepare, reconstruct
    from hdr_studio.api.engine import unused_settings
    from hdr_studio.api.parameters import request_fields
    from hdr_studio.api.reading import read_ahead

    if not str(args.output).strip():  # Path("") is "." (the message named the folder)
        raise UsageError("the output path (-o) is empty")
    try:
        fields = request_fields(given(args, "reconstruct"), "reconstruct")
        request = ReconstructRequest(
            input=Path(args.input), output=Path(args.output), force=args.force, **fields
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    reading = read_ahead(request)  # the photo is decoded while the method loads
    plan = prepare(request)  # every check that needs no pixels, before the long work
    for note in unused_settings(request, plan):
        print(f"{PROG}: note: {note}", file=sys.stderr)
    outcome = reconstruct(
        request, progress=TerminalProgress(plan.method.name), plan=plan, image=reading.image()
    )
    warn(outcome.warnings, Path(args.input))
    for note in outcome.notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    print(f"wrote {outcome.output} ({outcome.format}, method {outcome.method})")
    return 0
