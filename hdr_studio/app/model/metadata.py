"""The Metadata panel's content: the photo's camera, lens, exposure, colour encoding and
camera curve, and what an export in a given format will carry. The second part is not a
table kept beside the writers: a small crop is encoded with the photo's metadata by the
very writer an export uses and read back, so the panel lists what the file will hold. No
Qt here."""

from __future__ import annotations

import re
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
#: The files' kinds as a photo editor names them (OpenImageIO's format names otherwise).
FILE_KINDS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "tiff": "TIFF",
    "openexr": "OpenEXR",
    "hdr": "Radiance HDR",
    "heif": "HEIF",
    "avif": "AVIF",
    "jpegxl": "JPEG XL",
    "webp": "WebP",
    "raw": "camera raw",
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
    # a gain-map JPEG's container (the Format row says Ultra HDR): not the picture's
    "hdrgm:",
    "rdf:",
    "Item:",
    "Container:",
)


def _value(image: Image, *names: str) -> Any:
    for name in names:
        entry = image.metadata.get(name)
        if entry is not None and entry[1] not in ("", None):
            return entry[1]
    return None


def _aperture(f_number: float) -> str:
    """An f-number as photographers write it: f/8, f/5.6."""
    return f"f/{float(f_number):.1f}".replace(".0", "")


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
            parts.append(_aperture(f))
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
    from hdr_studio.app.model.status import file_encoding, transfer_name

    lens = _value(image, "Exif:LensModel", "LensModel", "Exif:LensMake")
    taken = _value(image, "Exif:DateTimeOriginal", "DateTime")
    encoding = transfer_name(file_encoding(image))
    kind = FILE_KINDS.get(image.source_format, image.source_format)
    rows = [
        ("Camera", camera_of(image) or "—"),
        ("Lens", str(lens) if lens else "—"),
        ("Exposure", exposure_line(image)),
        ("Taken", _date(str(taken)) if taken else "—"),
        ("Size", f"{image.width} × {image.height}, {image.bit_depth}-bit {kind}"),
        ("Colour", f"{PRIMARIES.get(image.primaries, image.primaries)}, {encoding} encoding"),
        ("Camera curve", curve),
    ]
    for tag in ("IPTC:ObjectName", "IPTC:Keywords"):  # what the photographer named it
        if tag in image.metadata:
            rows.append((tag_label(tag), tag_value(tag, image.metadata[tag][1])))
    if image.gain_map is not None:  # the status line says it in a few words
        line = f"{image.gain_map.summary()}; reconstruction still recovers what clipped"
        rows.append(("HDR", line))
    rows += [("Note", note) for note in image.notes]
    return rows


