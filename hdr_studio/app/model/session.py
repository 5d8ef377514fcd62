"""Moving through a folder: the photos beside the open one (the filmstrip, next/previous),
each photo's settings and history remembered while the app runs, and "apply these
settings to the next photo". No Qt here.

A photo not edited yet in this session opens with the photo-specific settings at their
defaults (strength 100 %, no selection, exposure 0) and the tool choices (method, camera
curve, passes, options) as last chosen; a photo seen before gets back exactly what it had.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class PhotoMemory:
    """One photo's settings and history while another is open."""

    edits: dict[str, Any]
    exposure: float
    history: tuple
    had_result: bool = False


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
    def _snapshot(self) -> PhotoMemory:
        state: AppState = self._state
        return PhotoMemory(
            edits=state.edits.values(PHOTO_EDITS),
            exposure=state.view.exposure,
            history=self._history.saved(),
            had_result=state.document.result is not None,
        )

    def leaving(self, path: Path | None) -> None:
        """The open photo ``path`` is about to be replaced: keep its settings."""
        if path is not None and self._state.document.image is not None:
            self.memory[path] = self._snapshot()

    def carry_to_next(self) -> None:
        """Give the open photo's settings to the next photo opened."""
        self.update(carry=self._snapshot())

    def arrived(self, path: Path, from_file: bool = True) -> bool:
        """Photo ``path`` is open: give it its settings (remembered, carried, or the
        defaults) and history; list its folder (``from_file``; a host's layer has none).
        True when the carried settings ask for a reconstruction."""
        state: AppState = self._state
        history: History = self._history
        carried, remembered = self.carry, self.memory.get(path)
        name = path.name
        if carried is not None:
            edits, exposure, saved = carried.edits, carried.exposure, None
            self.update(carry=None)
        elif remembered is not None:
            edits, exposure, saved = remembered.edits, remembered.exposure, remembered.history
        else:
            edits, exposure, saved = dict(PHOTO_DEFAULTS), 0.0, None
        with history.unrecorded():  # the photo's settings, not an edit of it
            state.edits.update(**edits)
            state.view.update(exposure=exposure)
        opened = f"Opened {name}" + (" (settings applied)" if carried is not None else "")
        history.restore(saved, opened)
        if from_file:
            self.refresh_folder(path)
        else:
            self.update(photos=(), index=-1)
        return carried is not None and carried.had_result
