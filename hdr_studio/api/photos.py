"""Reading photos, the front door for every front end that opens one: the whole photo as the
engine sees it, a quick first picture of a camera raw, and what kind of file a path holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hdr_studio.core.image import Image
from hdr_studio.core.reader import DEFAULT_MAX_PIXELS, read_image, sniff


def read_photo(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image:
    """A photo as the engine sees it (code values, linear light, colour space, notes on what
    reading it decided); :class:`~hdr_studio.api.errors.InputError` when it cannot be used."""
    return read_image(path, max_pixels=max_pixels)


def first_picture(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Any:
    """A camera raw's quick picture (its embedded preview or a half-size decode) to show
    while the full decode runs; see :func:`hdr_studio.core.raw.quick_picture`."""
    from hdr_studio.core.raw import quick_picture

    return quick_picture(path, max_pixels)


def file_kind(path: str | Path) -> str:
    """What a file holds by its first bytes (``raw``, ``heif``, ``jpeg``…; see
    :func:`hdr_studio.core.reader.sniff`)."""
    return sniff(Path(path))


__all__ = ["DEFAULT_MAX_PIXELS", "file_kind", "first_picture", "read_photo"]
