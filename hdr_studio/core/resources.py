"""Files that ship inside the package (weights, their manifest and cards, training configs),
found through :mod:`importlib.resources` so that a checkout, an editable install, a wheel and
a frozen bundle all find them the same way."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_resource(*parts: str) -> Path:
    """The path of ``hdr_studio/resources/<parts>`` on the file system.

    The package is always installed as files (a wheel unpacks, a bundle copies its data), so
    the traversable is a real path; a zipped install is refused with a clear error."""
    node = resources.files("hdr_studio").joinpath("resources", *parts)
    path = Path(str(node))
    if not isinstance(node, Path) and not path.exists():
        raise RuntimeError(f"HDR Studio's resources are not on the file system ({node})")
    return path
