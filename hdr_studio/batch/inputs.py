"""What a batch works on: input files from paths, folders and list files, and the output
path each one gets.

Output names: ``OUTDIR/<folder below the input folder>/<stem><format's extension>``. When two
inputs of one output folder share a stem (``a.jpg`` and ``a.png``), every one of them takes
its source extension into the name instead (``a_jpg.exr``, ``a_png.exr``), whatever order they
came in, so names never depend on which file was seen first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from hdr_studio.api.errors import InputError
from hdr_studio.api.formats import readable_extensions

#: Extensions taken from folders (files named one by one are taken whatever their name):
#: every format the reader knows (:mod:`hdr_studio.core.formats`).
IMAGE_EXTENSIONS = readable_extensions()


@dataclass(frozen=True)
class Item:
    """One photo of a batch: its file and its output path relative to the output folder."""

    source: Path
    output: Path  # relative to OUTDIR


def _from_folder(folder: Path, recursive: bool) -> list[tuple[Path, Path]]:
    files = folder.rglob("*") if recursive else folder.glob("*")
    found = [
        f
        for f in files
        if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS and not f.name.startswith(".")
    ]
    return [(f, f.relative_to(folder).parent) for f in sorted(found)]


def _from_list(list_file: Path) -> list[Path]:
    try:
        lines = list_file.read_text().splitlines()
    except OSError as exc:
        raise InputError(f"{list_file}: cannot read the list ({exc.strerror})") from None
    base = list_file.parent
    out = []
    for raw in lines:
        line = raw.strip()
        if line and not line.startswith("#"):
            p = Path(line)
            out.append(p if p.is_absolute() else base / p)
    return out


def _written_by_batches(outdir: Path | None) -> frozenset[Path]:
    """The files batches wrote into ``outdir`` (its batch record's outputs), resolved."""
    if outdir is None:
        return frozenset()
    from hdr_studio.batch.manifest import Manifest

    return frozenset((outdir / name).resolve() for name in Manifest.load(outdir).items)


def collect(
    inputs: list[str], recursive: bool, extension: str, outdir: Path | None = None
) -> list[Item]:
    """The batch's items from ``inputs``: files, folders (``recursive``: their subfolders
    too, mirrored under the output folder) and ``@list.txt`` files (one path a line, relative
    to the list's folder; ``#`` comments). A path named twice is taken once. Missing files
    named directly are items too: they fail as the CLI would and are reported (none found,
    or none of them there, is an :class:`InputError` for every front end). A folder's
    files that a batch wrote into ``outdir`` (its record says which) are not inputs: a batch
    into its own input folder would otherwise take its outputs as new photos next time."""
    pairs: list[tuple[Path, Path]] = []
    ours = _written_by_batches(outdir)
    for raw in inputs:
        if raw.startswith("@"):
            pairs += [(p, Path()) for p in _from_list(Path(raw[1:]))]
            continue
        p = Path(raw)
        if p.is_dir():
            pairs += [(f, sub) for f, sub in _from_folder(p, recursive) if f.resolve() not in ours]
        else:
            pairs.append((p, Path()))
    seen: set[Path] = set()
    unique = []
    for src, sub in pairs:
        key = src.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((src, sub))
    by_name: dict[tuple[Path, str], list[int]] = defaultdict(list)
    for i, (src, sub) in enumerate(unique):
        by_name[(sub, src.stem)].append(i)
    items = []
    for src, sub in unique:
        clash = len(by_name[(sub, src.stem)]) > 1
        stem = f"{src.stem}_{src.suffix.lstrip('.').lower()}" if clash else src.stem
        items.append(Item(src, sub / f"{stem}{extension}"))
    if not items:
        raise InputError("no photos found in the inputs")
    if not any(it.source.exists() for it in items):  # one missing is reported, all: refused
        missing = items[0].source if len(items) == 1 else f"none of the {len(items)} inputs"
        raise InputError(f"{missing}: no such file")
    outs = [it.output for it in items]
    if len(set(outs)) != len(outs):  # e.g. a_jpg.jpg beside a.jpg and a.png
        dup = next(o for o in outs if outs.count(o) > 1)
        srcs = [str(it.source) for it in items if it.output == dup]
        raise InputError(
            f"{' and '.join(srcs)} would write the same output {dup} "
            "(batch them into different output folders)"
        )
    return items
