"""Curves measured for the editor's cameras, remembered by camera model.

A bracket measures one camera's curve (:mod:`hdr_studio.api.bracket`); that camera's other
photos share it (for the same picture style). ``measure-curve`` remembers the curve under
the camera named in the shots' Exif (Make and Model), and ``--curve camera`` linearises
each photo with the curve remembered for its camera, or as its file declares when none is.

The curves are the same two-column files ``--curve FILE`` reads, one per camera, with the
camera's name in the first comment line, in ``$HDR_STUDIO_CURVES`` or else
``$XDG_DATA_HOME/hdr-studio/camera-curves`` (``~/.local/share/…``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from hdr_studio.core.errors import InputError, OutputError
from hdr_studio.core.image import Image

#: the request's ``curve`` that asks for the photo's camera's remembered curve
CAMERA = "camera"
#: the request's ``curve`` that asks for that curve, else one estimated from the photo
AUTO = "auto"
_HEADER = "# camera: "


@dataclass(frozen=True)
class CameraCurve:
    camera: str
    path: Path


def library() -> Path:
    """The folder of remembered curves (not created here)."""
    explicit = os.environ.get("HDR_STUDIO_CURVES")
    if explicit:
        return Path(explicit)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "hdr-studio" / "camera-curves"


def camera_of(image: Image) -> str | None:
    """ "Make Model" from the photo's Exif ("Canon EOS 80D"), None when it names no camera."""

    def text(name: str) -> str:
        entry = image.metadata.get(name)
        value = entry[1] if entry is not None else ""
        return " ".join(str(value).split()) if isinstance(value, str) else ""

    make, model = text("Make"), text("Model")
    if not model:
        return make or None
    if make and not model.lower().startswith(make.split()[0].lower()):
        return f"{make} {model}"
    return model


def _file_name(camera: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", camera.lower()).strip("-") or "camera"
    return f"{slug}.curve.txt"


def remembered() -> list[CameraCurve]:
    """Every remembered curve, by camera name."""
    folder = library()
    found = []
    for path in sorted(folder.glob("*.curve.txt")) if folder.is_dir() else ():
        try:
            first = path.read_text(encoding="utf-8").splitlines()[:1]
        except (OSError, UnicodeDecodeError):
            continue
        if first and first[0].startswith(_HEADER):
            found.append(CameraCurve(first[0][len(_HEADER) :].strip(), path))
    return sorted(found, key=lambda c: c.camera.lower())


def curve_for(camera: str | None) -> CameraCurve | None:
    """The curve remembered for ``camera`` (names compared without case), if any."""
    if not camera:
        return None
    want = camera.lower()
    return next((c for c in remembered() if c.camera.lower() == want), None)


def remember(camera: str, text: str) -> Path:
    """Keep the curve file ``text`` for ``camera`` (replacing an earlier one, atomically)."""
    from hdr_studio.core.atomic import atomic_path

    folder = library()
    old = curve_for(camera)
    path = old.path if old is not None else folder / _file_name(camera)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, True, ()) as tmp:
            tmp.write_text(f"{_HEADER}{camera}\n{text}", encoding="utf-8")
    except OSError as exc:
        raise OutputError(
            f"{folder}: cannot keep the camera's curve ({exc.strerror or exc})"
        ) from None
    return path


def forget(camera: str) -> Path:
    """Remove the curve remembered for ``camera``; one-line error when there is none."""
    found = curve_for(camera)
    if found is None:
        raise InputError(f"no curve is kept for camera {camera!r}")
    try:
        found.path.unlink()
    except OSError as exc:
        raise OutputError(f"{found.path}: cannot remove ({exc.strerror or exc})") from None
    return found.path


def resolve(image: Image) -> tuple[CameraCurve | None, str]:
    """For ``--curve camera``: the curve kept for ``image``'s camera (None: the file's own
    encoding is used) and a note saying which it is."""
    if image.raw is not None:
        camera = camera_of(image) or "an unnamed camera"
        return None, f"camera curve: a raw file of {camera} is linear sensor data; none applied"
    if image.curve_free is not None:
        return None, f"camera curve: the photo is {image.curve_free}; none applied"
    found = curve_for(camera_of(image))
    if found is None:
        return (
            None,
            f"camera curve: {why_none(image)}; linearised as the file declares ({image.transfer})",
        )
    return found, f"camera curve: the one measured for {found.camera}"


def why_none(image: Image) -> str:
    """Why no curve is kept for ``image``: "no curve is kept for CAMERA" or "the photo names
    no camera"."""
    camera = camera_of(image)
    return f"no curve is kept for {camera}" if camera else "the photo names no camera"
