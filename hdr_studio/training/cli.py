"""``hdr-studio data …``, ``hdr-studio train …`` and ``hdr-studio eval``: the commands that
make the datasets, train the networks and measure them (registered by hdr_studio.cli)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hdr_studio.core.errors import HdrStudioError, InputError


class TrainingError(HdrStudioError):
    exit_code = 2


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be WxH, got {text!r}") from None
    if w < 16 or h < 16:
        raise argparse.ArgumentTypeError(f"size too small: {text}")
    return w, h


def _clock(seconds: float) -> str:
    """``seconds`` as 1h05m, 12m30s or 45s."""
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


class _Progress:
    """A progress line on stderr for the long commands: the share done, the time this run
    has taken and, once it has moved, the time left at this run's own pace (a resumed
    training run starts part way, so the pace is counted from its first report)."""

    def __init__(self, label: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.clock = clock
        self.first: tuple[float, float] | None = None

    def text(self, fraction: float, message: str) -> str:
        now = self.clock()
        if self.first is None:
            self.first = (fraction, now)
        f0, t0 = self.first
        timing = f"{_clock(now - t0)} in"
        if 1.0 > fraction > f0 and now - t0 >= 1.0:
            left = (1.0 - fraction) * (now - t0) / (fraction - f0)
            timing += f", ~{_clock(left)} left"
        return f"{self.label}: {100 * fraction:5.1f}%  {timing:<18} {message:<40}"

    def __call__(self, fraction: float, message: str) -> None:
        print(f"\r{self.text(fraction, message)}", end="", file=sys.stderr, flush=True)
        if fraction >= 1.0:
            print(file=sys.stderr)


def cmd_data(args: argparse.Namespace) -> int:
    from hdr_studio.training.data import dataset

    root = dataset.data_root(args.data)
    if args.action == "real":
        return _data_real(root, args)
    try:
        if args.action in ("photos", "all"):
            from hdr_studio.training.data.photos import fetch_photos

            rec = fetch_photos(root, log=lambda m: print(m, file=sys.stderr))
            counts = ", ".join(f"{len(v)} {k}" for k, v in rec.items())
            print(f"photos: {counts} in {root / 'photos'}")
        if args.action in ("render", "all"):
            w, h = args.size
            splits = [args.split] if args.action == "render" else ["train", "val", "eval"]
            for split in splits:
                default = {"train": 96, "val": 64}.get(split, 16)  # eval: 16, as released
                count = args.count if args.count is not None else default
                paths = dataset.render_split(
                    root,
                    split,
                    count,
                    w,
                    h,
                    args.spp,
                    args.jobs,
                    progress=_Progress(f"render {split}"),
                )
                print(f"renders/{split}: {len(paths)} scenes in {root / 'renders' / split}")
        for split, (folder, _seed) in dataset.PAIR_SETS.items():
            if args.action in (folder, "all"):
                m = dataset.build_evalset(root, split=split)
                print(
                    f"{folder}: {len(m['hdr'])} HDR pairs, {len(m['sdr'])} SDR pairs "
                    f"in {root / folder}"
                )
    except RuntimeError as exc:
        raise TrainingError(str(exc)) from None
    except (ValueError, OSError) as exc:
        raise InputError(str(exc)) from None
    return 0


def _data_real(root: Path, args: argparse.Namespace) -> int:
    from hdr_studio.training.data.real import build_real, load_sources

    if not args.source_dir:
        raise InputError("data real needs --from DIR: the folder holding the fetched photographs")
    folder = Path(args.source_dir)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    try:
        crops = {"train": args.count} if args.count else None
        summary = build_real(root, folder, load_sources(), crops, progress=_Progress("real"))
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None
    except (ValueError, OSError) as exc:
        raise InputError(str(exc)) from None
    for m in summary["missing"]:
        print(f"missing: {m['repo']} {m['path']} (commit {m['commit'][:12]})", file=sys.stderr)
    for split, s in summary["splits"].items():
        print(f"real/{split}: {s['crops']} crops of {s['sources']} photographs")
    print(f"real/valset, real/evalset: pairs in {root / 'real'}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from hdr_studio.training.train import TrainOptions, train

    try:
        result = train(
            TrainOptions(
                model=args.model,
                config=Path(args.config) if args.config else None,
                data=args.data,
                out=Path(args.out) if args.out else None,
                steps=args.steps,
                minutes=args.minutes,
                threads=args.threads,
                workers=args.workers,
                device=args.device,
                precision=args.precision,
                vgg=Path(args.vgg) if args.vgg else None,
                ship=Path(args.ship) if args.ship else None,
                shipped=Path(args.shipped) if args.shipped else None,
                seed=args.seed,
            ),
            progress=_Progress(f"train {args.model}"),
        )
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None
    except (RuntimeError, ValueError) as exc:
        raise TrainingError(str(exc)) from None
    print(f"{args.model}: {result['step']} steps, checkpoint {result['checkpoint']}")
    if result.get("shipped"):
        print(f"weights: {result['shipped']}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from hdr_studio.training.evaluate import evaluate, write_report

    try:
        report = evaluate(
            Path(args.set) if args.set else None,
            methods=args.methods.split(",") if args.methods else None,
            models_folder=Path(args.models) if args.models else None,
            device=args.device,
            precision=args.precision,
            limit=args.limit,
            progress=_Progress("eval"),
            passes=args.passes,
        )
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None
    except RuntimeError as exc:
        raise TrainingError(str(exc)) from None
    if args.cards and args.passes != 1:
        raise InputError("--cards describes the networks as shipped: run it with --passes 1")
    text = write_report(report, Path(args.output) if args.output else None, args.command_line)
    print(text)
    if args.cards:
        from hdr_studio.inference.weights import models_dir, read_manifest, set_default
        from hdr_studio.training.cards import choose_default, write_cards

        folder = Path(args.models) if args.models else models_dir()
        nets = [n for n in read_manifest(folder)["models"] if n in report["hdr"]]
        best = choose_default(report, nets)
        set_default(best, folder)
        for path in write_cards(folder, report, args.command_line):
            print(f"card: {path}")
        print(f"default method: {best or 'classical (no network beats it)'}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    import json

    from hdr_studio.inference.registry import get_spec
    from hdr_studio.inference.weights import models_dir, read_manifest
    from hdr_studio.training.calibrate import calibrate, write_calibration
    from hdr_studio.training.data.dataset import data_root

    folder = Path(args.models) if args.models else models_dir()
    set_dir = Path(args.set) if args.set else data_root(args.data) / "valset"
    names = args.model or sorted(read_manifest(folder)["models"])
    for name in names:  # an unknown name is the first thing to say, before a missing set
        get_spec(name)
    reports = []
    try:
        for name in names:
            report = calibrate(name, set_dir, folder, args.device, _Progress(f"calibrate {name}"))
            g = report["gains"]
            line = f"{name}: hdr {g['hdr']:g}, over {g['over']:g}, under {g['under']:g}"
            if "pu21_in" in report:
                line += (
                    f"; val PU21 in: raw {report['pu21_in']['1.0']:.2f}, "
                    f"calibrated {report['pu21_in'][str(g['hdr'])]:.2f}, "
                    f"none-equivalent {report['pu21_in']['0.0']:.2f} dB"
                )
            if "sdr_raw" in report:
                i, r, c = report["sdr_input"], report["sdr_raw"], report["sdr_calibrated"]
                line += (
                    f"; val SDR PSNR/SSIM: input {i['psnr']:.2f}/{i['ssim']:.4f}, "
                    f"raw {r['psnr']:.2f}/{r['ssim']:.4f}, "
                    f"calibrated {c['psnr']:.2f}/{c['ssim']:.4f}"
                )
            print(line)
            if not args.dry_run:
                write_calibration(name, g, folder, set_dir)
            reports.append(report)
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None
    except RuntimeError as exc:
        raise TrainingError(str(exc)) from None
    if args.output:
        Path(args.output).write_text(json.dumps(reports, indent=1) + "\n")
    return 0


def cmd_ensemble(args: argparse.Namespace) -> int:
    from hdr_studio.training.ensemble import combine

    path, count = combine(args.model, [Path(f) for f in args.sources], Path(args.ship))
    print(f"{args.model}: {count} networks averaged in {path}; calibrate it next")
    return 0


def cmd_curve_prior(args: argparse.Namespace) -> int:
    from hdr_studio.core.curve_estimate import prior_path
    from hdr_studio.training.curve_prior import ship
    from hdr_studio.training.data.dataset import data_root

    folder = Path(args.ship) if args.ship else prior_path().parent
    try:
        ship(data_root(args.data), folder)
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None
    return 0


def add_commands(sub, common_positive_int) -> None:
    """The training and data commands, on the main parser's subparsers ``sub``."""
    _add_data(sub, common_positive_int)
    _add_train(sub, common_positive_int)
    _add_calibrate(sub)
    _add_ensemble(sub)
    _add_curve_prior(sub)
    _add_eval(sub, common_positive_int)


