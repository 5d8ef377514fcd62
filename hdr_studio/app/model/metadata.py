"""The Metadata panel's content: the photo's camera, lens, exposure, colour encoding and
camera curve, and what an export in a given format will carry. The second part is not a
table kept beside the writers: a small crop is encoded with the photo's metadata by the
very writer an export uses and read back, so the panel lists what the file will hold. No
Qt here."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.api.types import Image

Rows = list[tuple[str, str]]

PRIMARIES = {
    "rec709": "Rec.709 / sRGB primaries",
    "p3": "Display P3 primaries",
    "adobergb": "Adobe RGB (1998) primaries",
    "rec2020": "Rec.2020 primaries",
}
#: Attributes of a read-back file that describe its encoding, not the picture.
_ENCODING_NOISE = (
    "oiio:",
    "ICCProfile:",  # the profile's header fields
    "compression",
    "planarconfig",
    "PixelAspectRatio",
    "ResolutionUnit",
    "XResolution",
    "YResolution",
    "tiff:",
    "png:",
    "jpeg:subsampling",
    "openexr:",
    "screenWindow",
    "worldTo",
    "Exif:ColorSpace",
    "Exif:PixelXDimension",
    "Exif:PixelYDimension",
    "IPTC:",
)


def _value(image: Image, *names: str) -> Any:
    for name in names:
        entry = image.metadata.get(name)
        if entry is not None and entry[1] not in ("", None):
            return entry[1]
    return None


def _shutter(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:g} s"
    return f"1/{round(1 / seconds)} s" if seconds > 0 else "—"


def exposure_line(image: Image) -> str:
    """ "1/250 s · f/8 · ISO 200 · 35 mm" from the photo's Exif (the parts it has)."""
    parts = []
    t = _value(image, "ExposureTime", "Exif:ExposureTime")
    f = _value(image, "FNumber", "Exif:FNumber")
    iso = _value(image, "Exif:PhotographicSensitivity", "Exif:ISOSpeedRatings")
    focal = _value(image, "Exif:FocalLength", "FocalLength")
    try:
        if t is not None:
            parts.append(_shutter(float(Fraction(t).limit_denominator(100000))))
        if f is not None:
            parts.append(f"f/{float(f):.1f}".replace(".0", ""))
        if iso is not None:
            parts.append(f"ISO {int(np.atleast_1d(iso)[0])}")
        if focal is not None:
            parts.append(f"{float(focal):g} mm")
    except (TypeError, ValueError):
        pass
    return " · ".join(parts) or "—"


def photo_rows(image: Image, curve: str) -> Rows:
    """(label, value) rows about the open photo; ``curve``: the camera curve that
    linearises it (as the last reconstruction recorded it, or the editor's choice)."""
    from hdr_studio.api.camera_curves import camera_of
    from hdr_studio.app.model.status import file_encoding

    lens = _value(image, "Exif:LensModel", "LensModel", "Exif:LensMake")
    taken = _value(image, "Exif:DateTimeOriginal", "DateTime")
    encoding = file_encoding(image)
    rows = [
        ("Camera", camera_of(image) or "—"),
        ("Lens", str(lens) if lens else "—"),
        ("Exposure", exposure_line(image)),
        ("Taken", str(taken) if taken else "—"),
        ("Size", f"{image.width} × {image.height}, {image.bit_depth}-bit {image.source_format}"),
        ("Colour", f"{PRIMARIES.get(image.primaries, image.primaries)}, {encoding} encoding"),
        ("Camera curve", curve),
    ]
    if image.gain_map is not None:  # the status line says it in a few words
        line = f"{image.gain_map.summary()}; reconstruction still recovers what clipped"
        rows.append(("HDR", line))
    rows += [("Note", note) for note in image.notes]
    return rows


def _readable(value: Any, name: str = "") -> str:
    if name == "ICCProfile":  # its bytes say nothing to a reader
        return f"embedded ({len(np.ravel(value))} bytes)"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple | list | np.ndarray):
        return ", ".join(_readable(v) for v in np.ravel(value)[:8])
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def written_metadata(image: Image, fmt: str, strip_location: bool = False) -> dict[str, str]:
    """The metadata a file in format ``fmt`` carries when an export of ``image`` writes it:
    a crop of the picture encoded by the export's writer, read back. Empty when the format
    carries none (or cannot be read back here)."""
    import OpenImageIO as oiio

    from hdr_studio.api.formats import EXPORT_FORMATS as FORMATS
    from hdr_studio.api.formats import ExportOptions, encode_result

    side = 64
    crop = Image(
        linear=np.ascontiguousarray(image.linear[:side, :side]),
        code=np.ascontiguousarray(image.code[:side, :side]),
        primaries=image.primaries,
        transfer=image.transfer,
        bit_depth=image.bit_depth,
        metadata=dict(image.metadata),
    )
    data = encode_result(crop.linear, crop, fmt, ExportOptions(strip_location=strip_location))
    with tempfile.TemporaryDirectory(prefix="hdr-studio-meta-") as folder:
        path = Path(folder) / f"probe{FORMATS[fmt].extensions[0]}"
        path.write_bytes(data)
        inp = oiio.ImageInput.open(str(path))
        if inp is None:
            oiio.geterror()
            return {}
        try:
            attribs = list(inp.spec().extra_attribs)
            if inp.format_name() == "jpegxl":  # its Exif and XMP boxes, which OIIO skips
                from hdr_studio.api.formats import jxl_metadata_spec

                boxes = jxl_metadata_spec(data)
                attribs += [] if boxes is None else list(boxes.extra_attribs)
        finally:
            inp.close()
    return {
        p.name: _readable(p.value, p.name)
        for p in attribs
        if not p.name.startswith(_ENCODING_NOISE) and p.name != "DateTime"
    }


def export_rows(image: Image, fmt: str, strip_location: bool = False) -> Rows:
    """(label, value) rows of what an export in ``fmt`` writes: the photo's metadata it
    keeps, and what the writer adds (software, orientation, colour signalling);
    ``strip_location``: as the Export dialog's "Leave out where it was taken" makes it."""
    from hdr_studio.api.errors import HdrStudioError
    from hdr_studio.api.formats import EXPORT_FORMATS as FORMATS
    from hdr_studio.api.formats import is_location

    desc = FORMATS[fmt].description
    try:
        written = written_metadata(image, fmt, strip_location)
    except (HdrStudioError, OSError, RuntimeError, ValueError) as exc:
        return [("Format", desc), ("Metadata", f"could not be checked ({exc})")]
    kept = sorted(k for k in written if k in image.metadata)
    added = sorted(k for k in written if k not in image.metadata)
    dropped = sorted(k for k in image.metadata if k not in written)
    left_out = [k for k in dropped if strip_location and is_location(k)]
    dropped = [k for k in dropped if k not in left_out]
    rows = [("Format", desc)]
    rows += [(k, written[k]) for k in kept]
    rows += [(k, written[k]) for k in added]
    if left_out:
        rows.append(("Left out (where it was taken)", ", ".join(left_out)))
    if dropped:
        rows.append(("Not carried", ", ".join(dropped)))
    if not written:
        rows.append(("Metadata", "none: this format carries no metadata from the photo"))
    return rows


def with_curve_metadata(image: Image, outcome: Any) -> Image:
    """The image as an export writes it: a reconstruction's linearised image carries the
    camera curve it used."""
    if outcome is not None and outcome.image is not None:
        return replace(image, metadata=dict(outcome.image.metadata))
    return image
