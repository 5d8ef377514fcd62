"""One catalogue of reconstruction methods: the built-in ones (``none``, ``classical``) and
every registered network, each with its label, kind, availability (and why not) and options.
The CLI's ``models`` and ``--method``, the app's method list, evaluation, the bridge and batch
all read it; nothing else lists methods.

Torch is imported only when a network is looked at; without it the networks are listed from
the weights manifest as unavailable, with the extra to install."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hdr_studio.api.errors import UnavailableMethodError, UnknownMethodError
from hdr_studio.core.classical import ClassicalParams
from hdr_studio.core.errors import InputError
from hdr_studio.core.result import MethodKind

NO_TORCH = "needs PyTorch: pip install 'hdr-studio[nets]'"
NO_WEIGHTS = "no trained weights are installed for this model"


@dataclass(frozen=True)
class Option:
    """A numeric option of a method, with its default and range (UI spin boxes, CLI checks)."""

    name: str
    label: str
    default: float
    minimum: float
    maximum: float
    help: str = ""

    def check(self, value: float) -> float:
        v = float(value)
        if not self.minimum <= v <= self.maximum:
            raise InputError(
                f"option {self.name} must be in [{self.minimum:g}, {self.maximum:g}], got {v:g}"
            )
        return v


@dataclass(frozen=True)
class MethodInfo:
    """A method as the catalogue knows it."""

    name: str
    label: str
    kind: MethodKind
    available: bool
    reason: str = ""  # why not available ("" when it is)
    builtin: bool = False
    paper: str = ""
    default: bool = False  # the shipped default network
    options: tuple[Option, ...] = ()
    training: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    digest: str = ""  # sha256 of the network's weights file ("" for built-ins)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind.value
        return d


_CLASSICAL_DEFAULTS = ClassicalParams()
CLASSICAL_OPTIONS = (
    Option(
        "max_gain",
        "Max gain",
        _CLASSICAL_DEFAULTS.max_gain,
        1.0,
        32.0,
        "Largest brightness gain inside big fully clipped areas",
    ),
    Option(
        "reach",
        "Reach (% of the short side)",
        _CLASSICAL_DEFAULTS.radius * 100,
        0.5,
        30.0,
        "Distance into a clipped area over which the gain grows",
    ),
)

BUILT_IN = (
    MethodInfo(
        "classical",
        "Classical (no network)",
        MethodKind.HDR,
        True,
        builtin=True,
        paper="Built in: inpaint-opposed + expansion",
        options=CLASSICAL_OPTIONS,
    ),
    MethodInfo(
        "none",
        "Linearise only",
        MethodKind.HDR,
        True,
        builtin=True,
        paper="No reconstruction, for comparison",
    ),
)


def _networks(models: Path | None) -> list[MethodInfo]:
    try:
        from hdr_studio.inference.registry import all_specs, config_from_metadata
        from hdr_studio.inference.weights import weights_entry
    except ImportError as exc:  # PyTorch missing: list what the manifest ships, unavailable
        import json

        reason = NO_TORCH
        if not (isinstance(exc, ModuleNotFoundError) and exc.name == "torch"):  # there, broken
            reason = f"PyTorch failed to load: {' '.join(str(exc).split())[:200]}"

        from hdr_studio.core.resources import package_resource

        folder = models or package_resource("models")
        try:
            names = sorted(json.loads((folder / "manifest.json").read_text())["models"])
        except (OSError, ValueError, KeyError):
            names = []
        return [MethodInfo(n, n, MethodKind.HDR, False, reason) for n in names]
    out = []
    for spec in all_specs():
        entry = weights_entry(spec.name, models)
        meta = entry["metadata"] if entry else {}
        out.append(
            MethodInfo(
                name=spec.name,
                label=f"{spec.title} ({spec.kind.value.upper()})",
                kind=spec.kind,
                available=entry is not None,
                reason="" if entry is not None else NO_WEIGHTS,
                paper=spec.paper,
                default=bool(entry and entry.get("default")),
                training=meta.get("training_data", ""),
                config=config_from_metadata(spec, meta),
                digest=entry.get("sha256", "") if entry else "",
            )
        )
    return out


def catalogue(models: Path | None = None) -> list[MethodInfo]:
    """Every method: the built-ins first, then the networks by name (``models``: weights
    folder, default the shipped one)."""
    return [*BUILT_IN, *_networks(models)]


def method_info(name: str, models: Path | None = None) -> MethodInfo:
    """The catalogue entry of ``name``; :class:`UnknownMethodError` lists the known ones."""
    for m in BUILT_IN:
        if m.name == name:
            return m
    methods = catalogue(models)
    for m in methods:
        if m.name == name:
            return m
    known = ", ".join(m.name for m in methods)
    raise UnknownMethodError(f"unknown method '{name}' (methods: {known})")


def require_available(name: str, models: Path | None = None) -> MethodInfo:
    """``name``'s entry if it can run here, else :class:`UnavailableMethodError`."""
    info = method_info(name, models)
    if not info.available:
        raise UnavailableMethodError(f"method '{name}' is unavailable: {info.reason}")
    return info


def default_method(models: Path | None = None) -> str:
    """The shipped network flagged default in the weights manifest, else ``classical``."""
    for m in _networks(models):
        if m.default and m.available:
            return m.name
    return "classical"


def parameter_count(name: str, models: Path | None = None) -> int:
    """Number of weights of network ``name`` (0 for the built-in methods)."""
    info = method_info(name, models)
    if info.builtin or not info.config:
        return 0
    from hdr_studio.inference.registry import get_spec

    net = get_spec(name).build(dict(info.config))
    return sum(p.numel() for p in net.parameters())


def device_line(device: str = "auto", precision: str = "auto") -> str:
    """What runs the networks, in words ("CPU (2 threads), bf16 (AMX)", a GPU's name and
    number format); the reason when PyTorch is missing."""
    try:
        from hdr_studio.inference.devices import describe, resolve_device
    except ImportError:
        return "CPU (networks unavailable: PyTorch is not installed)"
    return describe(resolve_device(device), precision)