#: Names a photo editor shows for the tags whose split name would read oddly.
_LABELS = {
    "IPTC:ObjectName": "Title",  # IPTC's names, as Lightroom and darktable show them
    "IPTC:Keywords": "Keywords",
    "IPTC:Caption": "Caption",
    "IPTC:Headline": "Headline",
    "IPTC:City": "City",
    "IPTC:Sublocation": "Sublocation",
    "IPTC:State": "State / province",
    "IPTC:Country": "Country",
    "IPTC:CountryCode": "Country code",
    "IPTC:Rating": "Rating",
    "IPTC:Creator": "Creator",
    "IPTC:CopyrightNotice": "Copyright notice",
    "Make": "Camera make",
    "Model": "Camera model",
    "Exif:LensModel": "Lens",
    "Exif:LensMake": "Lens make",
    "Exif:FNumber": "Aperture",
    "FNumber": "Aperture",
    "ExposureTime": "Shutter speed",
    "Exif:ExposureTime": "Shutter speed",
    "Exif:PhotographicSensitivity": "ISO",
    "Exif:ISOSpeedRatings": "ISO",
    "Exif:ExposureBiasValue": "Exposure compensation",
    "Exif:ApertureValue": "Aperture (APEX)",
    "Exif:MaxApertureValue": "Widest aperture",
    "Exif:ShutterSpeedValue": "Shutter speed (APEX)",
    "Exif:FocalLengthIn35mmFilm": "Focal length (35 mm equivalent)",
    "Exif:DateTimeOriginal": "Taken",
    "Exif:DateTimeDigitized": "Digitised",
    "Exif:BodySerialNumber": "Camera serial number",
    "Exif:CameraOwnerName": "Camera owner",
    "ImageDescription": "Description",
    "GPS:LatitudeRef": "GPS latitude reference",
    "GPS:LongitudeRef": "GPS longitude reference",
    "GPS:HPositioningError": "GPS horizontal error",
    "Exif:YCbCrPositioning": "YCbCr positioning",
    "Exif:SubsecTimeOriginal": "Taken (fraction of a second)",
    "Exif:SubsecTimeDigitized": "Digitised (fraction of a second)",
    "Exif:OffsetTimeOriginal": "Taken (time zone)",
    "Exif:OffsetTimeDigitized": "Digitised (time zone)",
    "Exif:OffsetTime": "Time zone",
}
_ORIENTATION = {
    1: "normal",
    2: "mirrored",
    3: "upside down",
    4: "mirrored, upside down",
    5: "mirrored, turned 90° anticlockwise",
    6: "turned 90° clockwise",
    7: "mirrored, turned 90° clockwise",
    8: "turned 90° anticlockwise",
}
#: Exif's enumerated tags (CIPA DC-008), by name: value → what it means.
_ENUMS: dict[str, dict[int, str]] = {
    "Orientation": _ORIENTATION,
    "Exif:ExposureProgram": {
        0: "not defined",
        1: "manual",
        2: "program",
        3: "aperture priority",
        4: "shutter priority",
        5: "creative (depth of field)",
        6: "action (fast shutter)",
        7: "portrait",
        8: "landscape",
    },
    "Exif:MeteringMode": {
        0: "unknown",
        1: "average",
        2: "centre-weighted average",
        3: "spot",
        4: "multi-spot",
        5: "multi-segment (pattern)",
        6: "partial",
        255: "other",
    },
    "Exif:LightSource": {
        0: "unknown",
        1: "daylight",
        2: "fluorescent",
        3: "tungsten",
        4: "flash",
        9: "fine weather",
        10: "cloudy",
        11: "shade",
        12: "daylight fluorescent",
        13: "day white fluorescent",
        14: "cool white fluorescent",
        15: "white fluorescent",
        17: "standard light A",
        18: "standard light B",
        19: "standard light C",
        20: "D55",
        21: "D65",
        22: "D75",
        23: "D50",
        24: "ISO studio tungsten",
        255: "other",
    },
    "Exif:WhiteBalance": {0: "auto", 1: "manual"},
    "Exif:ExposureMode": {0: "auto", 1: "manual", 2: "auto bracket"},
    "Exif:SceneCaptureType": {0: "standard", 1: "landscape", 2: "portrait", 3: "night"},
    "Exif:CustomRendered": {0: "normal", 1: "custom"},
    "Exif:GainControl": {
        0: "none",
        1: "low gain up",
        2: "high gain up",
        3: "low gain down",
        4: "high gain down",
    },
    "Exif:Contrast": {0: "normal", 1: "low", 2: "high"},
    "Exif:Saturation": {0: "normal", 1: "low", 2: "high"},
    "Exif:Sharpness": {0: "normal", 1: "soft", 2: "hard"},
    "Exif:SubjectDistanceRange": {0: "unknown", 1: "macro", 2: "close", 3: "distant"},
    "Exif:SensingMethod": {
        1: "not defined",
        2: "one-chip colour area",
        3: "two-chip colour area",
        4: "three-chip colour area",
        5: "colour sequential area",
        7: "trilinear",
        8: "colour sequential linear",
    },
    "Exif:FocalPlaneResolutionUnit": {1: "none", 2: "inch", 3: "centimetre"},
    "GPS:AltitudeRef": {0: "above sea level", 1: "below sea level"},
    "Exif:CompositeImage": {
        0: "unknown",
        1: "not a composite",
        2: "composite",
        3: "composite, taken as it was shot",
    },
    "Exif:YCbCrPositioning": {1: "centred", 2: "co-sited"},
}
#: GPS's letter codes, by tag.
_GPS_LETTERS = {
    "GPS:SpeedRef": {"K": "km/h", "M": "mph", "N": "knots"},
    "GPS:ImgDirectionRef": {"T": "true north", "M": "magnetic north"},
    "GPS:DestBearingRef": {"T": "true north", "M": "magnetic north"},
    "GPS:TrackRef": {"T": "true north", "M": "magnetic north"},
}
_FLASH_MODES = {0: "", 1: "on", 2: "off", 3: "auto"}


