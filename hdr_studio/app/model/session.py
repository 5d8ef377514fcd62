"""Moving through a folder: the photos beside the open one (the filmstrip, next/previous),
each photo's settings, history and result remembered while the app runs, and "apply these
settings to the next photo". No Qt here.

A photo not edited yet in this session opens with the photo-specific settings at their
defaults (strength 100 %, no selection, exposure 0) and the tool choices (method, camera
curve, passes, options) as last chosen; a photo seen before gets back exactly what it had,
its result too: the results of the photos left most recently are kept, up to
:data:`KEPT_BYTES` together; an older photo's result is made again when it is opened (the
same settings give the same result), and a photo whose file changed meanwhile is not given
a result made from the old file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hdr_studio.app.model.files import folder_photos
from hdr_studio.app.model.history import History
from hdr_studio.app.model.observable import Observable
from hdr_studio.app.model.state import AppState

#: The settings each photo keeps: the editor's (all of them) and the view's exposure.
PHOTO_EDITS = ("method", "strength", "curve", "passes", "options", "selection")
#: Settings that belong to one photo: a photo not seen yet starts from these values.
PHOTO_DEFAULTS: dict[str, Any] = {"strength": 1.0, "selection": None}
#: The memory the results of photos left behind may hold together (a 12 MP photo's result
#: with the photo it was made from is about 0.6 GB): older ones are made again when needed.
KEPT_BYTES = 1 << 30


def file_stamp(path: Path) -> tuple[int, int] | None:
    """What tells a file changed: its modification time and size (None: not a file)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def outcome_bytes(outcome: Any) -> int:
    """The memory a kept result holds: its pixels, the method's results and the photo as
    the job linearised it (each array counted once)."""
    if outcome is None:
        return 0
    arrays = [outcome.pixels, outcome.image.linear, outcome.image.code]
    arrays += [outcome.results.hdr, outcome.results.sdr, outcome.results.spread]
    seen: dict[int, int] = {}
    for a in arrays:
        if a is not None:
            seen[id(a)] = a.nbytes
    return sum(seen.values())


@dataclass(frozen=True)
class PhotoMemory:
    """One photo's settings and history while another is open."""

    edits: dict[str, Any]
    exposure: float
    history: tuple
    had_result: bool = False
    #: The result itself (an ``Outcome``), kept while memory allows; None once dropped.
    outcome: Any = None
    #: The result kept as A (a ``Reference``), kept and dropped with ``outcome``.
    reference: Any = None
    #: The file as it was when the photo was left (:func:`file_stamp`).
    stamp: tuple[int, int] | None = None
    #: Carried settings: the name of the photo they come from, and its (width, height).
    source: str = ""
    size: tuple[int, int] | None = None


@dataclass(frozen=True)
class Arrival:
    """What an opened photo gets back beyond its settings: ``outcome``, its kept result to
    show again; ``rerun``, reconstruct it (carried settings of a reconstructed photo, or a
    result that was not kept)."""

    outcome: Any = None
    rerun: bool = False
    reference: Any = None  # the result it had kept as A, to compare again


def scaled_selection(
    selection: tuple[int, int, int, int],
    source: tuple[int, int] | None,
    target: tuple[int, int],
) -> tuple[int, int, int, int] | None:
    """A rectangle (x0, y0, x1, y1) of a ``source``-sized photo (width, height) at the same
    place in a ``target``-sized one: carried in pixels, it fell partly or wholly outside a
    photo of another size. None when it has no pixel left there."""
    if source is None or source == target:
        return selection
    sx, sy = target[0] / source[0], target[1] / source[1]
    x0, y0, x1, y1 = selection
    box = (
        min(max(round(x0 * sx), 0), target[0]),
        min(max(round(y0 * sy), 0), target[1]),
        min(max(round(x1 * sx), 0), target[0]),
        min(max(round(y1 * sy), 0), target[1]),
    )
    return box if box[2] > box[0] and box[3] > box[1] else None