def _add_data(sub, common_positive_int) -> None:
    d = sub.add_parser(
        "data",
        help="fetch photos, render HDR scenes, build the evaluation sets, crop real HDR photos",
    )
    d.add_argument("action", choices=("photos", "render", "evalset", "valset", "real", "all"))
    d.add_argument(
        "--from",
        dest="source_dir",
        metavar="DIR",
        help="real: the folder holding the fetched HDR photographs (DATA.md)",
    )
    d.add_argument("--data", metavar="DIR", help="data root (default $HDR_STUDIO_DATA or ./data)")
    d.add_argument(
        "--split", choices=("train", "val", "eval"), default="train", help="render: which split"
    )
    d.add_argument(
        "--count",
        type=common_positive_int,
        help="render: scenes (default 96 train, 64 val, 16 eval); "
        "real: crops of each training photograph (default 12)",
    )
    d.add_argument("--size", type=_size, default=(256, 192), help="render: WxH (default 256x192)")
    d.add_argument("--spp", type=common_positive_int, default=48, help="render: samples per pixel")
    d.add_argument("--jobs", type=common_positive_int, default=2, help="render: processes")
    d.set_defaults(func=cmd_data)


def _add_train(sub, common_positive_int) -> None:
    t = sub.add_parser("train", help="train a network from its config (resumes a checkpoint)")
    t.add_argument("model", help="declipnet, drht, masked or hybrid")
    t.add_argument("--config", metavar="FILE", help="JSON config (default: the shipped one)")
    t.add_argument("--data", metavar="DIR", help="data root (default $HDR_STUDIO_DATA or ./data)")
    t.add_argument("--out", metavar="DIR", help="run folder (default runs/MODEL)")
    t.add_argument("--steps", type=common_positive_int, help="override the config's total steps")
    t.add_argument("--minutes", type=float, help="stop (checkpointed) after this wall time")
    t.add_argument("--threads", type=common_positive_int, help="CPU threads")
    t.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes that draw batches ahead of the network (masked; 0: in the loop)",
    )
    t.add_argument("--device", default="auto", help="auto, cpu, cuda, mps")
    t.add_argument(
        "--precision",
        choices=("fp32", "bf16", "auto"),
        default="fp32",
        help="the network's forward passes: fp32 (default), bf16 under autocast (weights, "
        "gradients and losses stay fp32; about 2-3x faster on CPUs with AMX and on GPUs) or "
        "auto (bf16 where the hardware computes it natively)",
    )
    t.add_argument("--vgg", metavar="FILE", help="VGG-16 weights (safetensors) for perceptual loss")
    t.add_argument("--ship", metavar="DIR", help="write final weights + manifest entry here")
    t.add_argument(
        "--shipped",
        metavar="DIR",
        help="weights folder that the config's 'shipped' names (init, teacher; default: the "
        "package's own), e.g. an earlier commit's hdr_studio/resources/models",
    )
    t.add_argument("--seed", type=int, help="override the config's seed")
    t.set_defaults(func=cmd_train)


