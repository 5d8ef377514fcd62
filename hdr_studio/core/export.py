"""Writing results: HDR as PQ (SMPTE ST 2084) in Rec.2020, linear, and SDR formats.

Output contract (also in docs/formats.md):

* **linear outputs** (OpenEXR, float TIFF, Radiance .hdr): 1.0 = the source's white,
  primaries tagged, nothing clipped;
* **PQ outputs** (PNG 16-bit with cICP 9/16/0/1, AVIF 10-bit nclx 9/16/9, JPEG XL): linear
  1.0 maps to the reference white (default 203 cd/m², ITU-R BT.2408) and the peak is limited
  to ``peak_nits`` (default 1000) with the BT.2390 roll-off, never a hard clip;
* **Ultra HDR JPEG** (gain map, Adobe/Google specification 1.0): the SDR rendition as the
  base image (as the SDR outputs have it) plus a gain map to the HDR result at the content's
  own headroom, 1.0 = SDR white (:mod:`hdr_studio.core.gainmap_write`);
* **SDR outputs** (PNG 16-bit, JPEG, TIFF 16-bit): sRGB; HDR results are tone-mapped with the
  BT.2390 roll-off so the image's peak lands on white.

Every writer goes through :func:`hdr_studio.core.atomic.atomic_path`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from hdr_studio import __version__
from hdr_studio.core.atomic import atomic_path
from hdr_studio.core.errors import OutputError
from hdr_studio.core.gamut import convert_primaries, xy_primaries
from hdr_studio.core.image import Image
from hdr_studio.core.tonemap import limit_peak, tonemap_to_sdr
from hdr_studio.core.transfer import REFERENCE_WHITE_NITS, pq_encode

#: The format chosen from an output's extension when none is named.
DEFAULT_FOR_EXTENSION = {
    ".png": "png-pq",
    ".avif": "avif-pq",
    ".jxl": "jxl-pq",
    ".jpg": "jpeg-uhdr",
    ".jpeg": "jpeg-uhdr",
    ".exr": "exr",
    ".tif": "tiff-float",
    ".tiff": "tiff-float",
    ".hdr": "hdr",
}
_LINEAR_COLORSPACE = {
    "rec709": "lin_rec709_scene",
    "rec2020": "lin_rec2020_scene",
    "p3": "lin_p3d65_scene",
}
_HALF_MAX = 65504.0


@dataclass(frozen=True)
class ExportOptions:
    """reference_white: cd/m² that linear 1.0 maps to in PQ outputs (BT.2408: 203).
    peak_nits: PQ outputs' peak; brighter values roll off to it. quality: 0–100 for lossy
    formats. sdr_exposure: stops applied before tone-mapping HDR for SDR outputs."""

    reference_white: float = REFERENCE_WHITE_NITS
    peak_nits: float = 1000.0
    quality: int = 92
    sdr_exposure: float = 0.0
    #: Leave the photo's location out: its GPS block and the IPTC place names (city,
    #: sublocation, state, country), for a photo to be published; the rest is carried.
    strip_location: bool = False
    #: EXR only: add a channel ``invented`` (0–1: the share of each pixel's light that was
    #: reconstructed rather than measured; :func:`hdr_studio.core.strength.invented_fraction`).
    invented_channel: bool = False

    def __post_init__(self) -> None:
        if not 1.0 <= self.reference_white <= 10000.0:
            raise ValueError(
                f"reference white must be in [1, 10000] cd/m², got {self.reference_white}"
            )
        if not self.reference_white <= self.peak_nits <= 10000.0:
            raise ValueError(
                f"peak must be between the reference white and 10000 cd/m², got {self.peak_nits}"
            )
        if not 1 <= self.quality <= 100:
            raise ValueError(f"quality must be in [1, 100], got {self.quality}")


def format_for_path(path: Path, name: str | None = None) -> str:
    """The export format for ``path``: ``name`` if given (checked against the extension),
    else the default for the extension."""
    ext = path.suffix.lower()
    if name is None:
        if ext not in DEFAULT_FOR_EXTENSION:
            known = ", ".join(sorted(DEFAULT_FOR_EXTENSION))
            if not ext and path.name.lower() in DEFAULT_FOR_EXTENSION:  # "-o .exr"
                raise OutputError(f"{path}: a file name is missing before '{path.name}'")
            raise OutputError(f"{path}: unknown output extension '{ext}' (known: {known})")
        return DEFAULT_FOR_EXTENSION[ext]
    if name not in FORMATS:
        raise OutputError(f"unknown format '{name}' (known: {', '.join(FORMATS)})")
    if ext not in FORMATS[name].extensions:
        exts = " or ".join(FORMATS[name].extensions)
        raise OutputError(f"{path}: format {name} needs extension {exts}")
    return name


def _oiio():
    import OpenImageIO as oiio

    return oiio


_SMALL_INTS = frozenset({"uint16", "int16", "uint8", "int8"})


def _spec(
    pixels: np.ndarray,
    fmt: Any,
    attrs: dict[str, Any],
    metadata: dict,
    names: tuple[str, ...] | None = None,
) -> Any:
    oiio = _oiio()
    h, w, c = pixels.shape
    spec = oiio.ImageSpec(w, h, c, fmt)
    if names is not None:
        spec.channelnames = names
    if c >= 4 and (names is None or names[3] == "A"):
        if names is None:
            spec.channelnames = ("R", "G", "B", "A")
        spec.alpha_channel = 3
        spec.attribute("oiio:UnassociatedAlpha", 1)  # our alpha is straight
    for name, (read_as, read_value) in metadata.items():
        # OIIO reads ISO, flash, metering… as uint16 and drops them written back so; as int
        # its writers keep them
        small = read_as in _SMALL_INTS
        tname, value = ("int", int(read_value)) if small else (read_as, read_value)
        try:
            spec.attribute(name, oiio.TypeDesc(tname), value)
        except (TypeError, ValueError, RuntimeError):
            continue  # an attribute this format cannot carry is dropped, not fatal
    spec.attribute("Software", f"HDR Studio {__version__}")
    if "DateTime" not in metadata:
        # No write time (OpenEXR adds one unless told): the same input and settings give
        # the same bytes, which batch resumes and cluster runs compare. A source's own
        # date is carried over with its metadata; one with only a capture time gets that
        # (an empty tag, what suppresses the write time, is invalid to exiftool).
        taken = metadata.get("Exif:DateTimeOriginal", ("string", ""))[1]
        spec.attribute("DateTime", taken if isinstance(taken, str) else "")
    spec.attribute("Orientation", 1)
    for name, value in attrs.items():
        if isinstance(value, tuple):
            spec.attribute(name, value[0], value[1])
        else:
            spec.attribute(name, value)
    return spec


#: Attributes OpenImageIO's TIFF writer writes wrong, left out of TIFF outputs: the lens
#: specification (four rationals) came back as "0-1.94 mm f/?-2.32" for 1.54-5.1 mm
#: f/1.6-2.4 (the other formats carry it right).
_TIFF_MANGLED = frozenset({"Exif:LensSpecification"})


def _write_oiio(
    path: Path,
    pixels: np.ndarray,
    fmt: Any,
    attrs: dict,
    metadata: dict,
    names: tuple[str, ...] | None = None,
) -> None:
    oiio = _oiio()
    out = oiio.ImageOutput.create(str(path))
    if out is None:
        raise OutputError(f"{path}: no writer for this format ({oiio.geterror()})")
    if out.format_name() == "jpeg":
        _ensure_room(path.parent, pixels.nbytes + _JPEG_HEADROOM)
    if out.format_name() == "tiff":  # what OpenImageIO's TIFF writer would get wrong
        metadata = {k: v for k, v in metadata.items() if k not in _TIFF_MANGLED}
    spec = _spec(np.ascontiguousarray(pixels), fmt, attrs, metadata, names)
    ok = out.open(str(path), spec) and out.write_image(np.ascontiguousarray(pixels))
    err = out.geterror()
    closed = out.close()  # JPEG XL writes here: a full disk shows only in what close says
    err = " ".join(f"{err} {out.geterror()}".split())
    # libpng reports a short write (a full disk) as an error text while write_image says
    # it succeeded: a file cut short would otherwise be reported as written
    if not ok or not closed or "write error" in err.lower():
        why = err if len(err) <= 200 else err[:200] + "…"  # libpng repeats itself per row
        raise OutputError(f"{path}: writing failed ({why or 'unknown error'})")


#: What a JPEG needs beyond its pixels' bytes, at most (markers, tables, metadata).
_JPEG_HEADROOM = 4 << 20


def _ensure_room(folder: Path, need: int) -> None:
    """Refuse, before writing, a JPEG the disk may not hold: libjpeg ends the whole process
    on a failed write (its error handler exits), so a full disk would close the app. A
    JPEG is never larger than its 8-bit pixels plus its headers."""
    import shutil

    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # cannot tell: write, as before
    if free < need:
        raise OutputError(
            f"{folder}: not enough space on the disk for the JPEG "
            f"({free / 1e6:.1f} MB free, up to {need / 1e6:.1f} MB needed)"
        )


def _with_alpha(rgb: np.ndarray, alpha: np.ndarray | None, scale: float = 1.0) -> np.ndarray:
    if alpha is None:
        return rgb
    a = (np.clip(alpha, 0, 1) * scale).astype(rgb.dtype)
    return np.concatenate([rgb, a[..., None]], axis=2)


def limited_rec2020(linear: np.ndarray, primaries: str, options: ExportOptions) -> np.ndarray:
    """Linear RGB (1.0 = source white) → Rec.2020 cd/m², the peak limited to
    ``options.peak_nits``: every HDR output's light (the PQ files', the Ultra HDR gain
    map's), so that they agree."""
    rgb2020 = convert_primaries(linear, primaries, "rec2020")
    return limit_peak(rgb2020 * np.float32(options.reference_white), options.peak_nits)


