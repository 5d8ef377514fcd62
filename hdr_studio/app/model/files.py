"""Which files the app moves through in a folder, and the quick first picture shown while a
photo is read. The readable extensions are the one catalogue's
(:mod:`hdr_studio.core.formats`). No Qt here."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hdr_studio.api.formats import readable_extensions

#: Longest side of the quick first picture (the viewer's display level is at most 2048 px).
PREVIEW_SIDE = 1600


def readable(path: Path) -> bool:
    """Whether the app lists ``path`` among the photos of its folder."""
    return path.suffix.lower() in readable_extensions() and not path.name.startswith(".")


def folder_photos(path: Path) -> list[Path]:
    """The photos of ``path``'s folder in name order (``path`` among them even when its
    extension is not listed: it was opened)."""
    folder = path.parent
    try:
        found = [p for p in folder.iterdir() if p.is_file() and readable(p)]
    except OSError:
        found = []
    if path not in found:
        found.append(path)
    return sorted(found, key=lambda p: (p.name.lower(), p.name))


def quick_preview(path: Path, max_side: int = PREVIEW_SIDE) -> np.ndarray | None:
    """A first picture of ``path`` as uint8 RGB (H, W, 3) of at most about ``max_side``,
    decoded in tens of milliseconds (a JPEG is decoded at 1/2, 1/4 or 1/8 scale), with the
    file's orientation applied; None when no quick decoder reads the file. What is shown
    until the photo is read (its encoding as is: no colour profile, no camera curve)."""
    from hdr_studio.api.photos import file_kind

    try:
        if file_kind(path) in ("raw", "raw-or-tiff"):
            return None  # OpenCV's TIFF reader gave a raw's thumbnail, with libtiff's warnings
    except OSError:
        return None
    return _opencv_preview(path, max_side)


def _opencv_preview(path: Path, max_side: int) -> np.ndarray | None:
    """:func:`quick_preview` of a file that is no raw."""
    import cv2

    try:
        size = _size(path)
        if size is None:
            return None
        longest = max(size)
        flag = cv2.IMREAD_COLOR
        for scale, reduced in (
            (8, cv2.IMREAD_REDUCED_COLOR_8),
            (4, cv2.IMREAD_REDUCED_COLOR_4),
            (2, cv2.IMREAD_REDUCED_COLOR_2),
        ):
            if longest / scale >= max_side:
                flag = reduced
                break
        bgr = cv2.imread(str(path), flag)
    except (cv2.error, OSError, ValueError):
        return None
    if bgr is None or bgr.ndim != 3 or bgr.dtype != np.uint8:
        return None
    rgb = np.ascontiguousarray(bgr[..., ::-1])
    f = -(-max(rgb.shape[:2]) // (2 * max_side))  # still far larger than the view: halve
    if f > 1:
        rgb = np.ascontiguousarray(
            cv2.resize(rgb, (rgb.shape[1] // f, rgb.shape[0] // f), interpolation=cv2.INTER_AREA)
        )
    return rgb


def thumbnail(path: Path, max_side: int = 240) -> np.ndarray | None:
    """A small picture of ``path`` as uint8 RGB: :func:`quick_preview` where a quick
    decoder reads the file, else the photo read whole (OpenEXR, float TIFF, AVIF, JPEG XL,
    HEIC…) and shown as the viewer's SDR view shows it (Rec.709, HDR rolled off to white);
    None when it cannot be read."""
    from hdr_studio.api.errors import InputError
    from hdr_studio.api.photos import file_kind, first_picture, read_photo

    try:
        kind = file_kind(path)
    except OSError:
        return None
    raw = kind == "raw"
    rgb = None if kind in ("raw", "raw-or-tiff") else _opencv_preview(path, max_side)
    if rgb is not None:
        return rgb
    import cv2

    try:  # a raw: its embedded preview (or a half-size decode), not the whole decode
        image = first_picture(path) if raw else read_photo(path)
    except (InputError, OSError, ValueError, MemoryError):
        return None
    lin = image.linear
    f = -(-max(lin.shape[:2]) // max_side)
    if f > 1:
        size = (max(1, lin.shape[1] // f), max(1, lin.shape[0] // f))
        lin = cv2.resize(lin, size, interpolation=cv2.INTER_AREA)
    from hdr_studio.app.model.render import tonemapped  # the viewer's rendition

    rgb = tonemapped(np.ascontiguousarray(lin, np.float32), primaries=image.primaries)
    return np.ascontiguousarray(rgb)


def _size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the file's header, without decoding it; None when the quick
    decoder would not show it right."""
    import OpenImageIO as oiio

    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        oiio.geterror()
        return None
    try:
        spec = inp.spec()
        if not _sdr_integers(spec):
            return None  # decoded as it is, it would look wrong: the whole read shows it
        return spec.width, spec.height
    finally:
        inp.close()


def _sdr_integers(spec) -> bool:
    """A file whose samples OpenCV's quick decode shows as they should look: 8- or 16-bit
    integers in an SDR encoding, not float (OpenEXR, Radiance, float TIFF) nor PQ/HLG
    (a cICP transfer of 16 or 18)."""
    if str(spec.format) not in ("uint8", "uint16"):
        return False
    cicp = spec.getattribute("CICP")
    return not (cicp is not None and len(cicp) >= 2 and int(cicp[1]) in (16, 18))
