"""The Batch dialog's settings, kept between sessions, and its output naming template.
The batch itself is the command line's (:mod:`hdr_studio.batch`). No Qt here."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from hdr_studio.api.errors import InputError
from hdr_studio.app.model.settings import Store, stored_bool
from hdr_studio.batch.inputs import Item

#: The fields a naming template may use.
TEMPLATE_FIELDS = {
    "name": "the photo's name without its extension",
    "method": "the method (e.g. classical)",
    "strength": "the strength in percent (e.g. 100)",
    "format": "the format (e.g. exr)",
}
DEFAULT_TEMPLATE = "{name}"


@dataclass
class BatchSettings:
    """What the dialog remembers: output folder, format, resume, subfolders, naming
    template, whether the location is left out (the method's options, strength and passes
    come from the Reconstruct panel)."""

    output: str = ""
    format: str = "exr"
    resume: bool = True
    recursive: bool = False
    template: str = DEFAULT_TEMPLATE
    strip_location: bool = False

    @classmethod
    def load(cls, store: Store) -> BatchSettings:
        defaults = cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = store.value(f"batch/{f.name}", None)
            if raw is None:
                continue
            default = getattr(defaults, f.name)
            values[f.name] = stored_bool(raw, default) if isinstance(default, bool) else str(raw)
        return cls(**values)

    def save(self, store: Store) -> None:
        for f in fields(self):
            store.setValue(f"batch/{f.name}", getattr(self, f.name))


def check_template(template: str) -> str:
    """``template`` if it makes one file name per photo; else an InputError that says why."""
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise InputError(f"naming template {template!r}: {exc}") from None
    unknown = sorted(set(names) - set(TEMPLATE_FIELDS))
    if unknown:
        known = ", ".join("{" + k + "}" for k in TEMPLATE_FIELDS)
        raise InputError(f"naming template: unknown field {{{unknown[0]}}} (known: {known})")
    if "name" not in names:
        raise InputError("naming template needs {name}: without it every photo gets one name")
    if re.search(r"[/\\]", template) or ".." in template or not template.strip():
        raise InputError("naming template: a file name only (no folders, no '..')")
    return template


def apply_template(items: list[Item], template: str, values: dict[str, str]) -> list[Item]:
    """The batch's items with output names from ``template`` (``{name}`` is the stem the
    batch chose, which already tells apart photos that share one); the extension and the
    subfolder stay. Two photos that would get one name are an InputError."""
    check_template(template)
    out = []
    for it in items:
        stem = template.format(name=it.output.stem, **values)
        out.append(replace(it, output=it.output.with_name(stem + it.output.suffix)))
    names = [it.output for it in out]
    if len(set(names)) != len(names):
        dup = sorted({str(n) for n in names if names.count(n) > 1})
        raise InputError(f"the naming template gives two photos one name: {', '.join(dup)}")
    return out


def template_values(method: str, strength: float, fmt: str) -> dict[str, str]:
    return {"method": method, "strength": str(round(strength * 100)), "format": fmt}


def example_name(template: str, values: dict[str, str], ext: str) -> str:
    """What a photo called IMG_0001 would be written as (the dialog's preview)."""
    try:
        check_template(template)
    except InputError as exc:
        return str(exc)
    return str(Path(template.format(name="IMG_0001", **values) + ext))