def _add_calibrate(sub) -> None:
    c = sub.add_parser(
        "calibrate", help="fit the shipped networks' gains on the validation set (DATA/valset)"
    )
    c.add_argument("model", nargs="*", help="models (default: every shipped one)")
    c.add_argument("--set", metavar="DIR", help="validation set (default DATA/valset)")
    c.add_argument("--data", metavar="DIR", help="data root (default $HDR_STUDIO_DATA or ./data)")
    c.add_argument("--models", metavar="DIR", help="weights folder (default the shipped one)")
    c.add_argument("--device", default="auto")
    c.add_argument("--dry-run", action="store_true", help="report only, leave the weights")
    c.add_argument("-o", "--output", metavar="FILE", help="write the full report (JSON) here")
    c.set_defaults(func=cmd_calibrate)


def _add_ensemble(sub) -> None:
    n = sub.add_parser(
        "ensemble", help="one network file whose result is the mean of several trained networks'"
    )
    n.add_argument("model", help="masked")
    n.add_argument(
        "sources", nargs="+", metavar="DIR", help="models folders (an ensemble gives its members)"
    )
    n.add_argument("--ship", metavar="DIR", required=True, help="write the ensemble here")
    n.set_defaults(func=cmd_ensemble)


def _add_curve_prior(sub) -> None:
    p = sub.add_parser(
        "curve-prior",
        help="fit the prior behind --curve auto on the training scenes, chosen on validation",
    )
    p.add_argument("--data", metavar="DIR", help="data root (default $HDR_STUDIO_DATA or ./data)")
    p.add_argument("--ship", metavar="DIR", help="write it here (default: the shipped one)")
    p.set_defaults(func=cmd_curve_prior)


def _add_eval(sub, common_positive_int) -> None:
    e = sub.add_parser("eval", help="measure methods on the held-out evaluation set")
    e.add_argument("--set", metavar="DIR", help="evaluation set (default DATA/evalset)")
    e.add_argument("--methods", help="comma list (default: none, classical and every model)")
    e.add_argument("--models", metavar="DIR", help="weights folder (default the shipped one)")
    e.add_argument("--device", default="auto")
    e.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16", "fp16"),
        default="auto",
        help="the networks' number format (default auto, as reconstruct)",
    )
    e.add_argument(
        "--passes",
        type=int,
        choices=(1, 3),
        default=1,
        help="networks: 3 averages the results on the picture and its mirror images",
    )
    e.add_argument("--limit", type=common_positive_int, help="only the first N pairs of each kind")
    e.add_argument("-o", "--output", metavar="FILE", help="also write the table (Markdown) here")
    e.add_argument(
        "--cards",
        action="store_true",
        help="write the model cards and flag the default model (needs none and classical)",
    )
    e.set_defaults(func=cmd_eval, command_line=" ".join(["hdr-studio", *sys.argv[1:]]))