def tag_label(name: str) -> str:
    """What a photo editor calls a metadata tag: "Exif:MeteringMode" → "Metering mode",
    "GPS:Latitude" → "GPS latitude"."""
    if name in _LABELS:
        return _LABELS[name]
    space, _, bare = name.rpartition(":")
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", bare).split()
    text = " ".join([words[0]] + [w if w.isupper() else w.lower() for w in words[1:]])
    if space in ("GPS", "IPTC"):
        return f"{space} {text[:1].lower()}{text[1:]}"
    return text[:1].upper() + text[1:]


def _flash(value: int) -> str:
    """Exif's Flash bits: fired, mode, no flash function, red-eye reduction."""
    if value & 0x20:
        return "no flash function"
    mode = _FLASH_MODES[(value >> 3) & 3]
    said = ("fired" if value & 1 else "did not fire") + (f", {mode}" if mode else "")
    return said + (", red-eye reduction" if value & 0x40 else "")


def _dms(value: Any) -> str | None:
    """Degrees, minutes, seconds as 43° 12′ 5.3″."""
    parts = [float(v) for v in np.ravel(value)]
    if len(parts) != 3:
        return None
    d, m, sec = parts
    return f"{d:g}° {m:g}′ {sec:.1f}″".replace(".0″", "″")


def tag_value(name: str, value: Any) -> str:
    """A metadata value as a photo editor shows it: enumerations by their meaning
    ("Exif:Flash" 16 → "did not fire, off"), exposure values in their units (1/250 s,
    f/8, +0.3 EV, 35 mm), GPS positions in degrees; other values as they are."""
    try:
        if name == "ICCProfile":  # its bytes say nothing to a reader
            return f"embedded ({len(np.ravel(value))} bytes)"
        scalar = np.ravel(value)[0] if isinstance(value, tuple | list | np.ndarray) else value
        if name in _ENUMS and isinstance(scalar, int | np.integer):
            return _ENUMS[name].get(int(scalar), str(value))
        if name == "Exif:Flash" and isinstance(scalar, int | np.integer):
            return _flash(int(scalar))
        if name in ("ExposureTime", "Exif:ExposureTime"):
            return _shutter(float(scalar))
        if name in ("FNumber", "Exif:FNumber"):
            return _aperture(scalar)
        if name in ("Exif:ApertureValue", "Exif:MaxApertureValue"):  # APEX: f = 2^(v/2)
            return _aperture(2 ** (float(scalar) / 2))
        if name == "Exif:ShutterSpeedValue":  # APEX: t = 2^-v
            return _shutter(2 ** -float(scalar))
        if name == "Exif:ExposureBiasValue":
            return f"{float(scalar):+.1f} EV".replace("+0.0", "0")
        if name in ("Exif:FocalLength", "FocalLength", "Exif:FocalLengthIn35mmFilm"):
            return f"{float(scalar):g} mm"
        if name in ("GPS:Latitude", "GPS:Longitude", "GPS:DestLatitude", "GPS:DestLongitude"):
            return _dms(value) or _plain(value)
        if name in ("GPS:Altitude", "GPS:HPositioningError"):
            return f"{float(scalar):g} m"
        if name == "GPS:TimeStamp" and len(np.ravel(value)) == 3:
            h, m, sec = (float(v) for v in np.ravel(value))
            return f"{h:02.0f}:{m:02.0f}:{sec:02.0f} UTC"
        if name in _GPS_LETTERS and isinstance(scalar, str):
            return _GPS_LETTERS[name].get(scalar.strip(), scalar)
        if name in _DATES and isinstance(scalar, str):
            return _date(scalar)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    return _plain(value)


