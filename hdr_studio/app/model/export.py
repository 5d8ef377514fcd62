"""The export dialog's policy: which of its settings the chosen format uses, and the file
name a typed name becomes. The formats' facts come from :mod:`hdr_studio.core.export`.
No Qt here."""

from __future__ import annotations

from pathlib import Path

from hdr_studio.api.formats import EXPORT_FORMATS as FORMATS


def format_label(fmt: str) -> str:
    return FORMATS[fmt].description


def extensions(fmt: str) -> tuple[str, ...]:
    """The file extensions of ``fmt``, the usual one first."""
    return FORMATS[fmt].extensions


def uses(fmt: str, option: str) -> bool:
    """Whether ``fmt``'s writer reads the export option ``option`` (an
    :class:`~hdr_studio.core.export.ExportOptions` field)."""
    return option in FORMATS[fmt].options


def invented_available(fmt: str, has_result: bool) -> bool:
    """The 'invented' channel: an EXR of a reconstruction (nothing is invented before)."""
    return has_result and uses(fmt, "invented_channel")


def export_path(typed: str, fmt: str) -> tuple[Path | None, str]:
    """The file an export in ``fmt`` writes for the name ``typed``: with ``fmt``'s extension
    added when it has none; a name that ends in another format's extension is refused (it
    would name one kind of file and hold another). Returns (path, "") or (None, why)."""
    path = Path(typed.rstrip())  # "x.png " named x.png .png
    exts = extensions(fmt)
    suffix = path.suffix.lower()
    if suffix in exts:
        return path, ""
    known = {e for f in FORMATS.values() for e in f.extensions}
    if suffix in known:
        return None, (
            f"{path.name} ends in {suffix}, but the format is {format_label(fmt)} "
            f"({' or '.join(exts)}): type a {exts[0]} name, or choose a format for {suffix}."
        )
    return path.with_name(path.name + exts[0]), ""
