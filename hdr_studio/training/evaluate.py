"""``hdr-studio eval``: measure reconstruction methods on the held-out evaluation set.

The inputs are real files read by the same reader the app uses; every method runs through
the same dispatch as the CLI (``none``, ``classical`` and each network with weights).

HDR pairs (``evalset/hdr``): PU21-PSNR (banding_glare, peak 256, linear 1.0 = 203 cd/m²)
over the whole image, inside the clipped region (any channel ≥ 250/255 in the input) and
outside it; log-L1 inside it; PQ-PSNR for reference; ColorVideoVDP JOD (display
``standard_hdr_linear``) when the optional ``cvvdp`` package imports. Numbers are means over
the images (the in/out figures over images that have such pixels).

SDR pairs (``evalset/sdr``, DeclipNet's recipe on held-out photos): PSNR and SSIM of the
declipped code values against the unclipped target, for the clipped input itself
(``input``), DeclipNet and DRHT's LDR head.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.api.catalogue import catalogue
from hdr_studio.api.engine import run_method
from hdr_studio.core.clipping import over_mask
from hdr_studio.core.fill import HARD_CLIP
from hdr_studio.core.jobs import ProgressFn, no_progress
from hdr_studio.core.result import MethodKind
from hdr_studio.core.transfer import REFERENCE_WHITE_NITS, srgb_encode
from hdr_studio.training import metrics as M


def _cvvdp():
    """A ColorVideoVDP metric object, or None when the optional package is not usable."""
    try:
        import cvvdp  # type: ignore[import-not-found]

        return cvvdp.cvvdp(display_name="standard_hdr_linear", quiet=True)
    except Exception:
        return None


def _mean(values: list[float]) -> float:
    v = [x for x in values if np.isfinite(x)]
    return float(np.mean(v)) if v else float("nan")


def _methods(
    methods: list[str] | None, models_folder: Path | None
) -> tuple[list[str], list[str], list[str]]:
    """(every method asked, those scored on HDR pairs, those scored on SDR pairs, ``input``
    first); raises RuntimeError for a method that is unknown or untrained."""
    known: dict[str, MethodKind] = {m.name: m.kind for m in catalogue(models_folder) if m.available}
    if methods is None:  # the baseline first, then as the catalogue lists them
        methods = sorted(known, key=lambda m: m != "none")
    unknown = [m for m in methods if m not in known and m != "input"]
    if unknown:
        raise RuntimeError(f"unknown or untrained method(s): {', '.join(unknown)}")
    hdr_methods = [m for m in methods if m in known and known[m].gives_hdr]
    sdr_methods = ["input"] + [m for m in methods if m in known and known[m].gives_sdr]
    return methods, hdr_methods, sdr_methods


def _regions(code: np.ndarray) -> dict[str, np.ndarray]:
    """The masks an HDR pair is scored over, from its 8-bit codes (H×W×3 in [0, 1])."""
    clipped = over_mask(code)
    fully = over_mask(code, mode="all")  # all three channels clipped
    return {
        "clipped": clipped,
        "fully": fully,
        "partly": clipped & ~fully,  # one or two channels clipped, the others measured
        # pixels whose code values did not reach the clip: what a photo measured
        "unclipped": ~over_mask(code, HARD_CLIP),
    }


def _hdr_scores(hdr: np.ndarray, truth: np.ndarray, regions: dict, primaries) -> dict:
    """Every HDR figure of one result against its truth (linear H×W×3, 1 = diffuse white)."""
    clipped = regions["clipped"]
    mean_stops, top_stops = M.brightness_errors(hdr, truth, clipped)
    return {
        "pu21_all": M.pu21_psnr(hdr, truth),
        "pu21_in": M.pu21_psnr(hdr, truth, clipped) if clipped.any() else np.nan,
        "pu21_out": M.pu21_psnr(hdr, truth, ~clipped),
        "pu21_unclipped": M.pu21_psnr(hdr, truth, regions["unclipped"]),
        "bright_mean": mean_stops,
        "bright_top": top_stops,
        "logl1_in": M.log_l1(hdr, truth, clipped) if clipped.any() else np.nan,
        "pq_all": M.pq_psnr(hdr, truth),
        "de_partial": M.delta_e_itp(hdr, truth, regions["partly"], primaries),
        "de_full": M.delta_e_itp(hdr, truth, regions["fully"], primaries),
    }


def _jod(vdp, hdr: np.ndarray, truth: np.ndarray) -> float:
    """ColorVideoVDP's quality (JOD) of ``hdr`` against ``truth``, both shown at
    :data:`REFERENCE_WHITE_NITS` for diffuse white."""
    import torch

    with torch.no_grad():
        q, _ = vdp.predict(
            torch.from_numpy(np.maximum(hdr, 0) * REFERENCE_WHITE_NITS),
            torch.from_numpy(np.maximum(truth, 0) * REFERENCE_WHITE_NITS),
            dim_order="HWC",
        )
    return float(q)


def _means(per: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    return {m: {k: _mean(v) for k, v in r.items()} for m, r in per.items()}


def evaluate(
    set_dir: Path | None = None,
    methods: list[str] | None = None,
    models_folder: Path | None = None,
    device: str = "auto",
    limit: int | None = None,
    progress: ProgressFn | None = None,
    precision: str = "auto",
    passes: int = 1,
) -> dict[str, Any]:
    from hdr_studio.training.data.dataset import data_root

    set_dir = set_dir or data_root() / "evalset"
    if not (set_dir / "manifest.json").is_file():
        raise FileNotFoundError(f"no evaluation set at {set_dir} (run: hdr-studio data evalset)")
    manifest = json.loads((set_dir / "manifest.json").read_text())
    methods, hdr_methods, sdr_methods = _methods(methods, models_folder)
    hdr_items = manifest["hdr"][:limit] if limit else manifest["hdr"]
    sdr_items = manifest["sdr"][:limit] if limit else manifest["sdr"]
    if not sdr_items:  # an HDR-only set (the real-photo sets): no SDR table
        sdr_methods = []
    vdp = _cvvdp()
    total = len(hdr_items) * len(hdr_methods) + len(sdr_items) * len(sdr_methods)
    run = _Runner(
        dict(device=device, models=models_folder, precision=precision, passes=passes),
        {m: 0.0 for m in methods},
        progress or no_progress,
        max(1, total),
    )
    per, groups = _score_hdr(set_dir, hdr_items, hdr_methods, run, vdp)
    sdr_per = _score_sdr(set_dir, sdr_items, sdr_methods, run)
    run.progress(1.0, "done")
    return {
        "set": str(set_dir),
        "hdr_pairs": len(hdr_items),
        "sdr_pairs": len(sdr_items),
        "cvvdp": vdp is not None,
        "precision": precision,
        "passes": passes,
        "hdr": _means(per),
        "hdr_groups": {g: _means(gm) for g, gm in groups.items()} if len(groups) > 1 else {},
        "hdr_counts": {
            g: len(next(iter(gm.values())).get("pu21_all", [])) if gm else 0
            for g, gm in groups.items()
        },
        "sdr": _means(sdr_per),
        "seconds": run.seconds,
    }


@dataclass
class _Runner:
    """Runs a method on a pair with the evaluation's options, adds up each method's time and
    reports progress over all (pair, method) runs."""

    options: dict[str, Any]
    seconds: dict[str, float]
    progress: ProgressFn
    total: int
    done: int = 0

    def __call__(self, image, m: str):
        t = time.perf_counter()
        result = run_method(image, m, **self.options)
        self.seconds[m] += time.perf_counter() - t
        return result

    def tick(self, message: str) -> None:
        self.done += 1
        self.progress(self.done / self.total, message)


Scores = dict[str, dict[str, list[float]]]


def _score_hdr(
    set_dir: Path, items: list[dict], methods: list[str], run: _Runner, vdp
) -> tuple[Scores, dict[str, Scores]]:
    """Each HDR method's scores on each pair, overall and by the pair's camera curve
    (real-photo sets: srgb and sigmoid)."""
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.data.dataset import read_hdr

    per: Scores = {m: {} for m in methods}
    groups: dict[str, Scores] = {}
    for item in items:
        image = read_image(set_dir / "hdr" / f"{item['name']}.png")
        truth = read_hdr(set_dir / "hdr" / f"{item['name']}_truth.exr")
        regions = _regions(image.code)
        group = groups.setdefault(item.get("curve", "all"), {m: {} for m in methods})
        for m in methods:
            hdr = run(image, m).hdr
            assert hdr is not None, f"{m} gives HDR but returned none"
            for key, val in _hdr_scores(hdr, truth, regions, image.primaries).items():
                per[m].setdefault(key, []).append(val)
                group[m].setdefault(key, []).append(val)
            if vdp is not None:
                per[m].setdefault("jod", []).append(_jod(vdp, hdr, truth))
            run.tick(f"{m} {item['name']}")
    return per, groups


def _score_sdr(set_dir: Path, items: list[dict], methods: list[str], run: _Runner) -> Scores:
    """Each SDR method's PSNR and SSIM against the declipping targets."""
    from hdr_studio.core.reader import read_image
    from hdr_studio.training.data.dataset import read_hdr

    per: Scores = {m: {} for m in methods}
    for item in items:
        image = read_image(set_dir / "sdr" / f"{item['name']}.png")
        target = read_hdr(set_dir / "sdr" / f"{item['name']}_target.exr")
        for m in methods:
            if m == "input":
                code = image.code
            else:
                sdr = run(image, m).sdr
                assert sdr is not None, f"{m} gives SDR but returned none"
                code = srgb_encode(sdr)
            per[m].setdefault("psnr", []).append(M.psnr(code, target))
            per[m].setdefault("ssim", []).append(M.ssim(code, target))
            run.tick(f"{m} {item['name']}")
    return per


