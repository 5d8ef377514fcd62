"""Settings kept between sessions, behind a small key-value interface: the window passes its
``QSettings`` (which has these very methods); tests and ``--screenshot`` runs pass a
:class:`MemoryStore`, so they never touch the user's settings. Recent files live here as
absolute paths. No Qt here."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

#: Recent files kept.
MAX_RECENT = 10


class Store(Protocol):
    """The part of ``QSettings`` the app uses."""

    def value(self, key: str, /, defaultValue: Any = None) -> Any: ...

    def setValue(self, key: str, value: Any, /) -> None: ...

    def remove(self, key: str, /) -> None: ...


class MemoryStore:
    """Settings that live as long as the object (nothing is read from or written to disk)."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})

    def value(self, key: str, defaultValue: Any = None) -> Any:
        return self.values.get(key, defaultValue)

    def setValue(self, key: str, value: Any) -> None:
        self.values[key] = value

    def remove(self, key: str) -> None:
        self.values.pop(key, None)


def text_list(value: Any) -> list[str]:
    """A stored list of strings (QSettings gives a lone string for a list of one)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def stored_bool(value: Any, default: bool = False) -> bool:
    """A stored flag (QSettings' INI files give "true"/"false")."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def absolute(path: str | Path) -> Path:
    """``path`` made absolute against the current folder, ``~`` expanded (what is stored
    must still name the file from any other folder)."""
    return Path(path).expanduser().absolute()


class RecentFiles:
    """File ▸ Open Recent: the last photos opened, newest first, as absolute paths, and the
    folder the Open dialog starts in."""

    def __init__(self, store: Store, limit: int = MAX_RECENT) -> None:
        self.store = store
        self.limit = limit

    def paths(self) -> list[str]:
        return text_list(self.store.value("recent", []))

    def add(self, path: str | Path) -> None:
        full = str(absolute(path))
        recent = [full] + [p for p in self.paths() if p != full]
        self.store.setValue("recent", recent[: self.limit])
        self.store.setValue("lastDir", str(Path(full).parent))

    def remove(self, path: str | Path) -> None:
        self.store.setValue("recent", [p for p in self.paths() if p != str(path)])

    def clear(self) -> None:
        self.store.setValue("recent", [])

    def last_folder(self, fallback: str | Path) -> str:
        folder = self.store.value("lastDir", "")
        if folder and Path(folder).is_absolute() and Path(folder).is_dir():
            return str(folder)
        return str(fallback)
