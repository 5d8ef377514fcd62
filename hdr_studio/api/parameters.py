"""The parameters of the api's operations, each declared once: its type, range or choices,
default, help and which front ends show it. Everything else is derived from these tables:
the request's validation (:meth:`ReconstructRequest.__post_init__`), the command line's
options (``reconstruct``, ``batch``, ``analyze``: :mod:`hdr_studio.cli.options`), the
bridge's checks of a job's JSON (:func:`from_json`) and its OpenAPI schema
(:func:`json_schema`), and the app's control ranges. Adding an option to the request is one
entry here, a field of :class:`~hdr_studio.api.request.ReconstructRequest` and its use.

The numbers themselves are the engine's policy and live where the engine defines them (the
clipping thresholds in :mod:`hdr_studio.core.clipping`, the strength range in
:mod:`hdr_studio.core.strength`, the export defaults in :class:`ExportOptions`, the number
formats in :mod:`hdr_studio.inference.number_formats`); the tables read them from there.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hdr_studio.core.clipping import DEFAULT_MODE, DEFAULT_OVER, DEFAULT_UNDER, HYBRID_TAU, MODES
from hdr_studio.core.decompose import DEFAULT_ALPHA as WLS_ALPHA
from hdr_studio.core.decompose import DEFAULT_LAMBDA as WLS_LAMBDA
from hdr_studio.core.decompose import SOLVERS
from hdr_studio.core.export import FORMATS, ExportOptions
from hdr_studio.core.reader import DEFAULT_MAX_PIXELS
from hdr_studio.core.strength import MAX_STRENGTH, MIN_STRENGTH
from hdr_studio.inference.number_formats import PRECISIONS

#: The front ends a parameter can be shown by: the CLI's ``reconstruct`` and ``batch`` (and
#: ``analyze`` for the analysis table), the bridge's JSON, the desktop app's controls.
FRONTS = ("reconstruct", "batch", "analyze", "decompose", "bridge", "app")
#: Which result a job delivers: ``auto`` is the method's HDR result when it has one, else its
#: SDR result; ``sdr`` of an HDR-only method is its HDR result tone-mapped for SDR.
RESULTS = ("auto", "hdr", "sdr")
#: Mirror passes: 1, or 3 (the picture and its left–right and upside-down mirror images).
PASSES = (1, 3)
#: Curves a remote client may name: no file paths (the bridge reads no file a client names)
#: and no ``camera`` (a layer carries no Exif to find the camera by).
REMOTE_CURVES = "srgb, gamma:G or auto"
_EXPORT_DEFAULTS = ExportOptions()


@dataclass(frozen=True)
class Parameter:
    """One parameter of an operation.

    name: the request field; ``export.NAME`` for a field of its :class:`ExportOptions`.
    kind: ``float``, ``int``, ``str``, ``bool`` or ``dict`` (a method's options by name).
    default: the value when it is not given (``None``: "decide for me", see ``optional``).
    help: one sentence for ``--help``, tooltips and the OpenAPI document.
    minimum, maximum: the range (inclusive; ``open_minimum``, ``open_maximum``: that end
        itself refused).
    choices: the values allowed, when they are a list.
    optional: ``None`` is a value (the method, the curve, the tile size…: chosen for you).
    fronts: the front ends that show it (:data:`FRONTS`).
    flag: the command-line option (default ``--NAME`` with dashes).
    metavar: the command line's name for its value.
    percent: shown and typed in percent on the command line and in the app (×100).
    levels: on the command line a number above 1 is an 8-bit level (250 → 250/255).
    front_defaults: a front end's own default where it differs (``batch``: EXR files).
    remote: a further check of what a remote client (the bridge) sends: the error, or None.
    """

    name: str
    kind: type
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    open_minimum: bool = False
    open_maximum: bool = False
    choices: tuple[Any, ...] | None = None
    optional: bool = False
    fronts: frozenset[str] = frozenset(FRONTS)
    flag: str | None = None
    metavar: str | None = None
    percent: bool = False
    levels: int | None = None
    front_defaults: Mapping[str, Any] = field(default_factory=dict)
    remote: Callable[[Any], str | None] | None = None

    @property
    def option(self) -> str:
        """The command-line option, e.g. ``--reference-white``."""
        return self.flag or "--" + self.name.rsplit(".", 1)[-1].replace("_", "-")

    @property
    def dest(self) -> str:
        """The name a parsed command line holds its value under (the field's own name)."""
        return self.name.rsplit(".", 1)[-1]

    def default_for(self, front: str) -> Any:
        return self.front_defaults.get(front, self.default)

    def range_text(self) -> str:
        """``in [0, 1.5]``, ``in (0, 1]``, ``at least 1``: the range in words for messages
        (in percent for a percentage)."""
        scale = 100.0 if self.percent else 1.0
        lo = None if self.minimum is None else self.minimum * scale
        hi = None if self.maximum is None else self.maximum * scale
        unit = " %" if self.percent else ""
        if lo is not None and hi is not None:
            left, right = "(" if self.open_minimum else "[", ")" if self.open_maximum else "]"
            return f"in {left}{lo:g}, {hi:g}{right}{unit}"
        if lo is not None:
            return f"{'above' if self.open_minimum else 'at least'} {lo:g}{unit}"
        return f"at most {hi:g}{unit}" if hi is not None else "a number"

    def check(self, value: Any) -> Any:
        """``value`` if it fits (a number converted to ``kind``); ``ValueError`` with one
        line if not. A percentage is checked as a fraction (strength 1.5 = 150 %)."""
        label = self.name.rsplit(".", 1)[-1]
        if value is None:
            if self.optional:
                return None
            raise ValueError(f"{label} must be given")
        wrong_bool = isinstance(value, bool) and self.kind is not bool
        if self.choices is not None:
            if wrong_bool or value not in self.choices:
                raise ValueError(f"{label} must be {_either(self.choices)}, got {value!r}")
            return self.kind(value)
        if self.kind in (float, int):
            return self._number(label, value)
        if not isinstance(value, self.kind):
            raise ValueError(f"{label} must be a {self.kind.__name__}, got {value!r}")
        return value

    def _number(self, label: str, value: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{label} must be a number, got {value!r}")
        number = float(value)  # numpy's numbers too; the value itself is what is returned
        if not math.isfinite(number):
            raise ValueError(f"{label} must be a finite number, got {value!r}")
        if self.kind is int and number != int(number):
            raise ValueError(f"{label} must be a whole number, got {value!r}")
        lo, hi = self.minimum, self.maximum
        below = lo is not None and (number <= lo if self.open_minimum else number < lo)
        above = hi is not None and (number >= hi if self.open_maximum else number > hi)
        if below or above:
            shown = f"{number * 100:g} %" if self.percent else f"{number:g}"
            raise ValueError(f"{label} must be {self.range_text()}, got {shown}")
        return int(number) if self.kind is int else number


def _either(choices: Iterable[Any]) -> str:
    words = [str(c) for c in choices]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _remote_curve(value: Any) -> str | None:
    ok = isinstance(value, str) and (value in ("srgb", "auto") or value.startswith("gamma:"))
    return None if ok else f"curve must be {REMOTE_CURVES}"


def _options(value: Any) -> str | None:
    valid = isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, numbers.Real) and not isinstance(v, bool)
        for k, v in value.items()
    )
    return None if valid else "options must map names to numbers"


_CLI = frozenset({"reconstruct", "batch"})
#: How large an image an operation reads (the command line's operations on files).
MAX_PIXELS = Parameter(
    "max_pixels",
    int,
    DEFAULT_MAX_PIXELS,
    f"refuse larger images (default {DEFAULT_MAX_PIXELS:,})",
    minimum=1,
    fronts=frozenset({"reconstruct", "analyze", "decompose"}),
)
_EVERYWHERE = frozenset({"reconstruct", "batch", "bridge", "app"})
_LOCAL = frozenset({"reconstruct", "batch", "app"})

#: The reconstruction request's parameters (:class:`~hdr_studio.api.request.ReconstructRequest`).
RECONSTRUCT: tuple[Parameter, ...] = (
    Parameter(
        "method",
        str,
        None,
        "classical, none (linearise only) or a model from 'hdr-studio models' (default: the "
        "best shipped HDR model, else classical)",
        optional=True,
        fronts=_EVERYWHERE,
    ),
    Parameter(
        "options",
        dict,
        {},
        "one of the method's own options, as NAME=VALUE (repeat for more; 'hdr-studio "
        "models --json' lists each method's, e.g. classical's max_gain=8)",
        fronts=frozenset({"reconstruct", "batch", "bridge", "app"}),
        flag="--option",
        metavar="NAME=VALUE",
        remote=_options,
    ),
    Parameter(
        "over",
        float,
        DEFAULT_OVER,
        f"over-exposure threshold: a code value in (0, 1] (default {DEFAULT_OVER * 255:g}/255 "
        f"= {DEFAULT_OVER:.3f})",
        minimum=0.0,
        maximum=1.0,
        open_minimum=True,
        levels=255,
        fronts=_EVERYWHERE,
    ),
    Parameter(
        "result",
        str,
        "auto",
        "hdr, sdr (an HDR method's result tone-mapped for SDR; DRHT's LDR head) or auto "
        "(default: hdr when the method gives one)",
        choices=RESULTS,
        fronts=frozenset({"reconstruct", "batch", "bridge"}),
    ),
    Parameter(
        "strength",
        float,
        1.0,
        "how far the result goes beyond the measured pixels: 0 (the linearised photo) to "
        f"{MAX_STRENGTH * 100:g} % (default 100: the method's calibrated result)",
        minimum=MIN_STRENGTH,
        maximum=MAX_STRENGTH,
        percent=True,
        metavar="PERCENT",
        fronts=_EVERYWHERE,
    ),
    Parameter(
        "curve",
        str,
        None,
        "linearise 8/16-bit photos with this camera curve (inverse response) instead of the "
        "file's declared encoding; FILE: a measured response, one column (linear values at "
        "even code steps) or two (code, linear); camera: the curve measure-curve kept for "
        "each photo's camera (Exif make and model), where there is one; auto: that curve, "
        "else one estimated from the photo (a weak estimate that stays near sRGB: one photo "
        "says little about its curve)",
        optional=True,
        metavar="srgb|gamma:G|camera|auto|FILE",
        fronts=_EVERYWHERE,
        remote=_remote_curve,
    ),
    Parameter(
        "passes",
        int,
        1,
        "3: also run the network on the photo's mirror images and average the results "
        "(about 3x the time, a little more accurate in clipped areas)",
        choices=PASSES,
        fronts=_EVERYWHERE,
    ),
    Parameter(
        "precision",
        str,
        "auto",
        "the networks' number format: auto (default: bf16 where the CPU computes it natively "
        "(AMX, AVX-512 BF16) and on GPUs, else fp32), fp32, bf16, fp16 (GPU)",
        choices=PRECISIONS,
        fronts=frozenset({"reconstruct", "batch", "bridge"}),
    ),
    Parameter(
        "device",
        str,
        "auto",
        "where the networks run: auto (default), cpu, cuda, cuda:N, mps",
        fronts=_CLI,
    ),
    Parameter(
        "tile",
        int,
        None,
        "tile size in pixels for the networks (default: from free memory; on the CPU the "
        "size that computes least for the picture, 256–512)",
        minimum=1,
        optional=True,
        fronts=_CLI,
    ),
    Parameter(
        "threads",
        int,
        None,
        "CPU threads for this job, or for each batch worker (default: every core)",
        minimum=1,
        optional=True,
        fronts=_CLI,
    ),
    Parameter(
        "format",
        str,
        None,
        "the output format (default: by the output's extension; batch: exr): " + ", ".join(FORMATS),
        choices=tuple(FORMATS),
        optional=True,
        metavar="FORMAT",
        front_defaults={"batch": "exr"},
        fronts=_CLI,
    ),
    Parameter(
        "export.reference_white",
        float,
        _EXPORT_DEFAULTS.reference_white,
        f"cd/m² that the source's white maps to in PQ outputs (default "
        f"{_EXPORT_DEFAULTS.reference_white:g})",
        minimum=1.0,
        maximum=10000.0,
        metavar="NITS",
        fronts=_LOCAL,
    ),
    Parameter(
        "export.peak_nits",
        float,
        _EXPORT_DEFAULTS.peak_nits,
        f"peak of PQ outputs, with a soft roll-off (default {_EXPORT_DEFAULTS.peak_nits:g})",
        minimum=100.0,
        maximum=10000.0,
        metavar="NITS",
        fronts=_LOCAL,
    ),
    Parameter(
        "export.quality",
        int,
        _EXPORT_DEFAULTS.quality,
        f"quality 1-100 of JPEG, AVIF and JPEG XL (JPEG XL 100: lossless; default "
        f"{_EXPORT_DEFAULTS.quality})",
        minimum=1,
        maximum=100,
        fronts=_LOCAL,
    ),
    Parameter(
        "export.sdr_exposure",
        float,
        _EXPORT_DEFAULTS.sdr_exposure,
        "stops applied before an HDR result is rendered for SDR (the SDR formats, an Ultra "
        "HDR file's base image; default 0, the app's: the view's exposure)",
        minimum=-10.0,
        maximum=10.0,
        metavar="STOPS",
        fronts=_LOCAL,
    ),
    Parameter(
        "export.strip_location",
        bool,
        False,
        "leave the photo's location (GPS position, IPTC city and country) out of the "
        "outputs; the rest of its metadata is carried",
        fronts=_LOCAL,
    ),
    Parameter(
        "export.invented_channel",
        bool,
        False,
        "EXR: add a channel 'invented' (0-1, the share of each pixel's light that was "
        "reconstructed rather than measured) and, with --passes 3, 'uncertain' (the stops "
        "by which the mirror passes disagreed)",
        fronts=_LOCAL,
    ),
    MAX_PIXELS,
)

#: The clipping analysis's parameters (:func:`hdr_studio.api.analysis.analyse`).
ANALYSE: tuple[Parameter, ...] = (
    Parameter(
        "over",
        float,
        DEFAULT_OVER,
        f"over-exposure threshold: a code value in (0, 1] (default {DEFAULT_OVER * 255:g}/255 "
        f"= {DEFAULT_OVER:.3f})",
        minimum=0.0,
        maximum=1.0,
        open_minimum=True,
        levels=255,
        fronts=frozenset({"analyze", "bridge", "app"}),
    ),
    Parameter(
        "under",
        float,
        DEFAULT_UNDER,
        f"under-exposure threshold, same units (default {DEFAULT_UNDER * 255:g}/255 = "
        f"{DEFAULT_UNDER:.3f})",
        minimum=0.0,
        maximum=1.0,
        open_maximum=True,  # below over, which is at most 1
        levels=255,
        fronts=frozenset({"analyze", "bridge", "app"}),
    ),
    Parameter(
        "mode",
        str,
        DEFAULT_MODE,
        f"overlay mode (default {DEFAULT_MODE}): any or all channels clipped (red over, green "
        "under), or channel (which channels clipped)",
        choices=MODES,
        fronts=frozenset({"analyze", "bridge", "app"}),
    ),
    MAX_PIXELS,
)


#: The base/detail decomposition's parameters (:func:`hdr_studio.api.decomposition.decompose`).
DECOMPOSE: tuple[Parameter, ...] = (
    Parameter("lam", float, WLS_LAMBDA, f"WLS λ (default {WLS_LAMBDA:g})", minimum=0.0,
              open_minimum=True, flag="--lambda", fronts=frozenset({"decompose"})),
    Parameter("alpha", float, WLS_ALPHA, f"WLS α (default {WLS_ALPHA:g})", minimum=0.0,
              open_minimum=True, fronts=frozenset({"decompose"})),
    Parameter("tau", float, HYBRID_TAU, f"mask threshold τ (default {HYBRID_TAU:g})",
              minimum=0.0, maximum=1.0, open_maximum=True, fronts=frozenset({"decompose"})),
    Parameter("solver", str, "auto", "exact sparse solve or fast separable solver (auto: by "
              "size)", choices=SOLVERS, fronts=frozenset({"decompose"})),
    MAX_PIXELS,
)  # fmt: skip


def parameter(name: str, table: tuple[Parameter, ...] | None = None) -> Parameter:
    """The entry ``name`` of ``table`` (default :data:`RECONSTRUCT`; ``KeyError`` if there
    is none)."""
    for p in RECONSTRUCT if table is None else table:
        if p.name == name:
            return p
    raise KeyError(name)


def shown_by(front: str, table: tuple[Parameter, ...] | None = None) -> tuple[Parameter, ...]:
    """The parameters of ``table`` (default :data:`RECONSTRUCT`) that ``front`` shows, in
    table order."""
    if front not in FRONTS:
        raise ValueError(f"unknown front end {front!r}")
    return tuple(p for p in (RECONSTRUCT if table is None else table) if front in p.fronts)


def check_request(values: Mapping[str, Any]) -> None:
    """Check the request's fields (``values``: field name → value; ``export`` an
    :class:`ExportOptions`) against :data:`RECONSTRUCT`; ``ValueError`` with one line."""
    export = values.get("export")
    for p in RECONSTRUCT:
        if p.name.startswith("export."):
            if export is not None:
                p.check(getattr(export, p.name.split(".", 1)[1]))
        elif p.name in values:
            p.check(values[p.name])


def request_fields(given: Mapping[str, Any], front: str) -> dict[str, Any]:
    """The request's fields from ``given`` (parameter name → value, as the table names them,
    ``export.*`` included; missing ones take ``front``'s default): keyword arguments for
    :class:`~hdr_studio.api.request.ReconstructRequest`, ``export`` gathered into one
    :class:`ExportOptions`. Each value is checked; ``ValueError`` with one line."""
    out: dict[str, Any] = {}
    export: dict[str, Any] = {}
    for p in shown_by(front):
        value = p.check(given[p.name] if p.name in given else p.default_for(front))
        if p.name.startswith("export."):
            export[p.name.split(".", 1)[1]] = value
        else:
            out[p.name] = value
    if export:
        out["export"] = ExportOptions(**export)
    return out


def from_json(spec: Any, front: str = "bridge") -> dict[str, Any]:
    """The request fields a remote client sent as a JSON object (the bridge's ``request``):
    only the parameters ``front`` shows, each checked by the table and its ``remote`` check;
    ``ValueError`` with one line for anything else."""
    if not isinstance(spec, dict):
        raise ValueError("request must be a JSON object")
    known = {p.name: p for p in shown_by(front)}
    unknown = sorted(set(spec) - set(known))
    if unknown:
        raise ValueError(f"unknown request field(s): {', '.join(unknown)}")
    for name, value in spec.items():
        check = known[name].remote
        problem = check(value) if check is not None else None
        if problem is not None and value is not None:
            raise ValueError(problem)
    fields_ = request_fields(spec, front)
    if "options" in fields_:
        fields_["options"] = {k: float(v) for k, v in fields_["options"].items()}
    return fields_


def property_schema(p: Parameter) -> dict[str, Any]:
    """The JSON schema (OpenAPI 3.0 dialect) of one parameter's value."""
    schema: dict[str, Any] = {"description": p.help}
    if p.kind is dict:
        schema.update(type="object", additionalProperties={"type": "number"})
    elif p.choices is not None:
        schema["enum"] = list(p.choices)
    else:
        schema["type"] = {float: "number", int: "integer", str: "string", bool: "boolean"}[p.kind]
    if p.minimum is not None:
        schema["minimum"] = p.minimum
        if p.open_minimum:
            schema["exclusiveMinimum"] = True
    if p.maximum is not None:
        schema["maximum"] = p.maximum
        if p.open_maximum:
            schema["exclusiveMaximum"] = True
    if p.default is not None:
        schema["default"] = p.default
    if p.optional:
        schema["nullable"] = True
    return schema


def json_schema(table: tuple[Parameter, ...] | None = None, front: str = "bridge") -> dict:
    """The JSON schema (OpenAPI 3.0 dialect) of the object ``front`` accepts from ``table``."""
    props = {p.name: property_schema(p) for p in shown_by(front, table)}
    return {"type": "object", "additionalProperties": False, "properties": props}


__all__ = [
    "ANALYSE",
    "DECOMPOSE",
    "FRONTS",
    "PASSES",
    "RECONSTRUCT",
    "RESULTS",
    "Parameter",
    "check_request",
    "from_json",
    "json_schema",
    "parameter",
    "property_schema",
    "request_fields",
    "shown_by",
]