#: Exif's date-and-time tags ("YYYY:MM:DD HH:MM:SS"), shown with dashes in the date.
_DATES = frozenset({"DateTime", "Exif:DateTimeOriginal", "Exif:DateTimeDigitized", "GPS:DateStamp"})


def _date(text: str) -> str:
    """An Exif date as an editor reads it: "2002:11:24 15:11:22" → "2002-11-24 15:11:22"."""
    day, _, rest = text.strip().partition(" ")
    parts = day.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return text
    return "-".join(parts) + (f" {rest}" if rest else "")


#: One Exif tag under the names OpenImageIO gives it in different files (0x8827: the
#: name Exif 2.2 gave it, and Exif 2.3's): carried under one, it is not "not carried".
_SAME_TAG = {"Exif:ISOSpeedRatings": "Exif:PhotographicSensitivity"}


def _tag(name: str) -> str:
    """One name for a tag that has two (:data:`_SAME_TAG`)."""
    return _SAME_TAG.get(name, name)


def _plain(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    if isinstance(value, tuple | list | np.ndarray):
        return ", ".join(_plain(v) for v in np.ravel(value)[:8])
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
        p.name: tag_value(p.name, p.value)
        for p in attribs
        # an empty DateTime is what keeps a writer's write time out: nothing carried
        if not p.name.startswith(_ENCODING_NOISE) and (p.name != "DateTime" or str(p.value))
    }


#: A row of what an export carries: label, value, and the tags it stands for (the file's
#: attribute names: one for a tag, several for "Not carried", none for "Format").
ExportRows = list[tuple[str, str, tuple[str, ...]]]


def export_rows(image: Image, fmt: str, strip_location: bool = False) -> ExportRows:
    """Rows of what an export in ``fmt`` writes: the photo's metadata it keeps, and what
    the writer adds (software, orientation, colour signalling), by the names and in the
    units a photo editor uses; ``strip_location``: as the Export dialog's "Leave out where
    it was taken" makes it."""
    from hdr_studio.api.errors import HdrStudioError
    from hdr_studio.api.formats import EXPORT_FORMATS as FORMATS
    from hdr_studio.api.formats import is_location

    desc = FORMATS[fmt].description
    try:
        written = written_metadata(image, fmt, strip_location)
    except (HdrStudioError, OSError, RuntimeError, ValueError) as exc:
        return [("Format", desc, ()), ("Metadata", f"could not be checked ({exc})", ())]
    source = {_tag(k) for k in image.metadata}
    carried = {_tag(k) for k in written}
    kept = sorted(k for k in written if _tag(k) in source)
    added = sorted(k for k in written if _tag(k) not in source)
    dropped = sorted(
        k for k in image.metadata if _tag(k) not in carried and not k.startswith(_ENCODING_NOISE)
    )
    left_out = [k for k in dropped if strip_location and is_location(k)]
    dropped = [k for k in dropped if k not in left_out]
    rows: ExportRows = [("Format", desc, ())]
    rows += sorted(((tag_label(k), written[k], (k,)) for k in kept), key=lambda r: r[0])
    rows += sorted(((tag_label(k), written[k], (k,)) for k in added), key=lambda r: r[0])

    def names(keys: list[str]) -> str:
        return ", ".join(dict.fromkeys(tag_label(k) for k in keys))

    if left_out:
        rows.append(("Left out (where it was taken)", names(left_out), tuple(left_out)))
    if dropped:
        rows.append(("Not carried", names(dropped), tuple(dropped)))
    if not written:
        rows.append(("Metadata", "none: this format carries no metadata from the photo", ()))
    return rows


def with_curve_metadata(image: Image, outcome: Any) -> Image:
    """The image as an export writes it: a reconstruction's linearised image carries the
    camera curve it used."""
    if outcome is not None and outcome.image is not None:
        return replace(image, metadata=dict(outcome.image.metadata))
    return image
