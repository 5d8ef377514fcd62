"""Run a :class:`~hdr_studio.api.request.ReconstructRequest`: the one place that decides the
method (default, availability), which result a job delivers (hdr / sdr / auto), which format
an SDR result takes, and how results are encoded or written. Every front end calls
:func:`reconstruct` (or :func:`prepare` + :func:`run_method` + :func:`write` when it keeps the
pixels in between, as the app does) and only shows the outcome."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.api.catalogue import MethodInfo, default_method, require_available
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.api.threads import compute_threads
from hdr_studio.core.atomic import check_output
from hdr_studio.core.channels import channel_min
from hdr_studio.core.classical import ClassicalParams
from hdr_studio.core.classical import reconstruct as reconstruct_classical
from hdr_studio.core.curve import InverseCurve
from hdr_studio.core.errors import InputError
from hdr_studio.core.export import FORMATS, ExportOptions, encode_result, format_for_path
from hdr_studio.core.export import write_result as _write_result
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import CancelToken, ProgressFn, no_progress
from hdr_studio.core.memory import release_free_memory
from hdr_studio.core.result import ModelResult, ResultKind

log = logging.getLogger(__name__)

#: The SDR format an SDR result takes when the output's extension names an HDR one.
SDR_COUNTERPART = {"png-pq": "png-sdr", "jpeg-uhdr": "jpeg-sdr", "tiff-float": "tiff-sdr"}
#: Formats offered for an SDR result (display-referred pixels): the SDR files, and the
#: linear float ones that keep them exactly.
SDR_FORMATS = ("png-sdr", "jpeg-sdr", "tiff-sdr", "exr", "tiff-float")


@dataclass(frozen=True)
class Plan:
    """What :func:`prepare` settled before any pixel is read."""

    method: MethodInfo
    result: ResultKind
    format: str | None  # None when nothing is written
    notes: tuple[str, ...] = ()
    curve: InverseCurve | None = None  # the request's camera curve, read once
    per_photo: str | None = None  # ``camera`` or ``auto``: settled per photo once it is read


@dataclass(eq=False)
class Outcome:
    """A finished job: the chosen result's linear pixels (the source's primaries, 1.0 = its
    white) with their kind, both results of the method, what was written, timings (seconds
    by step), warnings (conversions on reading) and notes (choices made), one line each."""

    image: Image
    method: str
    kind: ResultKind
    pixels: np.ndarray
    results: ModelResult
    output: Path | None = None
    format: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


def result_kind(info: MethodInfo, wanted: str) -> ResultKind:
    """The result a job with method ``info`` delivers for ``wanted`` (auto/hdr/sdr)."""
    if wanted == "auto":
        return ResultKind.HDR if info.kind.gives_hdr else ResultKind.SDR
    kind = ResultKind(wanted)
    if kind is ResultKind.HDR and not info.kind.gives_hdr:
        raise InputError(
            f"method '{info.name}' gives an SDR result only (ask for it: --result sdr on "
            "the command line, SDR result in the app and the plug-ins)"
        )
    return kind


def export_format(kind: ResultKind, path: Path, fmt: str | None = None) -> str:
    """The format for writing a ``kind`` result to ``path``: ``fmt`` when named, else the
    extension's default — and for an SDR result the SDR counterpart of that default."""
    name = format_for_path(path, fmt)
    if fmt is None and kind is ResultKind.SDR:
        name = SDR_COUNTERPART.get(name, name)
    return name


def formats_for(kind: ResultKind) -> tuple[str, ...]:
    """The export formats that make sense for a ``kind`` result (the app's export list)."""
    return tuple(FORMATS) if kind is ResultKind.HDR else SDR_FORMATS