@dataclass(eq=False)
class Session(Observable):
    """``photos``: the open photo's folder (name order), ``index`` the open one's place in
    it (-1: none or not from a folder); ``carry``: settings to give the next photo opened
    ("apply these settings to the next photo") and whether it is to be reconstructed."""

    photos: tuple[Path, ...] = ()
    index: int = -1
    carry: PhotoMemory | None = None
    memory: dict[Path, PhotoMemory] = field(default_factory=dict)

    def attach(self, state: AppState, history: History) -> None:
        self._state: AppState = state  # private: "_" names are no fields and notify nobody
        self._history: History = history

    # --- the folder --------------------------------------------------------------------
    def neighbour(self, step: int) -> Path | None:
        """The photo ``step`` places from the open one (None past either end)."""
        i = self.index + step
        if self.index < 0 or not 0 <= i < len(self.photos):
            return None
        return self.photos[i]

    def refresh_folder(self, path: Path) -> None:
        photos = tuple(folder_photos(path))
        self.update(photos=photos, index=photos.index(path) if path in photos else -1)

    # --- per photo ---------------------------------------------------------------------
    def _snapshot(self, path: Path | None = None) -> PhotoMemory:
        state: AppState = self._state
        doc = state.document
        return PhotoMemory(
            edits=state.edits.values(PHOTO_EDITS),
            exposure=state.view.exposure,
            history=self._history.saved(),
            had_result=doc.result is not None,
            outcome=doc.outcome if path is not None else None,
            reference=doc.reference if path is not None else None,
            stamp=file_stamp(path) if path is not None else None,
        )

    def leaving(self, path: Path | None) -> None:
        """The open photo ``path`` is about to be replaced: keep its settings and result."""
        doc = self._state.document
        if path is None or doc.image is None:
            return
        memory = self._snapshot(path)
        before = self.memory.pop(path, None)
        if doc.preview and before is not None and doc.result is None:
            # A raw's first picture gives way to its full decode: the result it had when it
            # was left last is still to come back.
            memory = replace(
                memory,
                had_result=before.had_result,
                outcome=before.outcome,
                reference=before.reference,
                stamp=before.stamp,
            )
        self.memory[path] = memory  # the most recently left last
        self._trim()

    def _trim(self) -> None:
        """Drop the results of the photos left longest ago beyond :data:`KEPT_BYTES`."""
        total = 0
        for path in reversed(list(self.memory)):
            kept = self.memory[path]
            size = outcome_bytes(kept.outcome)
            size += kept.reference.pixels.nbytes if kept.reference is not None else 0
            total += size
            if kept.outcome is not None and total > KEPT_BYTES:
                total -= size
                self.memory[path] = replace(kept, outcome=None, reference=None)

    def carry_to_next(self) -> None:
        """Give the open photo's settings to the next photo opened."""
        doc = self._state.document
        path, image = doc.path, doc.image
        size = (image.width, image.height) if image is not None else None
        self.update(carry=replace(self._snapshot(), source=path.name if path else "", size=size))

    def arrived(self, path: Path, from_file: bool = True, preview: bool = False) -> Arrival:
        """Photo ``path`` is open: give it its settings (remembered, carried, or the
        defaults) and history; list its folder (``from_file``; a host's layer has none).
        What it gets back beyond them (its result, or a reconstruction to run) waits while
        the document is a raw's first picture (``preview``)."""
        state: AppState = self._state
        history: History = self._history
        carried, remembered = self.carry, self.memory.get(path)
        name = path.name
        if carried is not None and not preview:  # a raw's full decode is given them again
            self.update(carry=None)
        if remembered is not None:
            edits, exposure, saved = remembered.edits, remembered.exposure, remembered.history
        else:
            edits, exposure, saved = dict(PHOTO_DEFAULTS), 0.0, None
        with history.unrecorded():  # the photo's settings, not an edit of it
            state.edits.update(**edits)
            state.view.update(exposure=exposure)
        history.restore(saved, f"Opened {name}")
        if carried is not None:  # "apply these settings": one step, undone like any other
            edits = dict(carried.edits)
            image = state.document.image
            if edits.get("selection") is not None and image is not None:
                size = (image.width, image.height)
                edits["selection"] = scaled_selection(edits["selection"], carried.size, size)
            with history.group(f"Settings of {carried.source or 'the last photo'}"):
                state.edits.update(**edits)
                state.view.update(exposure=carried.exposure)
        if from_file:
            self.refresh_folder(path)
        else:
            self.update(photos=(), index=-1)
        if preview:
            return Arrival()
        if carried is not None:
            return Arrival(rerun=carried.had_result)
        if remembered is None or not remembered.had_result or not from_file:
            return Arrival()
        if remembered.stamp is None or remembered.stamp != file_stamp(path):
            return Arrival()  # the file changed: its old result does not belong to it
        if remembered.outcome is not None:
            return Arrival(outcome=remembered.outcome, reference=remembered.reference)
        return Arrival(rerun=True)
