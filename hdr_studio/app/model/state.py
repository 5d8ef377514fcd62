"""The app's state as plain observable objects: the open document, the editor's settings
(what undo/redo walks), the view, the overlay, the method list and the jobs. Widgets
subscribe to them; tests drive them without a window. No Qt here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hdr_studio.api.analysis import DEFAULT_OVER, DEFAULT_UNDER
from hdr_studio.api.types import Image, ResultKind
from hdr_studio.app.model.display import DisplayState
from hdr_studio.app.model.observable import Listener, Observable

if TYPE_CHECKING:
    from hdr_studio.api.catalogue import MethodInfo

__all__ = [
    "Analysis",
    "AppState",
    "Document",
    "EditSettings",
    "JobState",
    "Listener",
    "Methods",
    "Observable",
    "OverlaySettings",
    "Reference",
    "ViewSettings",
]

#: Compare modes: one picture, the split line, two linked panes, two results (A | B).
COMPARE_MODES = ("none", "split", "side-by-side", "ab")


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
    """What the viewer shows. ``layer``: original, result, base or detail. ``compare``: one
    of :data:`COMPARE_MODES` (split: draggable line, original left; ab: the kept result A
    left of the current result B)."""

    layer: str = "original"
    compare: str = "none"
    split: float = 0.5
    exposure: float = 0.0
    reference_white: float = 203.0
    show_sdr_result: bool = False


@dataclass(eq=False)
class EditSettings(Observable):
    """The editor's settings for the open photo: what a reconstruction runs with and what
    undo/redo walks. ``method``: a catalogue name ("" until the method list is in);
    ``curve``: the request's camera curve (None: the file's encoding; a name; a curve
    file's path); ``options``: each method's option values that differ from the defaults,
    as ``((method, ((name, value), ...)), ...)`` (hashable, compared by value);
    ``selection``: the rectangle (x0, y0, x1, y1, full-resolution pixels) the result is
    limited to, None for the whole photo."""

    method: str = ""
    strength: float = 1.0
    curve: str | None = None
    passes: int = 1
    options: tuple = ()
    selection: tuple[int, int, int, int] | None = None

    def options_for(self, method: str) -> dict[str, float]:
        """The option values set for ``method``."""
        return dict(dict(self.options).get(method, ()))

    def with_option(self, method: str, name: str, value: float) -> tuple:
        """``options`` with ``method``'s option ``name`` set to ``value``."""
        per = dict(self.options)
        mine = dict(per.get(method, ()))
        mine[name] = float(value)
        per[method] = tuple(sorted(mine.items()))
        return tuple(sorted(per.items()))


@dataclass(frozen=True)
class Reference:
    """A result kept for comparison (A in the A/B view): its pixels and what made it."""

    pixels: np.ndarray
    label: str


@dataclass(eq=False)
class Document(Observable):
    """The open photo and what was made from it. ``result`` is the reconstruction's chosen
    result (linear, image primaries, 1.0 = white) of kind ``result_kind`` — HDR, or SDR for
    a declipping model; ``result_sdr`` is a second, SDR result when the method also gives one
    (DRHT); ``outcome`` is the engine's record of the job, which exports write;
    ``result_label`` says what made the result (method, strength). ``loading``: the photo
    being opened, with ``first_picture`` its quick, reduced picture (uint8 RGB) while it
    reads. ``preview``: the image is a camera raw's first picture (its embedded preview or
    a half-size decode), which its full decode replaces; reconstruction waits for it."""

    path: Path | None = None
    image: Image | None = None
    preview: bool = False
    result: np.ndarray | None = None
    result_kind: ResultKind = ResultKind.HDR
    result_sdr: np.ndarray | None = None
    result_method: str = ""
    result_label: str = ""
    outcome: Any = None  # hdr_studio.api.engine.Outcome
    base: np.ndarray | None = None  # WLS layers of the display level (code values)
    detail: np.ndarray | None = None
    reference: Reference | None = None
    loading: Path | None = None
    first_picture: np.ndarray | None = None


@dataclass(eq=False)
class JobState(Observable):
    """The background job the GUI shows: state is idle, running, done, cancelled or failed."""

    name: str = ""
    state: str = "idle"
    progress: float = 0.0
    message: str = ""
    error: str = ""
    #: The job this one stopped by starting while it ran ("" if none): a reconstruction
    #: stopped by opening the next photo was lost without a word.
    replaced: str = ""


@dataclass(eq=False)
class Analysis(Observable):
    """The panels that follow an opened photo or a new result (layers, chromaticity,
    histogram): ``pending`` while they are computed."""

    pending: bool = False


@dataclass(eq=False)
class Methods(Observable):
    """The method catalogue as the app has it: the built-in methods at first, every method
    once the start-up worker has listed the networks (``loaded``)."""

    methods: tuple[MethodInfo, ...] = ()  # in catalogue order
    device: str = "…"
    default: str = "classical"
    loaded: bool = False

    def get(self, name: str) -> MethodInfo | None:
        """The :class:`~hdr_studio.api.catalogue.MethodInfo` called ``name``, or None."""
        return next((m for m in self.methods if m.name == name), None)

    def label(self, name: str) -> str:
        info = self.get(name)
        return info.label if info is not None else name


@dataclass(eq=False)
class AppState:
    document: Document = field(default_factory=Document)
    view: ViewSettings = field(default_factory=ViewSettings)
    overlay: OverlaySettings = field(default_factory=OverlaySettings)
    job: JobState = field(default_factory=JobState)
    edits: EditSettings = field(default_factory=EditSettings)
    methods: Methods = field(default_factory=Methods)
    analysis: Analysis = field(default_factory=Analysis)
    display: DisplayState = field(default_factory=DisplayState)