def prepare(request: ReconstructRequest) -> Plan:
    """Check everything that can be checked before the work: the method (known, available),
    the result kind, the input's existence, the output (format, not the source, exists
    without ``force``). Raises the error a front end shows as one line."""
    name = request.method or default_method(request.models)
    info = require_available(name, request.models)
    known = {o.name: o for o in info.options}
    for key, value in request.options.items():
        if key not in known:
            raise InputError(
                f"method '{name}' has no option '{key}'"
                + (f" (options: {', '.join(sorted(known))})" if known else "")
            )
        known[key].check(value)
    kind = result_kind(info, request.result)
    if isinstance(request.input, Path) and not request.input.exists():
        raise InputError(f"{request.input}: no such file")
    from hdr_studio.api.camera_curves import AUTO, CAMERA

    curve = None
    per_photo = request.curve if request.curve in (CAMERA, AUTO) else None
    if request.curve is not None and per_photo is None:
        from hdr_studio.core.curve import parse_curve

        curve = parse_curve(request.curve)  # a bad curve is refused before any work
    fmt = None
    notes: list[str] = []
    if request.output is not None:
        fmt = export_format(kind, request.output, request.format)
        sources = (request.input,) if isinstance(request.input, Path) else ()
        check_output(request.output, request.force, sources)
        if kind is ResultKind.SDR and request.result == "auto":
            notes.append(f"{name} is an SDR declipping model; writing {fmt}")
        elif kind is ResultKind.SDR and fmt not in SDR_FORMATS:
            # no SDR counterpart of this format: the SDR pixels go into an HDR container
            notes.append(
                f"{fmt} is an HDR format: the SDR result is written into it as it is "
                "(nothing above SDR white); for an SDR file use .png, .jpg or .tif"
            )
    return Plan(info, kind, fmt, tuple(notes), curve, per_photo)


def unused_settings(request: ReconstructRequest, plan: Plan) -> list[str]:
    """The settings a request changes from their defaults that its job does not read, one
    line each, so that a setting that changes nothing says so (the command line names them;
    the app offers only what applies): the over-exposure threshold, which only the
    classical method clips at (the networks find clipped pixels themselves), the networks'
    settings (passes, tile, precision, device) with a method that runs none, and export
    options the output format does not take."""
    from dataclasses import fields

    from hdr_studio.core.clipping import DEFAULT_OVER

    name = plan.method.name
    out = []
    if request.over != DEFAULT_OVER and name != "classical":
        out.append(
            f"the over-exposure threshold is used by the classical method only "
            f"(over {request.over:.3f} not used by {name})"
        )
    if plan.method.builtin:  # no network runs: the networks' own settings change nothing
        for what, changed in (
            ("passes", request.passes != 1),
            ("tile", request.tile is not None),
            ("precision", request.precision != "auto"),
            ("device", request.device != "auto"),
        ):
            if changed:
                out.append(f"{what} is a network setting (not used by {name})")
    if plan.format is not None:
        takes, default = FORMATS[plan.format].options, ExportOptions()
        for f in fields(ExportOptions):
            if f.name not in takes and getattr(request.export, f.name) != getattr(default, f.name):
                out.append(f"{f.name.replace('_', ' ')} does not apply to {plan.format} (not used)")
    return out


def classical_params(over: float, options: dict[str, float]) -> ClassicalParams:
    """The classical engine's parameters from a request's threshold and options."""
    from hdr_studio.api.catalogue import CLASSICAL_OPTIONS

    values = {o.name: o.check(options.get(o.name, o.default)) for o in CLASSICAL_OPTIONS}
    return ClassicalParams(
        over_threshold=over, max_gain=values["max_gain"], radius=values["reach"] / 100.0
    )


