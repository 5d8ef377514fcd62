"""Plain Python models of the app's state. Widgets subscribe to them and tests drive them
without a window. Changing a field notifies subscribers with the field's name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.core.clipping import DEFAULT_OVER, DEFAULT_UNDER
from hdr_studio.core.image import Image
from hdr_studio.core.result import ResultKind

Listener = Callable[[str], None]


class Observable:
    """Attribute assignment notifies listeners (after the value changed). Each field has a
    version that counts its changes: caches key on it instead of on object identity."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_listeners", [])
        object.__setattr__(self, "_versions", {})

    def version(self, name: str) -> int:
        """How many times field ``name`` has changed."""
        return self._versions.get(name, 0)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def __setattr__(self, name: str, value: Any) -> None:
        old = getattr(self, name, None)
        object.__setattr__(self, name, value)
        if name.startswith("_") or not hasattr(self, "_listeners"):
            return
        same = old is value
        if not same and not isinstance(value, np.ndarray | Image):
            try:
                same = bool(old == value)
            except (TypeError, ValueError):
                same = False
        if not same:
            self._versions[name] = self._versions.get(name, 0) + 1
            for listener in list(self._listeners):
                listener(name)

    def update(self, **changes: Any) -> None:
        for k, v in changes.items():
            if k not in {f.name for f in fields(self)}:
                raise AttributeError(f"{type(self).__name__} has no field {k!r}")
            setattr(self, k, v)


@dataclass(eq=False)
class OverlaySettings(Observable):
    """Clipping overlay: red = over, green = under (DeclipNet); ``channel`` mode shows which
    channels clipped. Thresholds are code values. The default is ``any``: partial clipping
    (one or two channels) is the most common kind and ``all`` would hide it."""

    enabled: bool = True
    mode: str = "any"
    over: float = DEFAULT_OVER
    under: float = DEFAULT_UNDER
    opacity: float = 0.7
    show_over: bool = True
    show_under: bool = True


@dataclass(eq=False)
class ViewSettings(Observable):
    """What the viewer shows. ``layer``: original, result, base or detail. ``compare``:
    none, split (draggable line, original left) or side-by-side (linked views)."""

    layer: str = "original"
    compare: str = "none"
    split: float = 0.5
    exposure: float = 0.0
    reference_white: float = 203.0
    show_sdr_result: bool = False


@dataclass(eq=False)
class Document(Observable):
    """The open photo and what was made from it. ``result`` is the reconstruction's chosen
    result (linear, image primaries, 1.0 = white) of kind ``result_kind`` — HDR, or SDR for
    a declipping model; ``result_sdr`` is a second, SDR result when the method also gives one
    (DRHT); ``outcome`` is the engine's record of the job, which exports write."""

    path: Path | None = None
    image: Image | None = None
    #: The image is a raw file's first picture (embedded preview or half-size decode);
    #: the full decode replaces it.
    preview: bool = False
    result: np.ndarray | None = None
    result_kind: ResultKind = ResultKind.HDR
    result_sdr: np.ndarray | None = None
    result_method: str = ""
    outcome: Any = None  # hdr_studio.api.engine.Outcome
    base: np.ndarray | None = None  # WLS layers of the display level (code values)
    detail: np.ndarray | None = None


@dataclass(eq=False)
class JobState(Observable):
    """The background job the GUI shows: state is idle, running, done, cancelled or failed."""

    name: str = ""
    state: str = "idle"
    progress: float = 0.0
    message: str = ""
    error: str = ""


@dataclass(eq=False)
class AppState:
    document: Document = field(default_factory=Document)
    view: ViewSettings = field(default_factory=ViewSettings)
    overlay: OverlaySettings = field(default_factory=OverlaySettings)
    job: JobState = field(default_factory=JobState)
