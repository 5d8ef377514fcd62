"""Safe output paths: never overwrite the source, never overwrite without ``force``, and
write through a temporary file in the destination folder renamed into place on success."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hdr_studio.core.errors import OutputError


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file (through links too)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_output(path: Path, force: bool = False, sources: tuple[Path, ...] = ()) -> None:
    """Refuse an output that is a source file, exists without ``force``, or has no folder."""
    for src in sources:
        if src is not None and (
            same_file(path, Path(src)) or path.resolve() == Path(src).resolve()
        ):
            raise OutputError(f"{path}: refusing to overwrite the source image")
    if path.is_dir():
        raise OutputError(f"{path}: is a directory")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists (use --force to overwrite)")
    if path.parent.exists() and not path.parent.is_dir():
        raise OutputError(f"{path}: {path.parent} is a file, not a folder", folder=True)
    if not path.parent.is_dir():
        raise OutputError(f"{path}: folder {path.parent} does not exist", folder=True)
    if not os.access(path.parent, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only(path.parent) else "no write permission"
        raise OutputError(f"{path}: cannot write in folder {path.parent} ({why})", folder=True)


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows)
        return False


def _temporary_pattern(path: Path) -> re.Pattern[str]:
    """The names :func:`atomic_path` gives its temporary files for ``path``."""
    return re.compile(rf"\.{re.escape(path.stem)}\.[A-Za-z0-9_]{{8}}{re.escape(path.suffix)}")


def remove_stale_temporaries(path: Path) -> int:
    """Remove temporary files that writers of ``path`` left behind when their process was
    killed outright (no ``finally`` ran). Only call it when no writer of ``path`` runs.
    Returns how many were removed."""
    path = Path(path)
    if not path.parent.is_dir():
        return 0
    pattern = _temporary_pattern(path)
    removed = 0
    for f in path.parent.glob(f".{path.stem}.*{path.suffix}"):
        if pattern.fullmatch(f.name):
            with contextlib.suppress(OSError):
                f.unlink()
                removed += 1
    return removed


def _why(exc: OSError) -> str:
    """An operating system error in a few words ("no write permission", "read-only file
    system", "no space left on device")."""
    if isinstance(exc, PermissionError):
        return "no write permission"
    return (exc.strerror or str(exc)).lower()


@contextlib.contextmanager
def atomic_path(path: Path, force: bool = False, sources: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same extension, so writers pick the format);
    on success it is renamed over ``path``, on any error removed."""
    path = Path(path)
    check_output(path, force, sources)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent
        )
    except OSError as exc:  # a read-only folder or disk, a quota
        raise OutputError(f"{path}: cannot write in folder {path.parent} ({_why(exc)})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
    try:
        try:
            yield tmp
        except OSError as exc:  # the disk filled, the folder went away
            raise OutputError(f"{path}: writing failed ({_why(exc)})") from None
        except OutputError as exc:  # a writer's message names the file it wrote: the user's
            raise OutputError(str(exc).replace(str(tmp), str(path))) from None
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise OutputError(f"{path}: the writer produced no data")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if path.exists() and not force:  # appeared while we were writing
            raise OutputError(f"{path}: already exists (use --force to overwrite)")
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputError(f"{path}: cannot replace it ({_why(exc)})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