def run_method(
    image: Image,
    method: str,
    *,
    over: float | None = None,
    options: dict[str, float] | None = None,
    device: str = "auto",
    precision: str = "auto",
    tile: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    models: Path | None = None,
    passes: int = 1,
) -> ModelResult:
    """Both results of ``method`` on ``image`` (the dispatch: built-ins run the numpy engine,
    anything else is a network from the registry; ``passes`` 3 averages a network's results on
    the picture and its mirror images — the built-ins are mirror-symmetric and run once).
    A camera raw file's partially clipped pixels are first rebuilt from their surviving
    channels (:mod:`hdr_studio.core.raw_highlights`); the method fills what clipped in all
    three."""
    if method == "none":
        return ModelResult(hdr=reconstruct_classical(image, "none"))
    raw = image.raw is not None
    if raw:
        from hdr_studio.core.raw_highlights import recovered_image

        image = recovered_image(image)
    if method == "classical":
        from hdr_studio.core.clipping import DEFAULT_OVER

        params = classical_params(DEFAULT_OVER if over is None else over, options or {})
        hdr = reconstruct_classical(
            image, "classical", params=params, progress=progress, cancel=cancel
        )
        return ModelResult(hdr=hdr)
    from hdr_studio.inference.pipeline import run_model

    def network(part: Image, report: ProgressFn | None) -> ModelResult:
        return run_model(
            part,
            method,
            device=device,
            tile=tile,
            progress=report,
            cancel=cancel,
            folder=models,
            precision=precision,
            passes=passes,
        )

    if raw:
        return _fill_raw_regions(image, network, progress)
    return network(image, progress)


def _fill_raw_regions(
    image: Image, network: Callable[[Image, ProgressFn | None], ModelResult], progress
) -> ModelResult:
    """A network's fill of a raw file whose partly clipped pixels are already rebuilt: what
    is left to fill is where all three channels clipped, so the network runs on crops
    around those regions (with a margin for its reach and its fill's smoothing) instead of
    on the whole picture, and the rest is the rebuilt raw as it is. The whole picture when
    the crops would cover most of it."""
    from dataclasses import replace as replace_image

    from hdr_studio.core.regions import fill_boxes

    boxes = fill_boxes(channel_min(image.code) >= np.float32(1.0))
    if not boxes:
        return ModelResult(hdr=image.linear.copy())
    area = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes)
    if area > 0.6 * image.width * image.height:
        return network(image, progress)
    hdr = image.linear.copy()
    for k, (x0, y0, x1, y1) in enumerate(boxes):
        part = replace_image(
            image,
            linear=np.ascontiguousarray(image.linear[y0:y1, x0:x1]),
            code=np.ascontiguousarray(image.code[y0:y1, x0:x1]),
            alpha=None if image.alpha is None else image.alpha[y0:y1, x0:x1],
        )
        share = (k / len(boxes), (k + 1) / len(boxes))
        report = None if progress is None else _scaled(progress, *share)
        result = network(part, report)
        if result.sdr is not None or result.hdr is None:
            # An SDR head answers for every pixel: it runs on the whole picture.
            return network(image, progress)
        hdr[y0:y1, x0:x1] = result.hdr
    return ModelResult(hdr=hdr)


def select(results: ModelResult, kind: ResultKind) -> np.ndarray:
    """The pixels of the ``kind`` result; an HDR-only method's SDR result is its HDR result
    rolled off for an SDR display (BT.2390, peak on white), as linear display values."""
    pixels = results.get(kind)
    if pixels is not None:
        return pixels
    if kind is ResultKind.SDR and results.hdr is not None:
        from hdr_studio.core.tonemap import tonemap_to_sdr_linear

        return tonemap_to_sdr_linear(results.hdr)
    raise InputError(f"the method gave no {kind.value} result")


def finish(
    image: Image,
    results: ModelResult,
    kind: ResultKind,
    strength: float = 1.0,
    selection: np.ndarray | None = None,
) -> np.ndarray:
    """The pixels a job delivers from the method's results: the ``kind`` result, its
    extrapolation scaled by ``strength``, limited to ``selection``. The app calls it again
    when the editor moves the strength slider (no network rerun)."""
    from hdr_studio.core.strength import apply_strength

    pixels = apply_strength(select(results, kind), image.linear, strength)
    if selection is not None:
        from hdr_studio.core.selection import limit_to_selection

        pixels = limit_to_selection(pixels, image.linear, selection)
    return pixels


def _scaled(progress: ProgressFn, start: float, end: float) -> ProgressFn:
    return lambda f, m: progress(start + (end - start) * min(max(f, 0.0), 1.0), m)


