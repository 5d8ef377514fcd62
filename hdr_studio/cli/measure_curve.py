"""``hdr-studio measure-curve``: a camera's curve from an exposure bracket (``--curve FILE``;
kept for the camera, ``--curve camera``)."""

from __future__ import annotations

import argparse
import json
import sys

from hdr_studio.cli.common import PROG, TerminalProgress


def register(sub) -> None:
    mc = sub.add_parser(
        "measure-curve",
        help="measure the camera's curve from an exposure bracket (for --curve FILE)",
    )
    mc.add_argument("inputs", metavar="IN", nargs="+", help="two or more shots of one still scene")
    mc.add_argument("-o", "--output", metavar="FILE", required=True, help="curve file to write")
    mc.add_argument(
        "--stops",
        type=float,
        metavar="EV",
        help="the shots are EV apart (when their Exif has no shutter times)",
    )
    mc.add_argument(
        "--no-align",
        action="store_true",
        help="the shots are from a tripod: do not align them (by default they are shifted "
        "onto the middle exposure, for a hand-held bracket)",
    )
    mc.add_argument(
        "--no-remember",
        action="store_true",
        help="do not keep the curve for the shots' camera (by default --curve camera then "
        "uses it for that camera's photos)",
    )
    mc.add_argument("--json", action="store_true", help="machine-readable output")
    mc.add_argument("--force", action="store_true", help="overwrite an existing curve file")
    mc.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hdr_studio.api.bracket import measure_bracket

    outcome = measure_bracket(
        args.inputs,
        args.output,
        args.stops,
        args.force,
        TerminalProgress("measure-curve"),
        align=not args.no_align,
        remember=not args.no_remember,
    )
    for note in outcome.notes:
        print(f"{PROG}: warning: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(_as_json(args, outcome)))
        return 0
    fit = outcome.fit
    if outcome.largest_shift:
        print(f"aligned the shots (moved by up to {outcome.largest_shift} px)")
    print(
        f"camera curve measured from {len(args.inputs)} shots ({fit.samples} samples, "
        f"fit residual {fit.residual:.3f} stops) -> {outcome.output}; use it with "
        f"--curve {outcome.output}"
    )
    if outcome.remembered is not None:
        print(f"kept for {outcome.camera}: --curve camera uses it for its photos")
    return 0


def _as_json(args: argparse.Namespace, outcome) -> dict:
    fit = outcome.fit
    return {
        "output": str(outcome.output),
        "shots": [str(p) for p in args.inputs],
        "exposures": list(fit.exposures),
        "samples": fit.samples,
        "residual_stops": round(fit.residual, 4),
        "shifts_px": [list(m) for m in outcome.shifts] or None,
        "camera": outcome.camera,
        "kept": str(outcome.remembered) if outcome.remembered else None,
        "notes": list(outcome.notes),
    }