def pq_rec2020(linear: np.ndarray, primaries: str, options: ExportOptions) -> np.ndarray:
    """Linear RGB (1.0 = source white) → PQ signal in [0, 1], Rec.2020, peak limited."""
    return pq_encode(limited_rec2020(linear, primaries, options))


def _quantise(signal: np.ndarray, bits: int) -> np.ndarray:
    """[0, 1] signal → unsigned integers with ``bits`` of range: the final conversion, and
    the one place output values are clipped to the container's range."""
    top = float(2**bits - 1)
    dtype = np.uint8 if bits <= 8 else np.uint16
    return (np.clip(signal, 0.0, 1.0) * top + 0.5).astype(dtype)


#: The primaries of an SDR output (or an Ultra HDR base) for a source's: a wide-gamut
#: photo (Display P3 from a phone, Rec.2020 from a raw or an HDR file) keeps what Display
#: P3 holds, tagged with a Display P3 ICC profile, as phones' own JPEGs and HEICs do; an
#: Adobe RGB photo (a camera set to it) stays in Adobe RGB, tagged; a Rec.709/sRGB photo
#: stays untagged sRGB.
SDR_PRIMARIES = {"p3": "p3", "rec2020": "p3", "adobergb": "adobergb"}
#: The profile's description and OpenImageIO's colour space name (not sRGB's) by primaries.
_SDR_PROFILES = {
    "p3": ("Display P3", "srgb_p3d65_display"),
    "adobergb": ("Adobe RGB (1998) primaries, sRGB curve", "srgb_adobergb_display"),
}


