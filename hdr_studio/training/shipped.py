"""The weights folder a training config names for ``init`` and ``teacher``.

``shipped`` is the folder ``--shipped`` gives, else the package's own weights.
``shipped@REV`` is that folder as git revision REV of its checkout has it: the manifest and
the model's weights are read from the history (``git show``) into a cache folder, so that a
config can name weights the package no longer ships (a fine-tune of the shipped network
distilled from the ensemble shipped before it) and be rerun from a clone as it is.
Anything else is a models folder's path.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def _git(folder: Path, *args: str, text: bool = True) -> str | bytes | None:
    try:
        r = subprocess.run(
            ["git", "-C", str(folder), *args],
            check=False,
            capture_output=True,
            text=text,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None
    return r.stdout.strip() if text else r.stdout


def clean_commit(folder: Path) -> str | None:
    """The commit of the git checkout ``folder`` lies in, if the files there are as that
    commit has them (None outside git, or with changes)."""
    if _git(folder, "status", "--porcelain", "--untracked-files=no", "--", ".") != "":
        return None
    head = _git(folder, "rev-parse", "--short=12", "HEAD")
    return str(head) if head else None


def resolve(where: str, model: str, shipped: Path | None = None) -> tuple[Path, str | None]:
    """The folder ``where`` names and the commit its weights are as (None where no clean
    commit holds them). ``shipped@REV`` needs REV in the checkout's history (a full clone:
    a shallow one lacks it, and the error says so)."""
    from hdr_studio.inference.weights import MANIFEST, models_dir, read_manifest

    name, at, rev = where.partition("@")
    if name != "shipped":
        folder = Path(where)
        return folder, clean_commit(folder)
    base = shipped or models_dir()
    if not at:
        return base, clean_commit(base)
    commit = _git(base, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if not commit:
        raise ValueError(
            f"{where!r}: {base} is not in a git checkout whose history has {rev!r} "
            "(a shallow clone? `git fetch --unshallow`)"
        )
    commit = str(commit)
    cache = Path(tempfile.gettempdir()) / "hdr-studio-shipped" / commit
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / MANIFEST).is_file():
        _show(base, commit, MANIFEST, cache)
    entry = read_manifest(cache)["models"].get(model)
    if entry is None:
        raise ValueError(f"{where!r}: the weights at {commit[:12]} have no {model!r}")
    if not (cache / entry["file"]).is_file():
        _show(base, commit, entry["file"], cache)
    return cache, commit[:12]


def _show(base: Path, commit: str, name: str, cache: Path) -> None:
    """Write ``name`` as ``commit`` has it beside ``base`` into ``cache`` (atomically)."""
    data = _git(base, "show", f"{commit}:./{name}", text=False)
    if data is None:
        raise ValueError(f"shipped@{commit[:12]}: no {name} in {base} at that commit")
    tmp = cache / f".{name}.part"
    tmp.write_bytes(data)  # type: ignore[arg-type]
    tmp.replace(cache / name)