def load_input(request: ReconstructRequest) -> Image:
    """The request's image: read from its file, or the in-memory one (size-checked)."""
    if isinstance(request.input, Image):
        image = request.input
        from hdr_studio.core.image import megapixels

        if image.width * image.height > request.max_pixels:
            raise InputError(
                f"image is {image.width}x{image.height}, above the limit of "
                f"{megapixels(request.max_pixels)}"
            )
        return image
    from hdr_studio.core.reader import read_image

    return read_image(request.input, max_pixels=request.max_pixels)


def photo_curve(image: Image, spec: str) -> tuple[InverseCurve | None, str]:
    """The curve ``spec`` (``camera`` or ``auto``) settles on for ``image``: the curve kept
    for its camera (named after it); else, for ``auto``, one estimated from the photo
    (:mod:`hdr_studio.core.curve_estimate`) where the photo declares sRGB; else None (the
    file's encoding). And a note saying which."""
    from dataclasses import replace

    from hdr_studio.api.camera_curves import AUTO, resolve, why_none
    from hdr_studio.core.curve import parse_curve

    found, note = resolve(image)
    if found is not None:
        return replace(parse_curve(str(found.path)), name=f"measured for {found.camera}"), note
    if spec != AUTO or image.curve_free is not None:  # resolve() gave the note
        return None, note
    if image.transfer != "srgb":
        return (
            None,
            f"camera curve: {why_none(image)}; none estimated for a {image.transfer} photo",
        )
    from hdr_studio.core.curve_estimate import estimated_curve

    curve = estimated_curve(image.code)
    return curve, (
        f"camera curve: {why_none(image)}; {curve.name} (a weak estimate: one photo says little "
        "about its curve; measure the camera's from a bracket for a real one)"
    )


def _linearised(
    image: Image, request: ReconstructRequest, plan: Plan
) -> tuple[Image, list[str], str | None]:
    """``image`` through the request's camera curve (the plan's, or the one settled on for
    this photo), the notes that say so, and the curve's name as the outcome records it."""
    curve, notes = plan.curve, list(plan.notes)
    if plan.per_photo is not None:
        curve, note = photo_curve(image, plan.per_photo)
        notes.append(note)
    if curve is not None:
        from hdr_studio.core.curve import apply_curve

        image = apply_curve(image, curve)
        if plan.per_photo is None:  # (a curve settled on per photo says so in its note)
            notes.append(f"linearised with camera curve {curve.name}")
    if plan.per_photo is not None:  # the curve settled on for the photo, or its encoding
        recorded_curve = curve.name if curve is not None else image.transfer
        if curve is None:  # the output names what linearised it, as with a curve found
            from hdr_studio.core.curve import named_curve

            image = named_curve(image, f"{image.transfer} (as the file says)")
    else:
        recorded_curve = request.curve or image.transfer
    return image, notes, recorded_curve


def _metadata(request: ReconstructRequest, plan: Plan, curve: str | None) -> dict[str, Any]:
    """What an outcome records of how it was made (outputs and resumed batches read it)."""
    return {
        "method": plan.method.name,
        "label": plan.method.label,
        "method_kind": plan.method.kind.value,
        "result": plan.result.value,
        "weights_sha256": plan.method.digest,
        "precision": request.precision,
        "strength": request.strength,
        "passes": request.passes,
        "curve": curve,
        "curve_asked": request.curve,  # None: as the file says
        "options": dict(request.options),
    }


def _run(
    image: Image,
    request: ReconstructRequest,
    plan: Plan,
    progress: ProgressFn,
    cancel: CancelToken | None,
) -> ModelResult:
    """The plan's method on ``image`` with the request's options (the results of each of its
    heads, before the strength, the selection and the choice of result)."""
    return run_method(
        image,
        plan.method.name,
        over=request.over,
        options=request.options,
        device=request.device,
        precision=request.precision,
        tile=request.tile,
        progress=progress,
        cancel=cancel,
        models=request.models,
        passes=request.passes,
    )


