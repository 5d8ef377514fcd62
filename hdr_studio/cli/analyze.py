"""``hdr-studio analyze``: what clipped in a photo (per channel, any and all channels,
regions), and the overlay that marks it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hdr_studio.api.parameters import ANALYSE
from hdr_studio.cli.common import UsageError, warn
from hdr_studio.cli.options import add_parameters


def register(sub) -> None:
    a = sub.add_parser("analyze", help="report clipped pixels (per channel, regions)")
    a.add_argument("input", metavar="IN")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a.add_argument("--overlay", metavar="PNG", help="also write the clipping overlay (RGBA)")
    a.add_argument("--force", action="store_true", help="overwrite an existing overlay file")
    add_parameters(a, "analyze", ANALYSE)
    a.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hdr_studio.api.analysis import analyse, check_thresholds, read_photo, write_overlay

    try:
        check_thresholds(args.over, args.under)
    except ValueError:
        raise UsageError("--under must be below --over") from None
    image = read_photo(args.input, args.max_pixels)
    warn(image.notes, Path(args.input))
    analysis = analyse(image, args.over, args.under)
    if args.overlay:
        write_overlay(analysis.overlay(args.mode), args.overlay, args.force, image)
    if args.json:
        print(json.dumps({**analysis.to_dict(), "path": str(args.input)}, indent=2))
        return 0
    _print_report(args, analysis)
    return 0


def _pct(v: float) -> str:
    return f"{v * 100:.2f}%"


def _print_report(args: argparse.Namespace, analysis) -> None:
    image, stats = analysis.image, analysis.stats
    print(
        f"{args.input}: {stats.width}x{stats.height}, {image.source_format} {image.bit_depth}-bit, "
        f"{image.transfer} / {image.primaries}"
    )
    over_text = (
        "the sensor's saturation (raw)"
        if analysis.over_source == "sensor"
        else f">= {stats.over_threshold * 255:.1f}/255"
    )
    print(f"  thresholds: over {over_text}, under <= {stats.under_threshold * 255:.1f}/255")
    if image.gain_map is not None:
        print(f"  {image.gain_map.summary()}; reconstruction still recovers what clipped")
    elif image.transfer in ("pq", "hlg"):
        print(
            f"  HDR photo: {image.transfer.upper()}-encoded, peak {image.linear.max():.2f}x SDR "
            "white; reconstruction still recovers what clipped"
        )
    sides = (
        ("over-exposed ", "over", stats.over_regions, stats.largest_over),
        ("under-exposed", "under", stats.under_regions, stats.largest_under),
    )
    for label, side, n, big in sides:
        per = getattr(stats, f"{side}_per_channel")
        any_, all_ = getattr(stats, f"{side}_any"), getattr(stats, f"{side}_all")
        chans = " ".join(f"{c} {_pct(v)}" for c, v in per.items())
        print(f"  {label}: any {_pct(any_)}, all {_pct(all_)}  ({chans})")
        if n:
            sizes = ", ".join(str(r.pixels) for r in big[:5])
            print(f"                 {n} region{'' if n == 1 else 's'}, largest (px): {sizes}")
    if args.overlay:
        print(f"  overlay written to {args.overlay}")
