"""Model cards (``hdr_studio/resources/models/NAME.md``) and the choice of the default model,
both made from the weights' metadata and an evaluation report (``hdr-studio eval --cards``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUTSIDE_TOLERANCE_DB = 0.2


def _config_file(name: str, training_config: dict) -> str:
    """The shipped config file the weights were trained from (the model's default one if
    none matches, as for weights older than the configs folder's variants)."""
    folder = Path(__file__).parent / "configs"
    for path in sorted(folder.glob(f"{name}*.json")):
        if json.loads(path.read_text()) == training_config:
            return path.name
    for path in sorted(folder.glob(f"{name}*.json")):  # the same but for --seed
        cfg = json.loads(path.read_text())
        if {**cfg, "seed": training_config.get("seed")} == training_config:
            return f"{path.name} --seed {training_config.get('seed')}"
    return f"{name}.json"


def _stream_flags(meta: dict) -> str:
    """``--workers N --threads T`` when the batches were drawn in worker processes (the
    batch stream depends on it), else ``--threads 1``."""
    import re

    m = re.search(r"(\d+) worker", meta.get("batch_stream", ""))
    if not m:
        return " --threads 1"
    t = re.search(r"(\d+) torch threads", meta.get("hardware", ""))
    return f" --workers {m.group(1)} --threads {t.group(1) if t else 1}"


def requirement(report: dict[str, Any], name: str) -> tuple[bool, str]:
    """Whether HDR model ``name`` beats ``none`` inside the clipped region while losing at most
    0.2 dB outside it (PU21-PSNR), with the figures."""
    r, base = report["hdr"][name], report["hdr"]["none"]
    gain_in = r["pu21_in"] - base["pu21_in"]
    loss_out = base["pu21_out"] - r["pu21_out"]
    ok = gain_in > 0 and loss_out <= OUTSIDE_TOLERANCE_DB
    return ok, f"{gain_in:+.2f} dB inside, {-loss_out:+.2f} dB outside vs none"


def choose_default(report: dict[str, Any], networks: list[str]) -> str | None:
    """The HDR network with the best PU21-PSNR inside the clipped region among those that
    meet :func:`requirement` and beat ``classical`` inside and over the whole image."""
    hdr = report["hdr"]
    if "none" not in hdr or "classical" not in hdr:
        return None
    best = None
    for n in networks:
        if n not in hdr or not requirement(report, n)[0]:
            continue
        if hdr[n]["pu21_in"] <= hdr["classical"]["pu21_in"]:
            continue
        if hdr[n]["pu21_all"] <= hdr["classical"]["pu21_all"]:
            continue
        if best is None or hdr[n]["pu21_in"] > hdr[best]["pu21_in"]:
            best = n
    return best


def card_text(name: str, entry: dict[str, Any], report: dict[str, Any], command: str) -> str:
    from hdr_studio.inference.registry import get_spec

    spec = get_spec(name)
    meta = entry.get("metadata", {})
    lines = [
        f"# {spec.title} (`{name}`)",
        "",
        f"Paper: {spec.paper}.",
        "",
        "## Architecture",
        f"- Variant `{meta.get('size', '?')}`: {meta.get('config', '?')}, "
        f"{int(meta.get('parameters', 0)):,} parameters, "
        f"file {entry.get('bytes', 0) / 1e6:.2f} MB.",
        f"- Input: {spec.input_domain}. Output: {spec.output_domain}.",
        "",
        "## Training",
    ]
    lines += _training_section(name, meta)
    lines += [
        "",
        "## Calibration",
        _calibration_line(name, meta),
        "",
        f"## Evaluation (held-out set `{_set_name(report)}`, never trained on)",
    ]
    if name in report.get("hdr", {}):
        lines += _hdr_table(name, report)
    if name in report.get("sdr", {}):
        lines += _sdr_table(name, report)
    lines += ["", f"Measured with `{command}`; full table in `bench/QUALITY.md`.", ""]
    return "\n".join(lines)


def _training_section(name: str, meta: dict[str, Any]) -> list[str]:
    """How the network (or each member of an ensemble) was trained."""
    members = json.loads(meta.get("members", "[]"))
    if not members:
        lines = _training_lines(name, meta, False)
        if "teacher" in meta:
            named = str(json.loads(meta.get("training_config", "{}")).get("teacher", ""))
            lines += _teacher_section(name, json.loads(meta["teacher"]), named)
        return lines
    lines = [
        f"- An ensemble of {len(members)} networks trained apart, run on the same input; "
        "the result is the mean of their log-domain outputs (`MaskedEnsemble`). Made by "
        f"`hdr-studio ensemble {name} DIR1 DIR2 --ship hdr_studio/resources/models` from "
        f"the members' folders, then `hdr-studio calibrate {name}`."
    ]
    return lines + _member_sections(name, members, "###")


def _member_sections(name: str, members: list[dict[str, Any]], level: str) -> list[str]:
    lines: list[str] = []
    for k, member in enumerate(members, 1):
        gain = json.loads(member.get("calibration", "{}")).get("hdr")
        alone = f" (alone it was calibrated to gain {gain:g})" if gain is not None else ""
        lines += ["", f"{level} Member {k}{alone}", *_training_lines(name, member, True)]
    return lines


def _teacher_section(name: str, teacher: dict[str, Any], named: str = "") -> list[str]:
    """What a distilled network learnt from (its metadata's ``teacher``), and where a
    reproduction finds it once the package ships the student instead (``named``: what the
    training config calls it; ``shipped@REV`` is read from the checkout's history)."""
    members = json.loads(teacher.get("members", "[]"))
    gain = json.loads(teacher.get("calibration", "{}")).get("hdr")
    what = (
        f"an ensemble of {len(members)} networks (the mean of their log-domain outputs)"
        if members
        else f"one network ({teacher.get('config', '?')})"
    )
    commit = teacher.get("commit")
    where = ""
    if commit and named.startswith("shipped@"):
        where = (
            f" It is the `{name}` the package shipped at commit {commit}; the config names it "
            f"so (`{named}`) and the train command reads it from the checkout's git history "
            "(a full clone: a shallow one lacks it)."
        )
    elif commit:
        where = (
            f" It is the `{name}` the package shipped at commit {commit}: "
            f"`git worktree add TEACHER {commit}` and add "
            "`--shipped TEACHER/hdr_studio/resources/models` to the train command above."
        )
    lines = [
        "",
        "### Teacher",
        f"- {what[0].upper()}{what[1:]}, calibrated to gain {gain if gain is not None else '?'}"
        f", weights sha256 `{teacher.get('sha256', '?')[:16]}…`.{where}",
    ]
    return lines + _member_sections(name, members, "####")


def _hdr_table(name: str, report: dict[str, Any]) -> list[str]:
    """The HDR figures of ``name`` beside `none` and `classical`, and the requirement."""
    r, none, cl = report["hdr"][name], report["hdr"]["none"], report["hdr"]["classical"]
    ok, why = requirement(report, name)
    colour = "de_partial" in r
    lines = [
        "",
        "| | PU21 all | PU21 in | PU21 out | log-L1 in |"
        + (" ΔE_ITP partly clipped | ΔE_ITP fully clipped |" if colour else ""),
        "|---|---|---|---|---|" + ("---|---|" if colour else ""),
    ]
    for label, row in ((name, r), ("none", none), ("classical", cl)):
        lines.append(
            f"| {label} | {row['pu21_all']:.2f} | {row['pu21_in']:.2f} | "
            f"{row['pu21_out']:.2f} | {row['logl1_in']:.3f} |"
            + (f" {row['de_partial']:.2f} | {row['de_full']:.2f} |" if colour else "")
        )
    lines += ["", f"Requirement (beat `none` inside, ≤ 0.2 dB loss outside): "
              f"{'met' if ok else 'NOT met'} ({why})."]  # fmt: skip
    return lines


def _sdr_table(name: str, report: dict[str, Any]) -> list[str]:
    """The SDR declipping figures of ``name`` beside its input's."""
    r, inp = report["sdr"][name], report["sdr"]["input"]
    better = r["psnr"] > inp["psnr"] and r["ssim"] > inp["ssim"]
    return [
        "",
        "SDR declipping (DeclipNet's recipe on held-out photos):",
        "",
        "| | PSNR dB | SSIM |",
        "|---|---|---|",
        f"| {name} | {r['psnr']:.2f} | {r['ssim']:.4f} |",
        f"| clipped input | {inp['psnr']:.2f} | {inp['ssim']:.4f} |",
        "",
        f"Beats its input on both: {'yes' if better else 'NO'}.",
    ]


def _training_lines(name: str, meta: dict[str, Any], member: bool) -> list[str]:
    """The card's training lines of one network (its metadata)."""
    tc = json.loads(meta.get("training_config", "{}"))
    stages = ", ".join(
        f"{s['name']} {s['steps']} steps (lr {s['lr']})" for s in tc.get("stages", [])
    )
    crops = int(meta.get("real_crops", 312))
    per_photo = crops // int(meta.get("real_photos", 26))
    data = (
        f"`hdr-studio data real --from DIR{'' if per_photo == 12 else f' --count {per_photo}'}`, "
        if tc.get("real_share")
        else ""
    )
    ship = " --ship DIR" if member else " --ship hdr_studio/resources/models"
    then = "" if member else f", then `hdr-studio calibrate {name}`"
    bf16 = " --precision bf16" if "bf16" in meta.get("train_precision", "") else ""
    return [
        f"- Data: {_data_line(name, tc)}{_fine_tune_line(meta, tc)}",
        f"- Schedule: {stages}; batch {tc.get('batch')} patches of {tc.get('patch')} px, seed "
        f"{tc.get('seed')}, Adam.",
        f"- Perceptual (VGG) term: {meta.get('vgg', 'no (fallback loss)')}.",
        f"- Steps: {meta.get('steps')}; hardware: {meta.get('hardware')}; "
        f"{meta.get('train_precision', 'fp32')}; training time "
        f"{int(meta.get('train_seconds', 0)) / 60:.1f} min.",
        f"- Reproduce: `hdr-studio data all`, {data}`hdr-studio train {name} "
        f"--config hdr_studio/training/configs/{_config_file(name, tc)}"
        f"{_stream_flags(meta)}{bf16}{ship}`{then}.",
    ]


def _calibration_line(name: str, meta: dict[str, str]) -> str:
    from hdr_studio.inference.registry import get_spec

    if not meta.get("calibration"):
        return "- None: the raw network output is used (run `hdr-studio calibrate`)."
    cal = json.loads(meta["calibration"])
    kind = get_spec(name).kind
    parts = []
    if kind.gives_hdr:
        parts.append(f"HDR log-ratio gain {cal['hdr']:g}")
    if kind.gives_sdr:
        parts.append(
            f"SDR change kept at the top clip {cal['over']:g}, at the bottom {cal['under']:g}"
        )
    where = meta.get("calibration_set", "valset")
    if where == "real/valset":
        split = (
            "the real-photo validation split (`data/real/valset`: 120 pairs from 10 real HDR "
            "photographs, sRGB and sigmoid cameras, neither trained on nor held out)"
        )
    else:
        split = (
            "the validation split (`data/valset`: render seeds 200000–200063 — networks "
            "calibrated before 2026-11-29 saw the first 16 — and the Plasma wallpaper photos, "
            "neither trained on nor part of the held-out set)"
        )
    return (
        f"- {'; '.join(parts)} — fitted by `hdr-studio calibrate {name}` on {split}; "
        "1 = the raw network. See `hdr_studio/training/calibrate.py`."
    )


def _set_name(report: dict[str, Any]) -> str:
    parts = Path(str(report.get("set", "evalset"))).parts
    folder_name = parts[-1]  # before the len test (pyright reads parts as () past it)
    return "/".join(parts[-2:]) if len(parts) > 1 and parts[-2] == "real" else folder_name


def _fine_tune_line(meta: dict[str, str], tc: dict[str, Any]) -> str:
    """What a fine-tune started from and what it added (real photographs)."""
    text = ""
    if tc.get("real_share"):
        text += (
            f" {tc['real_share']:.0%} of the HDR patches are crops of real HDR photographs "
            f"(`real/train`: {meta.get('real_crops', 312)} crops of "
            f"{meta.get('real_photos', 26)} photographs — ILM's "
            "OpenEXR photographs and Poly Haven panoramas seen through perspective views; "
            "DATA.md)."
        )
    if tc.get("peak_weight"):
        text += (
            f" Loss adds {tc['peak_weight']:g} × the error of the brightest "
            f"{tc.get('peak_share', 0.01):.0%} of each saturated area's log luminance."
        )
    if tc.get("teacher_share"):
        share = float(tc["teacher_share"])
        teacher = tc.get("teacher", "shipped")
        if teacher.startswith("shipped@"):
            teacher = f"the weights the package shipped at `{teacher[8:]}`: Teacher, below"
        elif teacher == "shipped":
            teacher = (
                "the weights shipped when it was trained: Teacher, below"
                if "teacher" in meta
                else "the ensemble shipped when it was trained"
            )
        rest = "none towards the truth" if share >= 1 else "the rest towards the truth"
        real = tc.get("teacher_share_real")
        on = "" if real is None else " on renders"
        text += (
            f" Distilled: {'all' if share >= 1 else f'{share:.0%}'} of the loss{on} is the "
            "same terms towards the estimates of a teacher run on the same batches "
            f"({teacher}), {rest}"
            + (
                "."
                if real is None
                else f"; on real photographs' crops {float(real):.0%} towards the teacher, "
                "the rest towards the truth (one target blended per shot)."
            )
        )
    for b in json.loads(meta.get("fine_tuned_from", "[]")):
        btc = json.loads(b.get("training_config", "{}"))
        of = f"member {int(b['member']) + 1} of an ensemble, " if "member" in b else ""
        text += (
            f" Fine-tuned from weights ({of}trained {b.get('steps', '?')} steps "
            f"with {_config_file('masked', btc)}) on: "
            f"{_data_line(str(btc.get('model', 'masked')), btc)}"
            f"{_fine_tune_line({k: v for k, v in b.items() if k.startswith('real_')}, btc)}"
        )
    return text


def _data_line(name: str, tc: dict[str, Any]) -> str:
    hdr = (
        "Mitsuba renders of `renders/train` (seeds 0–95) plus "
        f"{tc.get('synthetic', 0)} procedural scenes (seeds from {tc.get('synthetic_seed', 0)}), "
        + (
            f"{tc['synthetic_extra']} procedural scenes of the wider kinds (night lights, "
            "sunlit clouds, backlit subjects, neon and coloured light), "
            if tc.get("synthetic_extra")
            else ""
        )
        + "through the HDRCNN virtual camera"
    )
    photos = "the training photos (scikit-image, Debian mate-backgrounds; see DATA.md)"
    return {
        "declipnet": f"DeclipNet's clipping recipe on {photos}.",
        "drht": f"{hdr}; DeclipNet pairs from {photos} for the LDR head.",
        "masked": (
            f"inpainting pre-training on {photos}; then {hdr}, Santos' textured patches."
            if any(st.get("name") == "inpaint" for st in tc.get("stages", []))
            else f"{hdr}, Santos' textured patches."
        ),
        "hybrid": f"{hdr}, Santos' textured patches.",
    }[name]


def write_cards(folder: Path, report: dict[str, Any], command: str) -> list[Path]:
    from hdr_studio.inference.weights import read_manifest

    out = []
    for name, entry in read_manifest(folder)["models"].items():
        path = folder / f"{name}.md"
        path.write_text(card_text(name, entry, report, command))
        out.append(path)
    return out