def format_report(report: dict[str, Any], command: str | None = None) -> str:
    lines = [
        f"Held-out set `{report['set']}`: {report['hdr_pairs']} HDR pairs, "
        f"{report['sdr_pairs']} SDR pairs; networks in precision "
        f"`{report.get('precision', 'auto')}`"
        + (
            f", {report['passes']} passes (the picture and its mirror images, averaged)."
            if report.get("passes", 1) != 1
            else "."
        ),
        "",
        "HDR reconstruction (PU21-PSNR in dB, banding_glare, peak 256, 1.0 = 203 cd/m²; "
        "in/out = inside/outside the clipped region; log-L1 inside it, lower is better; "
        "ΔE_ITP (BT.2124, lower is better) over pixels with one or two channels clipped "
        "and with all three clipped):",
        "",
    ]
    lines += _hdr_table(report["hdr"], report["cvvdp"])
    for g, table in report.get("hdr_groups", {}).items():
        n = report.get("hdr_counts", {}).get(g, 0)
        lines += ["", f"Pairs shot through the `{g}` camera curve ({n}):", ""]
        lines += _hdr_table(table, report["cvvdp"])
    if not report["cvvdp"]:
        lines += ["", "ColorVideoVDP: not installed (optional), no JOD column."]
    if not report["sdr"]:
        return "\n".join(lines + (["", f"Command: `{command}`"] if command else []))
    lines += [
        "",
        "SDR declipping (code values against the unclipped target):",
        "",
        "| method | PSNR dB | SSIM |",
        "|---|---|---|",
    ]
    for m, r in report["sdr"].items():
        lines.append(
            f"| {m} | {r.get('psnr', float('nan')):.2f} | {r.get('ssim', float('nan')):.4f} |"
        )
    if command:
        lines += ["", f"Command: `{command}`"]
    return "\n".join(lines)