def reconstruct(
    request: ReconstructRequest,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    image: Image | None = None,
    plan: Plan | None = None,
) -> Outcome:
    """Run ``request``: read, reconstruct, choose the result, write it when an output is
    named. ``image``: the already decoded input (the app keeps it open), else it is loaded;
    ``plan``: what :func:`prepare` returned for this request, if the caller has it.
    Deterministic for the same request and weights."""
    progress = progress or no_progress
    plan = plan or prepare(request)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    image, notes, recorded_curve = _linearised(
        image if image is not None else load_input(request), request, plan
    )
    timings["read"] = time.perf_counter() - t0
    if cancel is not None:
        cancel.raise_if_cancelled()
    if not plan.method.builtin:
        import hdr_studio.inference.pipeline  # noqa: F401  (torch loaded: its threads are set)
    t1 = time.perf_counter()
    with compute_threads(request.threads):
        results = _run(
            image, request, plan, _scaled(progress, 0.0, 0.9 if request.output else 1.0), cancel
        )
        timings["reconstruct"] = time.perf_counter() - t1
        pixels = finish(image, results, plan.result, request.strength, request.selection)
        outcome = Outcome(
            image=image,
            method=plan.method.name,
            kind=plan.result,
            pixels=pixels,
            results=results,
            warnings=list(image.notes),
            notes=notes,
            metadata=_metadata(request, plan, recorded_curve),
        )
        if request.output is not None:
            if cancel is not None:
                cancel.raise_if_cancelled()
            fmt = export_format(plan.result, Path(request.output), plan.format)
            notes += export_notes(image, fmt)
            progress(0.9, "writing")
            t2 = time.perf_counter()
            write(outcome, request.output, plan.format, request.export, request.force)
            timings["write"] = time.perf_counter() - t2
        progress(1.0, "done")
    release_free_memory()  # processes that live on (app, bridge, batch) do not pile up heap
    timings["total"] = time.perf_counter() - t0
    outcome.timings = timings
    log.info(
        "reconstructed %dx%d with %s (%s result) in %.2f s",
        image.width,
        image.height,
        plan.method.name,
        plan.result.value,
        timings["total"],
    )
    return outcome


def check_export(image: Image, path: str | Path, kind: ResultKind, fmt: str | None = None) -> str:
    """The format an export of a ``kind`` result of ``image`` to ``path`` takes; refuses the
    source file itself (whatever ``force`` says), unknown formats or extensions, and what
    cannot be written there (a folder that is missing, read-only or not a folder)."""
    path = Path(path)
    name = export_format(kind, path, fmt)
    check_output(path, force=True, sources=(image.source_path,) if image.source_path else ())
    return name


def export_notes(image: Image, fmt: str) -> list[str]:
    """What an export of ``image`` in format ``fmt`` does not keep, one line each."""
    if image.alpha is not None and not FORMATS[fmt].alpha:
        keep = ", ".join(n for n, f in FORMATS.items() if f.alpha)
        return [f"the photo's transparency is not kept in {fmt} ({keep} keep it)"]
    return []


def write(
    outcome: Outcome,
    path: str | Path,
    fmt: str | None = None,
    options: ExportOptions | None = None,
    force: bool = False,
) -> Path:
    """Write ``outcome``'s result to ``path`` atomically (format by :func:`export_format`);
    the source file is never overwritten, whatever ``force`` says."""
    path = Path(path)
    name = check_export(outcome.image, path, outcome.kind, fmt)
    uncertainty = None
    if outcome.results.spread is not None and options is not None and options.invented_channel:
        from hdr_studio.core.strength import scaled_spread

        uncertainty = scaled_spread(outcome.results.spread, outcome.metadata.get("strength", 1.0))
    _write_result(
        outcome.pixels,
        path,
        outcome.image,
        fmt=name,
        options=options,
        force=force,
        uncertainty=uncertainty,
    )
    outcome.output, outcome.format = path, name
    return path


def encode(outcome: Outcome, fmt: str, options: ExportOptions | None = None) -> bytes:
    """``outcome``'s result as the bytes of a file in format ``fmt`` (nothing written)."""
    return encode_result(outcome.pixels, outcome.image, fmt, options)