def sdr_primaries(primaries: str) -> str:
    """``"p3"``, ``"adobergb"`` or ``"rec709"``: what an SDR output of a photo in
    ``primaries`` is in."""
    return SDR_PRIMARIES.get(primaries, "rec709")


def _sdr_tags(primaries: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` plus the colour tags of SDR code values in ``primaries`` (sRGB curve)."""
    if primaries == "rec709":
        return {"oiio:ColorSpace": "srgb_rec709_scene", **attrs}
    from hdr_studio.core.icc import build_icc

    description, name = _SDR_PROFILES[primaries]
    icc = np.frombuffer(build_icc(primaries, "srgb", description), dtype=np.uint8)
    return {
        # a colour space by name (not sRGB), or OpenImageIO adds PNG's sRGB, gAMA and cHRM
        # chunks, which contradict the profile (and PNG forbids sRGB beside iCCP)
        "oiio:ColorSpace": name,
        "ICCProfile": (_oiio().TypeDesc(f"uint8[{icc.size}]"), icc),
        **attrs,
    }


def sdr_code(linear: np.ndarray, primaries: str, options: ExportOptions) -> np.ndarray:
    """Linear RGB → sRGB-curve display code values (tone-mapped when above white), in
    :func:`sdr_primaries` of ``primaries``."""
    rgb = convert_primaries(linear, primaries, sdr_primaries(primaries))
    return tonemap_to_sdr(rgb, exposure_stops=options.sdr_exposure)


def sdr_u8(linear: np.ndarray, primaries: str, options: ExportOptions) -> np.ndarray:
    """:func:`sdr_code` as 8-bit codes, quantised through a table (a power per sample took
    2.5 s at 12 MP): the SDR JPEG's pixels and the Ultra HDR JPEG's base, the same."""
    from hdr_studio.core.tonemap import tonemap_to_sdr_linear
    from hdr_studio.core.transfer import srgb_encode_u8

    rgb = convert_primaries(linear, primaries, sdr_primaries(primaries))
    return srgb_encode_u8(tonemap_to_sdr_linear(rgb, exposure_stops=options.sdr_exposure))


def _chromaticities(primaries: str) -> tuple[Any, tuple[float, ...]]:
    xy = xy_primaries(primaries)
    return (
        _oiio().TypeDesc("float[8]"),
        (*(float(v) for v in xy.ravel()), 0.3127, 0.3290),
    )


def write_result(
    linear: np.ndarray,
    path: str | Path,
    source: Image,
    fmt: str | None = None,
    options: ExportOptions | None = None,
    force: bool = False,
    uncertainty: np.ndarray | None = None,
) -> Path:
    """Write linear result pixels (H, W, 3), in ``source``'s primaries with 1.0 = source
    white, to ``path`` in format ``fmt`` (default from the extension), atomically. Metadata
    and alpha come from ``source``; the source file is never overwritten. ``uncertainty``:
    (H, W) stops of disagreement between mirror passes, written as channel ``uncertain``
    beside ``invented`` when that channel is asked for. Returns the path."""
    path = Path(path)
    name = format_for_path(path, fmt)
    sources = (source.source_path,) if source.source_path is not None else ()
    with atomic_path(path, force=force, sources=sources) as tmp:
        _encode_to(tmp, linear, source, name, options or ExportOptions(), uncertainty)
    return path


def encode_result(
    linear: np.ndarray, source: Image, fmt: str, options: ExportOptions | None = None
) -> bytes:
    """The bytes of the file :func:`write_result` would write in format ``fmt`` (for sending,
    e.g. by the bridge); encoded in a private temporary folder that is removed after."""
    import tempfile

    if fmt not in FORMATS:
        raise OutputError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    with tempfile.TemporaryDirectory(prefix="hdr-studio-encode-") as folder:
        tmp = Path(folder) / f"result{FORMATS[fmt].extensions[0]}"
        _encode_to(tmp, linear, source, fmt, options or ExportOptions())
        return tmp.read_bytes()


class _Encoding(NamedTuple):
    """What one encoder needs besides the file: the pixels (linear, the source's primaries,
    1.0 = its white), the source (primaries, alpha, metadata), the options, and the optional
    ``uncertainty`` channel (EXR)."""

    lin: np.ndarray
    source: Image
    options: ExportOptions
    alpha: np.ndarray | None
    uncertainty: np.ndarray | None

    @property
    def metadata(self) -> dict:
        """The source's metadata as the options let it be written."""
        if not self.options.strip_location:
            return self.source.metadata
        return {k: v for k, v in self.source.metadata.items() if not is_location(k)}


#: IPTC's place names (as OpenImageIO names them); GPS is every ``GPS:`` attribute.
_IPTC_PLACES = ("IPTC:City", "IPTC:Sublocation", "IPTC:State", "IPTC:Country", "IPTC:CountryCode")


def is_location(name: str) -> bool:
    """Whether the metadata attribute ``name`` says where the photo was taken."""
    return name.startswith("GPS:") or name in _IPTC_PLACES


#: libpng's PNG_FILTER_SUB (png.h): each sample minus the one to its left.
PNG_FILTER_SUB = 0x10


def _encode_png_pq(tmp: Path, fmt: ExportFormat, e: _Encoding) -> None:
    q = _quantise(pq_rec2020(e.lin, e.source.primaries, e.options), fmt.bit_depth)
    # zlib level 1: ~20 % faster than 3 at 12 MP for a 3 % larger file. libpng's "sub" filter
    # on every row instead of its adaptive choice: 1.8 s instead of 3.3 s at 12 MP here, the
    # file 2 % smaller (bench/RESULTS.md, round three).
    attrs = {
        "oiio:ColorSpace": "pq_rec2020_display",
        "png:compressionLevel": 1,
        "png:filter": PNG_FILTER_SUB,
    }
    _write_oiio(tmp, _with_alpha(q, e.alpha, 65535), _oiio().UINT16, attrs, e.metadata)


def _encode_jxl_pq(tmp: Path, fmt: ExportFormat, e: _Encoding) -> None:
    q = _quantise(pq_rec2020(e.lin, e.source.primaries, e.options), fmt.bit_depth)
    # libjxl's quality, as cjxl -q: 100 lossless, 90 visually lossless (distance 1)
    attrs = {"oiio:ColorSpace": "pq_rec2020_display", "compression": f"jpegxl:{e.options.quality}"}
    _write_oiio(tmp, q, _oiio().UINT16, attrs, e.metadata)
    if e.metadata:  # its Exif and XMP boxes stored plain, for readers without brotli
        from hdr_studio.core.jxl_metadata import unpacked_boxes

        tmp.write_bytes(unpacked_boxes(tmp.read_bytes()))


def _encode_avif_pq(tmp: Path, fmt: ExportFormat, e: _Encoding) -> None:
    import imagecodecs

    q = _quantise(pq_rec2020(e.lin, e.source.primaries, e.options), fmt.bit_depth)
    data = imagecodecs.avif_encode(
        q,
        level=e.options.quality,
        speed=6,
        numthreads=os.cpu_count() or 1,
        bitspersample=fmt.bit_depth,
        primaries=9,
        transfer=16,
        matrix=9,
    )
    tmp.write_bytes(data)


def _encode_ultrahdr(tmp: Path, fmt: ExportFormat, e: _Encoding) -> None:
    """The SDR rendition the SDR outputs get as the primary image (the source's metadata
    carried), and a gain map from it to the HDR result (peak-limited as the PQ outputs are)
    at the content's own headroom (:mod:`hdr_studio.core.gainmap_write`), both in the
    base's primaries (:func:`sdr_primaries`: Display P3 for a wide-gamut photo, its ICC
    profile embedded; colours outside them keep their clip there)."""
    import tempfile

    import cv2

    from hdr_studio.core.gainmap_write import gain_map_image, join_gain_map_jpeg
    from hdr_studio.core.transfer import decode_indices

    oiio = _oiio()
    if not np.isfinite(e.lin).all():
        raise OutputError("the result holds NaN or infinite values; nothing written")
    space = sdr_primaries(e.source.primaries)
    rgb = convert_primaries(e.lin, e.source.primaries, space)
    q = sdr_u8(rgb, space, e.options)  # the SDR JPEG's pixels (rgb: in its primaries)
    # the peak limited in Rec.2020, as the PQ outputs limit it (limited in the base's
    # primaries, a P3 photo's highlights came back 0.9× the PNG's), then in the base's
    nits = limited_rec2020(e.lin, e.source.primaries, e.options)
    hdr = np.maximum(
        convert_primaries(nits / np.float32(e.options.reference_white), "rec2020", space), 0
    )
    gain, lo, hi = gain_map_image(decode_indices(q, "srgb", 256)[1], hdr)
    quality = e.options.quality
    ok, gain_jpeg = cv2.imencode(
        ".jpg", np.ascontiguousarray(gain[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise OutputError(f"{tmp}: encoding the gain map failed")
    with tempfile.TemporaryDirectory(prefix="hdr-studio-uhdr.") as folder:
        base = Path(folder) / "base.jpg"
        attrs = _sdr_tags(space, {"compression": f"jpeg:{quality}"})
        _write_oiio(base, q, oiio.UINT8, attrs, e.metadata)
        data = join_gain_map_jpeg(base.read_bytes(), gain_jpeg.tobytes(), lo, hi)
    tmp.write_bytes(data)


def _rgbe_rounded(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (H, W, 3), ≥ 0, lifted by half of RGBE's mantissa step, so that the
    writer's truncation to 8-bit mantissas (OpenImageIO's, as Ward's ``float2rgbe``)
    rounds: a Radiance file came back 0.4 % darker on average than the OpenEXR of the same
    result; now within half a step (0.4 % of a pixel's brightest channel) either way."""
    m = rgb.max(axis=-1, keepdims=True)
    _, e = np.frexp(np.maximum(m, np.float32(1e-30)))  # m = f · 2^e, f in [0.5, 1)
    half = np.ldexp(np.float32(0.5 / 256), e).astype(np.float32)
    return (rgb + np.where(m > 1e-30, half, np.float32(0.0))).astype(np.float32)


def _encode_linear(tmp: Path, fmt: ExportFormat, e: _Encoding) -> None:
    """OpenEXR (half, float above half's range), float TIFF, Radiance .hdr (Rec.709, no
    negative values)."""
    oiio = _oiio()
    lin, source, name = e.lin, e.source, fmt.name
    # beyond half's range either way (no |x| temporary: 288 MB at 24 MP)
    big = lin.size > 0 and max(float(lin.max()), -float(lin.min())) > _HALF_MAX
    pix_fmt = oiio.HALF if name == "exr" and not big else oiio.FLOAT
    attrs: dict[str, Any] = {}
    if source.primaries in _LINEAR_COLORSPACE:
        attrs["oiio:ColorSpace"] = _LINEAR_COLORSPACE[source.primaries]
    if name == "exr":
        attrs["chromaticities"] = _chromaticities(source.primaries)
        # PIZ (lossless wavelet): on 12 MP photographs 20 % faster to write than ZIP and
        # 57 % smaller (bench/RESULTS.md); photographs' noise is what it was made for.
        attrs["compression"] = "piz"
    data = lin if not fmt.alpha else _with_alpha(lin, e.alpha)
    if name == "exr" and data.shape[2] == 4:
        # OpenEXR's colour is premultiplied by alpha (associated), as compositors read it
        data = np.concatenate([lin * data[..., 3:4], data[..., 3:4]], axis=2)
        attrs["oiio:UnassociatedAlpha"] = 0
    if name in ("hdr", "tiff-float") and source.primaries != "rec709":
        # neither holds its primaries where readers look: Rec.709, which they assume (a
        # float TIFF keeps what lies outside it as negative values, nothing clipped)
        data = convert_primaries(lin, source.primaries, "rec709")
        if fmt.alpha:
            data = _with_alpha(data, e.alpha)
        attrs["oiio:ColorSpace"] = "lin_rec709_scene"
    if name == "hdr":
        # RGBE has no sign: a negative value (a colour outside Rec.709, a reconstruction's
        # undershoot) would come back as a large positive one, so it is 0 here (its gamut
        # clip), the one format whose values are clipped
        data = np.maximum(data, np.float32(0.0))
        data = _rgbe_rounded(data)
    names = None
    if name == "exr" and e.options.invented_channel and source.linear.shape == lin.shape:
        from hdr_studio.core.strength import invented_fraction

        names = ("R", "G", "B", *(("A",) if e.alpha is not None else ()), "invented")
        data = np.concatenate([data, invented_fraction(lin, source.linear)[..., None]], axis=2)
        if e.uncertainty is not None and e.uncertainty.shape == lin.shape[:2]:
            names = (*names, "uncertain")
            data = np.concatenate([data, e.uncertainty[..., None]], axis=2)
    data = np.ascontiguousarray(data, dtype=np.float32)
    _write_oiio(tmp, data, pix_fmt, attrs, e.metadata, names)


def _encode_sdr(tmp: Path, fmt: ExportFormat, e: _Encoding) -> None:
    """sRGB display code values: 8-bit JPEG (no alpha), 16-bit PNG and TIFF."""
    oiio = _oiio()
    bits = fmt.bit_depth
    q = (
        sdr_u8(e.lin, e.source.primaries, e.options)
        if bits == 8
        else _quantise(sdr_code(e.lin, e.source.primaries, e.options), bits)
    )
    attrs = _sdr_tags(sdr_primaries(e.source.primaries), {})
    if fmt.name == "jpeg-sdr":
        attrs["compression"] = f"jpeg:{e.options.quality}"
    if fmt.alpha:
        q = _with_alpha(q, e.alpha, 255 if bits == 8 else 65535)
    _write_oiio(tmp, q, oiio.UINT8 if bits == 8 else oiio.UINT16, attrs, e.metadata)


def _encode_to(
    tmp: Path,
    linear: np.ndarray,
    source: Image,
    name: str,
    opts: ExportOptions,
    uncertainty: np.ndarray | None = None,
):
    """Encode ``linear`` in format ``name`` into the file ``tmp`` (its record's encoder)."""
    lin = np.asarray(linear, dtype=np.float32)
    if lin.ndim != 3 or lin.shape[2] != 3:
        raise ValueError(f"result must be (H, W, 3), got {lin.shape}")
    alpha = (
        source.alpha if source.alpha is not None and source.alpha.shape == lin.shape[:2] else None
    )
    fmt = FORMATS[name]
    fmt.encoder(tmp, fmt, _Encoding(lin, source, opts, alpha, uncertainty))


@dataclass(frozen=True)
class ExportFormat:
    """An export format, by name.

    name: what ``--format`` and the request call it. description: one line for menus.
    extensions: the output extensions it takes (the first is its own). hdr: it keeps values
    above SDR white (HDR) or is display-referred SDR. encoding: ``"pq"`` (ST 2084,
    Rec.2020), ``"linear"`` (scene-linear, primaries tagged), ``"gain-map"`` (SDR base and
    gain map) or ``"srgb"``. bit_depth: bits per channel written (16 for half
    floats). metadata: the source's Exif/IPTC/GPS attributes are carried (OpenImageIO's
    Radiance writer and the AVIF encoder write none; JPEG XL's are in brotli-compressed
    boxes, which OpenImageIO's reader skips; tested), and those formats
    take ``strip_location``. alpha: the
    source's alpha channel is carried. encoder: writes the file. options: the
    :class:`ExportOptions` fields the encoder reads (the app enables only those)."""

    name: str
    description: str
    extensions: tuple[str, ...]
    hdr: bool
    encoding: str
    bit_depth: int
    metadata: bool
    alpha: bool
    encoder: Callable[[Path, ExportFormat, _Encoding], None]
    options: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.metadata:  # a format that carries metadata can leave the location out
            object.__setattr__(self, "options", self.options | {"strip_location"})


_EXPORT_FORMATS = (
    ExportFormat(
        "png-pq",
        "PNG 16-bit, PQ, Rec.2020, cICP 9/16/0/1",
        (".png",),
        True,
        "pq",
        16,
        True,
        True,
        _encode_png_pq,
        options=frozenset({"reference_white", "peak_nits"}),
    ),
    ExportFormat(
        "avif-pq",
        "AVIF 10-bit, PQ, Rec.2020, nclx 9/16/9",
        (".avif",),
        True,
        "pq",
        10,
        False,
        False,
        _encode_avif_pq,
        options=frozenset({"reference_white", "peak_nits", "quality"}),
    ),
    ExportFormat(
        "jxl-pq",
        "JPEG XL 16-bit, PQ, Rec.2020",
        (".jxl",),
        True,
        "pq",
        16,
        True,  # Exif and XMP boxes, stored plain (core/jxl_metadata.py)
        False,
        _encode_jxl_pq,
        options=frozenset({"reference_white", "peak_nits", "quality"}),
    ),
    ExportFormat(
        "jpeg-uhdr",
        "Ultra HDR JPEG (SDR photo + gain map)",
        (".jpg", ".jpeg"),
        True,
        "gain-map",
        8,
        True,
        False,
        _encode_ultrahdr,
        options=frozenset({"reference_white", "peak_nits", "quality", "sdr_exposure"}),
    ),
    ExportFormat(
        "exr",
        "OpenEXR half float, linear, primaries tagged",
        (".exr",),
        True,
        "linear",
        16,
        True,
        True,
        _encode_linear,
        options=frozenset({"invented_channel"}),
    ),
    ExportFormat(
        "tiff-float",
        "TIFF 32-bit float, linear",
        (".tif", ".tiff"),
        True,
        "linear",
        32,
        True,
        True,
        _encode_linear,
        options=frozenset(),
    ),
    ExportFormat(
        "hdr",
        "Radiance RGBE, linear",
        (".hdr",),
        True,
        "linear",
        32,
        False,
        False,
        _encode_linear,
        options=frozenset(),
    ),
    ExportFormat(
        "png-sdr",
        "PNG 16-bit SDR (sRGB, or Display P3)",
        (".png",),
        False,
        "srgb",
        16,
        True,
        True,
        _encode_sdr,
        options=frozenset({"sdr_exposure"}),
    ),
    ExportFormat(
        "jpeg-sdr",
        "JPEG 8-bit SDR (sRGB, or Display P3)",
        (".jpg", ".jpeg"),
        False,
        "srgb",
        8,
        True,
        False,
        _encode_sdr,
        options=frozenset({"quality", "sdr_exposure"}),
    ),
    ExportFormat(
        "tiff-sdr",
        "TIFF 16-bit SDR (sRGB, or Display P3)",
        (".tif", ".tiff"),
        False,
        "srgb",
        16,
        True,
        True,
        _encode_sdr,
        options=frozenset({"sdr_exposure"}),
    ),
)
#: Export formats by name (:class:`ExportFormat` records).
FORMATS: dict[str, ExportFormat] = {f.name: f for f in _EXPORT_FORMATS}


def write_array(
    array: np.ndarray,
    path: str | Path,
    kind: str,
    force: bool = False,
    sources: tuple[Path, ...] = (),
) -> Path:
    """Write a plain array atomically: ``kind`` ``"exr"`` (linear half, as is), ``"exr32"``
    (linear float32: training data whose range exceeds half's 65504),
    ``"png16"`` (values in [0, 1] as 16-bit, sRGB-tagged: previews and masks) or ``"png8"``
    (a uint8 array as is, e.g. the RGBA clipping overlay)."""
    path = Path(path)
    if kind not in ("exr", "exr32", "png16", "png8"):
        raise ValueError(f"unknown array kind {kind!r}")
    wanted = ".png" if kind.startswith("png") else ".exr"
    if path.suffix.lower() != wanted:  # an overlay named .jpg came out opaque and black
        raise OutputError(f"{path}: this is written as {wanted[1:].upper()}; name it {wanted}")
    if kind == "png8":
        u8 = np.asarray(array)
        if u8.dtype != np.uint8:
            raise ValueError(f"png8 needs a uint8 array, got {u8.dtype}")
        u8 = u8[..., None] if u8.ndim == 2 else u8
        with atomic_path(path, force=force, sources=sources) as tmp:
            _write_oiio(tmp, u8, _oiio().UINT8, {"oiio:ColorSpace": "srgb_rec709_scene"}, {})
        return path
    a = np.asarray(array, dtype=np.float32)
    if a.ndim == 2:
        a = a[..., None]
    oiio = _oiio()
    with atomic_path(path, force=force, sources=sources) as tmp:
        if kind == "exr":
            _write_oiio(tmp, a, oiio.HALF, {"compression": "zip"}, {})
        elif kind == "exr32":
            _write_oiio(tmp, a, oiio.FLOAT, {"compression": "zip"}, {})
        elif kind == "png16":
            attrs = {"oiio:ColorSpace": "srgb_rec709_scene", "png:compressionLevel": 3}
            _write_oiio(tmp, _quantise(a, 16), oiio.UINT16, attrs, {})
        else:
            raise ValueError(f"unknown array kind {kind!r}")
    return path