def _hdr_table(rows: dict[str, dict[str, float]], jod: bool) -> list[str]:
    cols = [
        "pu21_all",
        "pu21_in",
        "pu21_out",
        "pu21_unclipped",
        "logl1_in",
        "pq_all",
        "de_partial",
        "de_full",
        "bright_mean",
        "bright_top",
    ] + (["jod"] if jod else [])
    names = {
        "pu21_all": "PU21 all",
        "pu21_in": "PU21 in",
        "pu21_out": "PU21 out",
        "pu21_unclipped": "PU21 unclipped",
        "bright_mean": "brightness in, stops",
        "bright_top": "brightest 1 % in, stops",
        "logl1_in": "log-L1 in",
        "pq_all": "PQ-PSNR all",
        "de_partial": "ΔE_ITP partly clipped",
        "de_full": "ΔE_ITP fully clipped",
        "jod": "cvvdp JOD",
    }
    lines = ["| method | " + " | ".join(names[c] for c in cols) + " |"]
    lines.append("|---|" + "---|" * len(cols))
    for m, r in rows.items():
        lines.append(
            f"| {m} | "
            + " | ".join(
                f"{r.get(c, float('nan')):.3f}"
                if c == "logl1_in"
                else f"{r.get(c, float('nan')):.2f}"
                for c in cols
            )
            + " |"
        )
    return lines


def write_report(report: dict[str, Any], path: Path | None, command: str | None = None) -> str:
    text = format_report(report, command)
    if path is not None:
        from hdr_studio.core.atomic import atomic_path

        with atomic_path(path, force=True) as tmp:
            Path(tmp).write_text(text + "\n")
        with atomic_path(path.with_suffix(".json"), force=True) as tmp:
            Path(tmp).write_text(json.dumps(report, indent=1))
    return text
