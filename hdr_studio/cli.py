"""The ``hdr-studio`` command: analyse clipping, reconstruct to HDR, decompose, open the app.

Exit codes: 0 success; 2 bad input or usage (unreadable, corrupt, too large, bad option);
3 output refused or failed (exists without --force, would overwrite the source, writer
error); 130 cancelled (Ctrl-C); 1 unexpected internal error. Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from hdr_studio import __version__
from hdr_studio.core.errors import HdrStudioError, InputError, OutputError

PROG = "hdr-studio"


class UsageError(HdrStudioError):
    exit_code = 2


def _threshold(text: str) -> float:
    """A code value in [0, 1], or an 8-bit level above 1 (250 → 250/255)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if v > 1.0:
        v /= 255.0
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"threshold out of range: {text}")
    return v


def _positive_int(text: str) -> int:
    try:
        v = int(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text}")
    return v


def _strength(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= v <= 150.0:
        raise argparse.ArgumentTypeError(f"must be 0 to 150 (%), got {text}")
    return v


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
    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(version_text())
        parser.exit(0)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


class TerminalProgress:
    """Progress bar on stderr when it is a terminal; silent when piped."""

    def __init__(self, label: str, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label
        self.start = time.monotonic()
        self._last = -1.0

    def __call__(self, fraction: float, message: str) -> None:
        if not self.enabled or (fraction < 1.0 and fraction - self._last < 0.01):
            return
        self._last = fraction
        width = 28
        filled = round(width * fraction)
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.monotonic() - self.start
        line = f"\r{self.label} [{bar}] {fraction * 100:5.1f}% {elapsed:5.1f}s {message[:30]:<30}"
        self.stream.write(line)
        if fraction >= 1.0:
            self.stream.write("\n")
        self.stream.flush()


def _warn(notes: list[str], path: Path) -> None:
    for note in notes:
        print(f"{PROG}: warning: {path}: {note}", file=sys.stderr)


def _read(path: str, max_pixels: int):
    from hdr_studio.core.reader import read_image

    image = read_image(path, max_pixels=max_pixels)
    _warn(image.notes, Path(path))
    return image


def _fmt_pct(v: float) -> str:
    return f"{v * 100:.2f}%"


def cmd_analyze(args: argparse.Namespace) -> int:
    from hdr_studio.core.clipping import clip_overlay, clip_stats
    from hdr_studio.core.export import write_array

    if args.under >= args.over:
        raise UsageError("--under must be below --over")
    image = _read(args.input, args.max_pixels)
    sensor = image.sensor_clip
    stats = clip_stats(image.code, over=args.over, under=args.under, sensor=sensor)
    if args.overlay:
        overlay = clip_overlay(
            image.code, mode=args.mode, over=args.over, under=args.under, sensor=sensor
        )
        write_array(
            overlay,
            args.overlay,
            "png8",
            force=args.force,
            sources=(Path(args.input),),
        )
    if args.json:
        d = stats.to_dict()
        d.update(
            path=str(args.input),
            primaries=image.primaries,
            transfer=image.transfer,
            bit_depth=image.bit_depth,
            format=image.source_format,
            over_source="sensor" if sensor is not None else "threshold",
            hdr_photo=(
                image.gain_map.to_dict()
                if image.gain_map is not None
                else {"encoding": image.transfer}
                if image.transfer in ("pq", "hlg")
                else None
            ),
        )
        print(json.dumps(d, indent=2))
        return 0
    print(
        f"{args.input}: {stats.width}x{stats.height}, {image.source_format} {image.bit_depth}-bit, "
        f"{image.transfer} / {image.primaries}"
    )
    over_text = (
        "the sensor's saturation (raw)"
        if sensor is not None
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
    for label, per, anyv, allv, n, big in (
        (
            "over-exposed ",
            stats.over_per_channel,
            stats.over_any,
            stats.over_all,
            stats.over_regions,
            stats.largest_over,
        ),
        (
            "under-exposed",
            stats.under_per_channel,
            stats.under_any,
            stats.under_all,
            stats.under_regions,
            stats.largest_under,
        ),
    ):
        chans = " ".join(f"{c} {_fmt_pct(v)}" for c, v in per.items())
        print(f"  {label}: any {_fmt_pct(anyv)}, all {_fmt_pct(allv)}  ({chans})")
        if n:
            sizes = ", ".join(str(r.pixels) for r in big[:5])
            print(f"                 {n} regions, largest (px): {sizes}")
    if args.overlay:
        print(f"  overlay written to {args.overlay}")
    return 0


def cmd_reconstruct(args: argparse.Namespace) -> int:
    from hdr_studio.api import ReconstructRequest, prepare, reconstruct
    from hdr_studio.api.request import shared_fields

    try:
        request = ReconstructRequest(
            input=Path(args.input),
            output=Path(args.output),
            force=args.force,
            threads=args.threads,
            max_pixels=args.max_pixels,
            **shared_fields(args),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    plan = prepare(request)  # every check that needs no pixels, before the long work
    outcome = reconstruct(request, progress=TerminalProgress(plan.method.name), plan=plan)
    _warn(outcome.warnings, Path(args.input))
    for note in outcome.notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    print(f"wrote {outcome.output} ({outcome.format}, method {outcome.method})")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from hdr_studio.api.catalogue import catalogue, device_line, parameter_count

    device = device_line(args.device, args.precision)
    rows = []
    for info in catalogue():
        row = info.to_dict()
        row.update(
            parameters=parameter_count(info.name),
            weights=bool(info.digest),
            device=device,
        )
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"device: {device}")
    print(f"{'name':<10} {'kind':<8} {'parameters':>10}  state")
    for r in rows:
        if r["builtin"]:
            state = "built in (no weights)"
        elif r["available"]:
            state = "weights" + (" (default)" if r["default"] else "")
        else:
            state = f"unavailable: {r['reason']}"
        print(f"{r['name']:<10} {r['kind']:<8} {r['parameters']:>10,}  {state}")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from hdr_studio.app.main import run
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
    code = run(
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


def cmd_samples(args: argparse.Namespace) -> int:
    """Write the sample photos (and their licences) that ship inside the package."""
    import shutil

    from hdr_studio.core.resources import package_resource

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


def cmd_desktop(args: argparse.Namespace) -> int:
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


def cmd_measure_curve(args: argparse.Namespace) -> int:
    from hdr_studio.api.bracket import measure_bracket

    progress = TerminalProgress("measure-curve")
    outcome = measure_bracket(
        args.inputs,
        args.output,
        args.stops,
        args.force,
        progress,
        align=not args.no_align,
        remember=not args.no_remember,
    )
    fit = outcome.fit
    for note in outcome.notes:
        print(f"{PROG}: warning: {note}", file=sys.stderr)
    if args.json:
        print(
            json.dumps(
                {
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
            )
        )
    else:
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


def cmd_camera_curves(args: argparse.Namespace) -> int:
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


def cmd_decompose(args: argparse.Namespace) -> int:

    from hdr_studio.core.clipping import hybrid_mask
    from hdr_studio.core.decompose import decompose, detail_visual
    from hdr_studio.core.export import write_array

    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist")
    if not out.exists() and not os.access(out.parent, os.W_OK):  # before the long work
        raise OutputError(f"{out}: cannot create the folder (no write permission)")
    image = _read(args.input, args.max_pixels)
    progress = TerminalProgress("decompose")
    progress(0.05, "WLS base layer")
    base, detail = decompose(image.code, lam=args.lam, alpha=args.alpha, method=args.solver)
    progress(0.8, "writing")
    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the folder ({exc.strerror})") from None
    src = (Path(args.input),)
    vis = detail_visual(detail)
    files = {
        "base.exr": (base, "exr"),
        "detail.exr": (detail, "exr"),
        "base.png": (base, "png16"),
        "detail.png": (vis, "png16"),
        "mask.png": (hybrid_mask(base, args.tau), "png16"),
    }
    for name in files:
        if (out / name).exists() and not args.force:
            raise OutputError(f"{out / name}: already exists (use --force to overwrite)")
    for name, (arr, kind) in files.items():
        write_array(arr, out / name, kind, force=args.force, sources=src)
    progress(1.0, "done")
    print(f"wrote {', '.join(files)} to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from hdr_studio.core.clipping import DEFAULT_OVER, DEFAULT_UNDER
    from hdr_studio.core.formats import readable_summary
    from hdr_studio.core.reader import DEFAULT_MAX_PIXELS

    p = _Parser(
        prog=PROG,
        description="Recover clipped highlights in photographs and export them as HDR. "
        + readable_summary(),
        epilog="Exit codes: 0 ok, 2 bad input or usage, 3 output refused or failed, "
        "130 cancelled, 1 internal error.",
    )
    p.add_argument("--version", action=_VersionAction, nargs=0, help="versions and device")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--max-pixels",
            type=_positive_int,
            default=DEFAULT_MAX_PIXELS,
            help=f"refuse larger images (default {DEFAULT_MAX_PIXELS:,})",
        )

    def precision(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--precision",
            choices=("auto", "fp32", "bf16", "fp16"),
            default="auto",
            help="the networks' number format: auto (default: bf16 where the CPU computes it "
            "natively (AMX, AVX-512 BF16) and on GPUs, else fp32), fp32, bf16, fp16 (GPU)",
        )

    def export_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--reference-white",
            type=float,
            default=203.0,
            metavar="NITS",
            help="cd/m² that the source's white maps to in PQ outputs (default 203)",
        )
        sp.add_argument(
            "--peak-nits",
            type=float,
            default=1000.0,
            metavar="NITS",
            help="peak of PQ outputs, with a soft roll-off (default 1000)",
        )
        sp.add_argument("--quality", type=int, default=92, help="lossy formats' quality 1-100")
        sp.add_argument(
            "--curve",
            metavar="srgb|gamma:G|camera|auto|FILE",
            help="linearise 8/16-bit photos with this camera curve (inverse response) instead "
            "of the file's declared encoding; FILE: a measured response, one column (linear "
            "values at even code steps) or two (code, linear); camera: the curve measure-curve "
            "kept for each photo's camera (Exif make and model), where there is one; auto: that "
            "curve, else one estimated from the photo (a weak estimate that stays near sRGB: "
            "one photo says little about its curve)",
        )
        sp.add_argument(
            "--invented-channel",
            action="store_true",
            help="EXR: add a channel 'invented' (0-1, the share of each pixel's light that "
            "was reconstructed rather than measured) and, with --passes 3, 'uncertain' "
            "(the stops by which the mirror passes disagreed)",
        )
        sp.add_argument(
            "--strength",
            type=_strength,
            default=100.0,
            metavar="PERCENT",
            help="how far the result goes beyond the measured pixels: 0 (the linearised "
            "photo) to 150 %% (default 100: the method's calibrated result)",
        )
        sp.add_argument(
            "--passes",
            type=int,
            choices=(1, 3),
            default=1,
            help="3: also run the network on the photo's mirror images and average the "
            "results (about 3x the time, a little more accurate in clipped areas)",
        )

    def thresholds(sp: argparse.ArgumentParser, under: bool = True) -> None:
        sp.add_argument(
            "--over",
            type=_threshold,
            default=DEFAULT_OVER,
            help="over-exposure threshold: code value in [0,1] or 8-bit level "
            "(default 250 = 0.980)",
        )
        if under:
            sp.add_argument(
                "--under",
                type=_threshold,
                default=DEFAULT_UNDER,
                help="under-exposure threshold, same units (default 4 = 0.016)",
            )

    a = sub.add_parser("analyze", help="report clipped pixels (per channel, regions)")
    a.add_argument("input", metavar="IN")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a.add_argument("--overlay", metavar="PNG", help="also write the clipping overlay (RGBA)")
    a.add_argument(
        "--mode",
        choices=("all", "any", "channel"),
        default="any",
        help="overlay mode: any (default) or all channels clipped (red over, green under), "
        "or channel (which channels clipped)",
    )
    a.add_argument("--force", action="store_true", help="overwrite an existing overlay file")
    thresholds(a)
    common(a)
    a.set_defaults(func=cmd_analyze)

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
    r.add_argument(
        "--method",
        default=None,
        help="classical, none (linearise only) or a model from 'hdr-studio models' "
        "(default: the best shipped HDR model, else classical)",
    )
    r.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:N, mps")
    precision(r)
    r.add_argument(
        "--tile",
        type=_positive_int,
        default=None,
        help="tile size in pixels for the networks (default: from free memory)",
    )
    r.add_argument(
        "--result",
        choices=("auto", "hdr", "sdr"),
        default="auto",
        help="hdr, sdr (an HDR method's result tone-mapped for SDR; DRHT's LDR head) or auto "
        "(default: hdr when the method gives one)",
    )
    r.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        help="CPU threads for this job (default: every core)",
    )
    r.add_argument(
        "--format",
        help="override the format: png-pq, avif-pq, jxl-pq, jpeg-uhdr, "
        "exr, tiff-float, hdr, png-sdr, jpeg-sdr, tiff-sdr",
    )
    export_options(r)
    r.add_argument("--force", action="store_true", help="overwrite an existing output")
    thresholds(r, under=False)
    common(r)
    r.set_defaults(func=cmd_reconstruct)

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
    g.set_defaults(func=cmd_gui)

    m = sub.add_parser("models", help="list the reconstruction models and their weights")
    m.add_argument("--json", action="store_true", help="machine-readable output")
    m.add_argument("--device", default="auto", help="device to report (default auto)")
    precision(m)
    m.set_defaults(func=cmd_models)

    sp = sub.add_parser("samples", help="write the sample photos (with their licences)")
    sp.add_argument("-o", "--output", metavar="DIR", default="hdr-studio-samples")
    sp.add_argument("--force", action="store_true", help="overwrite existing files")
    sp.set_defaults(func=cmd_samples)

    k = sub.add_parser(
        "desktop", help="add HDR Studio to the application menu (entry, icons, file types)"
    )
    k.add_argument("action", choices=("install", "uninstall"))
    k.add_argument("--user", action="store_true", help="for the current user (the default)")
    k.add_argument("--prefix", metavar="DIR", help="data folder (default $XDG_DATA_HOME)")
    k.set_defaults(func=cmd_desktop)

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
    mc.set_defaults(func=cmd_measure_curve)

    cc = sub.add_parser(
        "camera-curves", help="the curves measure-curve kept, by camera (--curve camera)"
    )
    cc.add_argument("--forget", metavar="CAMERA", help="remove the curve kept for CAMERA")
    cc.add_argument("--json", action="store_true", help="machine-readable output")
    cc.set_defaults(func=cmd_camera_curves)

    d = sub.add_parser("decompose", help="WLS base/detail layers (and the hybrid mask)")
    d.add_argument("input", metavar="IN")
    d.add_argument("-o", "--output", metavar="DIR", required=True, help="output folder")
    d.add_argument("--lambda", dest="lam", type=float, default=1.0, help="WLS λ (default 1.0)")
    d.add_argument("--alpha", type=float, default=1.2, help="WLS α (default 1.2)")
    d.add_argument("--tau", type=float, default=0.95, help="mask threshold τ (default 0.95)")
    d.add_argument(
        "--solver",
        choices=("auto", "exact", "fast"),
        default="auto",
        help="exact sparse solve or fast separable solver (auto: by size)",
    )
    d.add_argument("--force", action="store_true", help="overwrite existing files")
    common(d)
    d.set_defaults(func=cmd_decompose)

    from hdr_studio.bridge.cli import add_commands as add_bridge

    add_bridge(sub, _positive_int)

    from hdr_studio.batch.cli import add_command as add_batch

    add_batch(sub, _positive_int, thresholds, precision, export_options)

    from hdr_studio.training.cli import add_commands

    add_commands(sub, _positive_int)
    return p


def main(argv: list[str] | None = None) -> int:
    """The command line. Called with ``argv=None`` (the ``hdr-studio`` script, ``python -m
    hdr_studio``) it ends the process itself once the command is done: after torch has been
    loaded, interpreter finalisation tears OpenImageIO's nanobind module down in an order that
    makes nanobind print a bogus leak report to stderr. Outputs are written and closed by
    then; only the report is skipped. Called with a list (tests, scripts) it returns."""
    code = _run(argv)
    if argv is None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        on_desktop = sys.platform in ("win32", "darwin") or bool(
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        )
        if argv is None and on_desktop and sys.stdin is not None and sys.stdin.isatty():
            args = parser.parse_args(["gui"])
        else:
            parser.print_help()
            return 0
    try:
        return int(args.func(args) or 0)
    except HdrStudioError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(f"{PROG}: cancelled", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{PROG}: error: out of memory (try a smaller image)", file=sys.stderr)
        return 1
    except Exception as exc:
        if os.environ.get("HDR_STUDIO_DEBUG"):
            raise
        msg = " ".join(str(exc).split())
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {msg} "
            "(set HDR_STUDIO_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return 1


__all__ = ["InputError", "OutputError", "main"]
