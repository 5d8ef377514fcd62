"""Undo and redo: the history of the editor's edits to the open photo (method, strength,
camera curve, passes, options, selection, exposure). The clipping overlay's settings are
how the photo is looked at, not edits of it (as Lightroom's and darktable's clipping
indicators): they are not recorded, so an undo never just switches the overlay, and one
photo's history cannot change what another shows. It watches the plain models, records
each change with its old and new value, and applies old or new values back.
Quick runs of one control (a slider drag, a spin box held down) are one entry. Only values
are kept, never pixels: a long history costs kilobytes. No Qt here."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hdr_studio.app.model.observable import Observable
from hdr_studio.app.model.state import AppState

#: The fields undo/redo walks, by model.
TRACKED: dict[str, tuple[str, ...]] = {
    "edits": ("method", "strength", "curve", "passes", "options", "selection"),
    "view": ("exposure",),
}
#: Changes of one control closer together than this (seconds) make one entry.
MERGE_SECONDS = 1.0
#: The continuous controls (sliders, spin boxes, the selection's handles) whose quick runs
#: merge; a choice (method, curve, a switch) or a selection made or dropped never merges.
CONTINUOUS = {
    ("edits", "strength"),
    ("edits", "selection"),
    ("view", "exposure"),
}
#: Entries kept per photo; the oldest go first.
MAX_ENTRIES = 1000


@dataclass(frozen=True)
class Change:
    target: str  # a key of TRACKED
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Entry:
    """One undoable step: its label and the changes it made."""

    label: str
    changes: tuple[Change, ...]
    at: float = 0.0  # clock time of its last change


def _curve_label(curve: str | None) -> str:
    if curve is None:
        return "as the file says"
    if curve.startswith("gamma:"):
        return f"gamma {curve.split(':', 1)[1]}"
    names = {"srgb": "sRGB", "camera": "camera's", "auto": "auto"}
    if curve in names:
        return names[curve]
    from pathlib import PurePath

    return f"measured ({PurePath(curve).name})"


def _continuous(change: Change) -> bool:
    """A step of a continuous control (not a value set or dropped)."""
    return (
        (change.target, change.name) in CONTINUOUS
        and change.old is not None
        and change.new is not None
    )


def _options_label(old: Any, new: Any) -> str:
    """Which method option a change set ("Max gain 8"), or "Method options" for several."""
    before = {m: dict(o) for m, o in (old or ())}
    after = {m: dict(o) for m, o in (new or ())}
    changed = [
        (name, value)
        for method in after
        for name, value in after[method].items()
        if before.get(method, {}).get(name) != value
    ]
    if len(changed) != 1:
        return "Method options"
    name, value = changed[0]
    return f"{name.replace('_', ' ').capitalize()} {value:g}"


def _selection_label(old: Any, new: Any) -> str:
    if new is None:
        return "Selection: whole photo"
    w, h = new[2] - new[0], new[3] - new[1]
    if old is not None and (old[2] - old[0], old[3] - old[1]) == (w, h):
        return f"Selection moved to {new[0]}, {new[1]}"
    return f"Selection {w}×{h}"


def describe(change: Change, method_label: Callable[[str], str] = str) -> str:
    """A short label for ``change`` ("Strength 80 %", "Exposure +1.0 EV")."""
    v = change.new
    labels: dict[tuple[str, str], Callable[[], str]] = {
        ("edits", "method"): lambda: f"Method: {method_label(v)}",
        ("edits", "strength"): lambda: f"Strength {round(v * 100)} %",
        ("edits", "curve"): lambda: f"Camera curve: {_curve_label(v)}",
        ("edits", "passes"): lambda: "Mirror passes " + ("on" if v == 3 else "off"),
        ("edits", "options"): lambda: _options_label(change.old, v),
        ("edits", "selection"): lambda: _selection_label(change.old, v),
        ("view", "exposure"): lambda: f"Exposure {v:+.1f} EV",
    }
    return labels[(change.target, change.name)]()


@dataclass(eq=False)
class History(Observable):
    """The edits of the open photo. ``entries[:position]`` are applied; the rest can be
    redone until a new edit drops them. ``opened``: the row before the first entry (the
    photo as opened)."""

    entries: tuple[Entry, ...] = ()
    position: int = 0
    opened: str = "Opened"
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        # Private state, not fields (Observable.__setattr__ passes "_" names through).
        self._targets: dict[str, Observable] = {}
        self._snapshot: dict[tuple[str, str], Any] = {}
        self._applying: bool = False
        self._group: list[Change] | None = None
        self._method_label: Callable[[str], str] = str

    # --- watching ----------------------------------------------------------------------
    def watch(self, state: AppState) -> None:
        """Record the edits made to ``state``'s models from now on."""
        self._method_label = state.methods.label
        for target in TRACKED:
            model = getattr(state, target)
            self._targets[target] = model
            model.subscribe(lambda name, t=target: self._changed(t, name))
        self._take_snapshot()

    def _take_snapshot(self) -> None:
        for target, names in TRACKED.items():
            model = self._targets.get(target)
            if model is not None:
                for name in names:
                    self._snapshot[(target, name)] = getattr(model, name)

    def _changed(self, target: str, name: str) -> None:
        key = (target, name)
        if key not in self._snapshot:
            return
        old, new = self._snapshot[key], getattr(self._targets[target], name)
        self._snapshot[key] = new
        if self._applying or old == new:
            return
        change = Change(target, name, old, new)
        if self._group is not None:
            self._group.append(change)
            return
        self._record(None, (change,))

    def _record(self, label: str | None, changes: tuple[Change, ...]) -> None:
        now = self.clock()
        entries = list(self.entries[: self.position])
        last = entries[-1] if entries else None
        if (
            label is None
            and self.position == len(self.entries)  # not over a redo branch
            and last is not None
            and len(changes) == len(last.changes) == 1
            and _continuous(changes[0])
            and _continuous(last.changes[0])
            and (last.changes[0].target, last.changes[0].name)
            == (changes[0].target, changes[0].name)
            and now - last.at < MERGE_SECONDS
        ):
            merged = Change(changes[0].target, changes[0].name, last.changes[0].old, changes[0].new)
            entries.pop()
            if merged.old != merged.new:  # back where it started: no step at all
                entries.append(Entry(describe(merged, self._method_label), (merged,), now))
        else:
            text = label or "; ".join(describe(c, self._method_label) for c in changes)
            entries.append(Entry(text, changes, now))
        entries = entries[-MAX_ENTRIES:]
        self.update(entries=tuple(entries), position=len(entries))

    @contextmanager
    def group(self, label: str) -> Iterator[None]:
        """Record the changes made inside the block as one entry called ``label``."""
        outer = self._group
        object.__setattr__(self, "_group", [] if outer is None else outer)
        try:
            yield
        finally:
            changes = tuple(self._group or ())
            object.__setattr__(self, "_group", outer)
        if outer is None and changes:
            self._record(label, changes)

    # --- walking -----------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return self.position > 0

    @property
    def can_redo(self) -> bool:
        return self.position < len(self.entries)

    def undo_label(self) -> str:
        return self.entries[self.position - 1].label if self.can_undo else ""

    def redo_label(self) -> str:
        return self.entries[self.position].label if self.can_redo else ""

    def _apply(self, changes: tuple[Change, ...], attr: str) -> None:
        by_target: dict[str, dict[str, Any]] = {}
        for c in changes:
            by_target.setdefault(c.target, {})[c.name] = getattr(c, attr)
        object.__setattr__(self, "_applying", True)
        try:
            for target, values in by_target.items():
                self._targets[target].update(**values)
        finally:
            object.__setattr__(self, "_applying", False)

    def undo(self) -> bool:
        """Step back one entry; False when there is none."""
        if not self.can_undo:
            return False
        entry = self.entries[self.position - 1]
        self._apply(tuple(reversed(entry.changes)), "old")
        self.position -= 1
        return True

    def redo(self) -> bool:
        """Apply the next entry again; False when there is none."""
        if not self.can_redo:
            return False
        self._apply(self.entries[self.position].changes, "new")
        self.position += 1
        return True

    def go_to(self, position: int) -> None:
        """Undo or redo until ``position`` entries are applied (the history panel's click)."""
        position = min(max(int(position), 0), len(self.entries))
        while self.position > position and self.undo():
            pass
        while self.position < position and self.redo():
            pass

    def forget_merge(self) -> None:
        """The next change starts an entry of its own (e.g. after a slider is released)."""
        if self.position:
            last = self.entries[self.position - 1]
            entries = (*self.entries[: self.position - 1], Entry(last.label, last.changes, 0.0))
            object.__setattr__(self, "entries", entries + self.entries[self.position :])

    @contextmanager
    def unrecorded(self) -> Iterator[None]:
        """Changes made inside the block are no edits (a photo's settings given to it)."""
        applying = self._applying
        object.__setattr__(self, "_applying", True)
        try:
            yield
        finally:
            object.__setattr__(self, "_applying", applying)

    # --- per photo ---------------------------------------------------------------------
    def saved(self) -> tuple[tuple[Entry, ...], int, str]:
        """What to keep of this photo's history while another photo is open."""
        return self.entries, self.position, self.opened

    def restore(self, saved: tuple[tuple[Entry, ...], int, str] | None, opened: str) -> None:
        """Show a photo's history (``saved``, or a new one that starts at ``opened``). The
        models already hold that photo's settings."""
        entries, position, opened = saved if saved is not None else ((), 0, opened)
        self._take_snapshot()
        self.update(entries=entries, position=position, opened=opened)
