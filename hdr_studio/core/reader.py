"""Reading photographs and HDR files through OpenImageIO into :class:`Image`.

Formats: JPEG, PNG (8/16-bit, palette, grey, alpha), TIFF (8/16/float, CMYK converted by
OIIO), OpenEXR, Radiance .hdr, WebP, JPEG XL, and anything else OIIO reads.

Decoding, in order of precedence: a PNG/JPEG XL cICP tag (sRGB, PQ, BT.709/2020/P3
primaries), an embedded ICC profile (sRGB, Display P3, Adobe RGB, Rec.2020; see
:mod:`hdr_studio.core.icc`; any other RGB profile an integer file carries is converted by
LittleCMS, :mod:`hdr_studio.core.cms`), the EXIF colour space, then the defaults: sRGB for integer
files and linear Rec.709 for float files (OpenEXR chromaticities are honoured).
EXIF orientation is applied. Float files with NaN/Inf are repaired with a note.

Every failure raises :class:`~hdr_studio.core.errors.InputError` with a one-line message.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.core.colour_tags import CICP_PRIMARIES as _CICP_PRIMARIES
from hdr_studio.core.colour_tags import CICP_TRANSFER as _CICP_TRANSFER
from hdr_studio.core.colour_tags import decode_nclx, icc_encoding
from hdr_studio.core.errors import InputError, library_message
from hdr_studio.core.formats import RAW_EXTENSIONS
from hdr_studio.core.gamut import identify_primaries
from hdr_studio.core.image import Image, float_code_values, megapixels

__all__ = ["DEFAULT_MAX_PIXELS", "float_code_values", "read_image"]

#: Largest image accepted unless the caller raises the limit (``--max-pixels``): 200 MP.
DEFAULT_MAX_PIXELS = 200_000_000

_KEEP_NAMES = {
    "Make",
    "Model",
    "DateTime",
    "Artist",
    "Copyright",
    "ImageDescription",
    "ExposureTime",
    "FNumber",
}
_KEEP_PREFIXES = ("Exif:", "GPS:", "IPTC:")


def _oiio():
    import OpenImageIO as oiio

    return oiio


def _fail(path: Path, why: str) -> InputError:
    """``path: why`` on one line; a decoder's message that names the file again ("EXR
    Error (PATH): …") names it once."""
    why = " ".join(str(why).split()) or "unknown error"
    for named in (f" ({path})", f"({path}) ", f"{path}: ", f'"{path}" '):
        why = why.replace(named, " " if named.startswith(" ") else "")
    return InputError(f"{path}: {' '.join(why.split()).replace(' :', ':')}")


def _attr(spec: Any, name: str, default: Any = None) -> Any:
    p = spec.getattribute(name)
    return default if p is None else p


def _metadata(spec: Any) -> dict[str, tuple[str, Any]]:
    keep: dict[str, tuple[str, Any]] = {}
    for p in spec.extra_attribs:
        if p.name in _KEEP_NAMES or p.name.startswith(_KEEP_PREFIXES):
            if p.name in {"Exif:ColorSpace", "Exif:PixelXDimension", "Exif:PixelYDimension"}:
                continue
            keep[p.name] = (str(p.type), p.value)
    return keep


def _reorient(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1–8) with OIIO's own reorient, as viewers do."""
    if orientation in (0, 1):
        return pixels
    oiio = _oiio()
    h, w, c = pixels.shape
    buf = oiio.ImageBuf(oiio.ImageSpec(w, h, c, oiio.FLOAT))
    buf.set_pixels(oiio.ROI(), np.ascontiguousarray(pixels))
    buf.specmod().attribute("Orientation", int(orientation))
    out = oiio.ImageBufAlgo.reorient(buf)
    return np.ascontiguousarray(out.get_pixels(oiio.FLOAT)).reshape(
        out.spec().height, out.spec().width, c
    )


def _encoding(spec: Any, is_float: bool, convert: bool = False) -> tuple[str, str, list[str], Any]:
    """(primaries, transfer, notes, LittleCMS profile or None) for the file's pixels.
    ``convert``: an integer file whose embedded ICC profile is none of the engine's spaces
    (ProPhoto, a camera's or a printer's RGB profile…) is to be converted by LittleCMS
    (profile given; primaries and transfer are then the conversion's target, linear
    Rec.2020); without it such a profile is read as sRGB, with a note."""
    notes: list[str] = []
    cicp = _attr(spec, "CICP")
    if cicp is not None and len(cicp) >= 2:
        prim = _CICP_PRIMARIES.get(int(cicp[0]))
        tf = _CICP_TRANSFER.get(int(cicp[1]))
        if prim and tf:
            return prim, tf, notes, None
    icc = _attr(spec, "ICCProfile")
    if icc is not None and len(icc) > 0:
        data = bytes(np.asarray(icc, dtype=np.uint8))
        tried: list[str] = []
        prim, tf = icc_encoding(data, tried, is_float)
        if prim is not None and tf is not None:
            return prim, tf, notes + tried, None
        profile = _cms_profile(data) if convert and not is_float else None
        if profile is not None:
            notes.append(f"colour converted from '{profile.description}' by LittleCMS")
            return "rec2020", "linear", notes, profile
        notes += tried
    chroma = _attr(spec, "chromaticities")
    if is_float:
        prim = "rec709"
        if chroma is not None and len(chroma) >= 6:
            found = identify_primaries(np.asarray(chroma[:6]))
            if found is None:
                notes.append("unknown chromaticities in file; assuming Rec.709 primaries")
            else:
                prim = found
        return prim, "linear", notes, None
    if int(_attr(spec, "Exif:ColorSpace", 1)) == 2:  # DCF "Adobe RGB" marker
        return "adobergb", "gamma:2.19921875", notes, None
    cs = str(_attr(spec, "oiio:ColorSpace", "")).lower()
    if cs.startswith("lin_") or cs == "linear":
        return "rec709", "linear", notes, None
    if cs.startswith("g22_"):
        return "rec709", "gamma:2.2", notes, None
    return "rec709", "srgb", notes, None


def _cms_profile(icc: bytes) -> Any:
    """A LittleCMS profile of ICC bytes it reads as RGB, else None (then sRGB is assumed,
    with the note :func:`~hdr_studio.core.colour_tags.icc_encoding` wrote)."""
    from hdr_studio.core import cms

    try:
        return cms.Profile.from_icc(icc)
    except (cms.LibraryMissing, cms.CmsError):
        return None


def _avif_nclx(data: bytes) -> tuple[int, int] | None:
    """(primaries, transfer) code points of the first nclx 'colr' box, if any."""
    i = data.find(b"colrnclx")
    if i < 0 or i + 14 > len(data):
        return None
    prim, tf = struct.unpack(">HH", data[i + 8 : i + 12])
    return prim, tf


def _read_avif(p: Path, max_pixels: int) -> Image:
    """AVIF through imagecodecs (OIIO here has no AVIF reader); nclx decides the decoding."""
    import imagecodecs

    data = p.read_bytes()
    try:
        px = np.asarray(imagecodecs.avif_decode(data))
    except Exception as exc:
        raise _fail(p, f"corrupt or unreadable AVIF ({exc})") from None
    if px.ndim == 2:
        px = px[..., None]
    h, w = px.shape[:2]
    if w * h > max_pixels:
        raise _fail(p, f"image is {w}x{h}, above the limit of {megapixels(max_pixels)}")
    if px.dtype == np.uint8:
        depth = 8
    else:
        depth = 10 if px.max() <= 1023 else (12 if px.max() <= 4095 else 16)
    code = px.astype(np.float32) / np.float32(2**depth - 1)
    notes: list[str] = []
    alpha = np.ascontiguousarray(code[..., 3]) if code.shape[2] == 4 else None
    rgb = code[..., :3] if code.shape[2] >= 3 else np.repeat(code[..., :1], 3, axis=2)
    primaries, transfer = "rec709", "srgb"
    nclx = _avif_nclx(data)
    if nclx is not None:
        primaries, transfer = decode_nclx(p, *nclx)
    return Image.from_pixels(
        rgb,
        primaries,
        transfer,
        alpha=alpha,
        bit_depth=depth,
        levels=2**depth,
        source_format="avif",
        source_path=p,
        notes=notes,
    )


def _check_file(p: Path) -> None:
    """Refuse what is not a readable, non-empty file, before any decoder sees it."""
    if not p.exists():
        raise _fail(p, "no such file")
    if p.is_dir():
        raise _fail(p, "is a directory, not an image")
    try:
        size = p.stat().st_size
        with open(p, "rb"):
            pass
    except OSError as exc:
        raise _fail(p, exc.strerror or str(exc)) from None
    if size == 0:
        raise _fail(p, "file is empty (0 bytes)")


def _ftyp_brands(head: bytes) -> set[bytes]:
    """The major and compatible brands of an ISO-BMFF ``ftyp`` box at the file's start."""
    if head[4:8] != b"ftyp":
        return set()
    size = int.from_bytes(head[:4], "big")
    box = head[8 : min(max(size, 16), len(head))]
    return {box[:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}


_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def _raw_signature(head: bytes) -> bool:
    """A camera raw that says so in its first bytes (whatever its name): Canon CRW and CR2,
    Fujifilm RAF, Olympus ORF, Panasonic RW2, Minolta MRW, Sigma X3F. (Canon's CR3 is told
    by its ISO-BMFF brand; NEF, ARW, DNG and the like are TIFF files: see :func:`sniff`.)"""
    return (
        head[6:14] == b"HEAPCCDR"
        or (head[:4] == b"II*\x00" and head[8:10] == b"CR")
        or head.startswith(b"FUJIFILMCCD-RAW")
        or head[:4] in (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00", b"\x00MRM", b"FOVb")
    )


_TIFF_SIGNATURES = (b"II*\x00", b"MM\x00*")


def sniff(p: Path) -> str:
    """Which decoder a file goes to, by its first bytes before its name (a photo renamed,
    or saved under another extension by a phone or an app, was refused or misread):
    ``"avif"``, ``"heif"`` (ISO-BMFF brands), ``"jpeg"`` (OpenImageIO, or the gain-map
    reader when the JPEG carries a gain map), ``"raw"`` (LibRaw: a raw's signature, or a
    TIFF file named as a raw, where OpenImageIO's TIFF reader would give its small embedded
    thumbnail instead), ``"raw-or-tiff"`` (a TIFF file named as neither: LibRaw if it takes
    it, else OpenImageIO), else ``"oiio"`` (OpenImageIO: PNG, TIFF, EXR, …)."""
    with open(p, "rb") as fh:
        head = fh.read(64)
    ext = p.suffix.lower()
    brands = _ftyp_brands(head)
    if brands & {b"avif", b"avis"}:
        return "avif"
    if brands & {b"crx "}:
        return "raw"
    if brands & _HEIF_BRANDS:
        return "heif"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if _raw_signature(head):
        return "raw"
    if head[:4] in _TIFF_SIGNATURES:
        if ext in RAW_EXTENSIONS:
            return "raw"
        return "oiio" if ext in (".tif", ".tiff") else "raw-or-tiff"
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:4] == b"\x76\x2f\x31\x01":  # PNG, EXR
        return "oiio"
    if ext in (".heic", ".heif", ".hif"):  # a brand not listed: the HEIF reader says why
        return "heif"
    return "raw" if ext in RAW_EXTENSIONS else "oiio"


def read_image(path: str | os.PathLike[str], max_pixels: int = DEFAULT_MAX_PIXELS) -> Image:
    """Read and decode an image file to linear float32 (see module docstring).

    Raises:
        InputError: missing, empty, unreadable, truncated, too large or unsupported files.
    """
    p = Path(path)
    _check_file(p)
    kind = sniff(p)
    if kind == "avif":
        return _read_avif(p, max_pixels)
    if kind == "heif":
        from hdr_studio.core.heif import read_heif

        return read_heif(p, max_pixels)
    if kind in ("raw", "raw-or-tiff"):
        from hdr_studio.core.raw import read_raw

        try:
            return read_raw(p, max_pixels)
        except InputError:
            if kind == "raw":
                raise
        # a plain TIFF under another name (LibRaw takes only a camera's): OpenImageIO
    if kind == "jpeg":
        from hdr_studio.core.gainmap import find_jpeg_gain_map

        data = p.read_bytes()
        where = find_jpeg_gain_map(data)
        if where is not None:
            return _read_gain_map_jpeg(p, max_pixels, data, where)
    return _read_oiio(p, max_pixels)


def _read_gain_map_jpeg(p: Path, max_pixels: int, data: bytes, where: tuple[int, int]) -> Image:
    """A JPEG with a gain map: the SDR base decoded as the primary JPEG alone (OpenImageIO
    with libultrahdr would hand over its own HDR rendition instead), its metadata and
    colour profile from OpenImageIO, then the gain map applied at the file's headroom
    (:mod:`hdr_studio.core.gainmap`)."""
    import dataclasses

    import imagecodecs

    from hdr_studio.core.gainmap import read_gain_map_jpeg

    inp = _open_oiio(p)
    try:
        spec = inp.spec()
        _check_pixels(p, spec.width, spec.height, 3, max_pixels)
        primaries, transfer, notes, _ = _encoding(spec, False)
        orientation = int(_attr(spec, "Orientation", 1))
        metadata = _metadata(spec)
    finally:
        inp.close()
    try:
        px = np.asarray(imagecodecs.jpeg8_decode(data))
    except Exception as exc:
        raise _fail(p, f"corrupt or truncated image data ({exc})") from None
    code = px.astype(np.float32) / np.float32(255)
    code = code[..., None] if code.ndim == 2 else code
    rgb = code[..., :3] if code.shape[2] >= 3 else np.repeat(code[..., :1], 3, axis=2)
    base = Image.from_pixels(
        np.ascontiguousarray(rgb),
        primaries,
        "srgb" if transfer == "linear" else transfer,
        bit_depth=8,
        levels=256,
        source_format="jpeg",
        source_path=p,
        metadata=metadata,
        notes=notes,
    )
    image = read_gain_map_jpeg(p, base, data, where)
    if orientation not in (0, 1) and orientation in range(9):

        def turn(im: Image) -> Image:
            lin, _ = _orient(im.linear, None, orientation)
            code, _ = _orient(im.code, None, orientation)
            return dataclasses.replace(im, linear=lin, code=code)

        if image.gain_map is not None:
            image.gain_map.sdr = turn(image.gain_map.sdr)
        image = turn(image)
    return image


def _check_pixels(p: Path, w: int, h: int, nch: int, max_pixels: int) -> None:
    if w <= 0 or h <= 0 or nch <= 0:
        raise _fail(p, f"invalid image dimensions {w}x{h}x{nch}")
    if w * h > max_pixels:
        raise _fail(
            p,
            f"image is {w}x{h} = {megapixels(w * h)}, above the limit of "
            f"{megapixels(max_pixels)} (raise it with --max-pixels)",
        )


def _open_oiio(p: Path) -> Any:
    """An OpenImageIO ImageInput for ``p``, or the one-line error why not."""
    oiio = _oiio()
    # Options travel with this open call (a config spec), never as process-wide attributes.
    # Our pixel limit (``max_pixels``, 200 MP by default) is far below OpenImageIO's own
    # ``limits:imagesize_MB`` (a share of the machine's memory), which we leave alone; an
    # image above it fails OIIO's open with its message. Keep alpha straight (OIIO
    # premultiplies PNG/TIFF alpha unless asked not to).
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)
    inp = oiio.ImageInput.open(str(p), config)
    if inp is None:
        err = library_message(oiio.geterror) or "unknown format"
        if "limits:imagesize_MB" in err:  # OIIO's own guard against absurd header sizes
            why = err.split(" Possible corrupt input?")[0]
            raise _fail(p, f"image is above the limit of what can be read here ({why})")
        raise _fail(p, f"not a readable image ({err})")
    return inp


def _read_oiio_pixels(inp: Any, p: Path) -> tuple[np.ndarray, float, int, bool]:
    """(pixels (H, W, C) float32 code values or linear floats, scale, bit depth, is_float)."""
    oiio = _oiio()
    spec = inp.spec()
    fmt = str(spec.format)
    is_float = fmt in {"half", "float", "double"}
    # read_image(format) only: OIIO 3.2's read_image(subimage, miplevel, chbegin, chend,
    # format) overload changes None's reference count hundreds of times per call with
    # the GIL released, which corrupts it when another thread runs Python (it crashed
    # the app with "deallocating None"). tests/core/test_reader.py guards this.
    if fmt == "uint8":
        raw, scale, depth = inp.read_image(oiio.UINT8), 255.0, 8
    elif fmt == "uint16":
        raw, scale, depth = inp.read_image(oiio.UINT16), 65535.0, 16
    else:
        raw, scale = inp.read_image(oiio.FLOAT), 1.0
        depth = 16 if fmt == "half" else 32
    if raw is None or inp.has_error:
        err = library_message(inp.geterror) or library_message(oiio.geterror)
        raise _fail(p, f"corrupt or truncated image data ({err or 'read failed'})")
    h, w, nch = spec.height, spec.width, spec.nchannels
    data = np.asarray(raw)
    data = data.reshape(h, w, nch) if data.ndim != 3 else data
    data = data.astype(np.float32, copy=False)
    if scale != 1.0:
        data /= np.float32(scale)  # in place: one full-size copy, not two
    return data, scale, depth, is_float


def _jxl_metadata(p: Path) -> dict[str, tuple[str, Any]]:
    """What a JPEG XL file's Exif and XMP boxes say (:mod:`hdr_studio.core.jxl_metadata`)."""
    from hdr_studio.core.jxl_metadata import read_spec_of_boxes

    try:
        spec = read_spec_of_boxes(p.read_bytes())
    except OSError:
        return {}
    return {} if spec is None else _metadata(spec)


def _read_oiio(p: Path, max_pixels: int) -> Image:
    """Everything OpenImageIO reads: JPEG, PNG, TIFF, OpenEXR, .hdr, WebP, JPEG XL, GIF."""
    inp = _open_oiio(p)
    try:
        spec = inp.spec()
        _check_pixels(p, spec.width, spec.height, spec.nchannels, max_pixels)
        data, scale, depth, is_float = _read_oiio_pixels(inp, p)
        source_format = inp.format_name()
        channel_names = list(spec.channelnames)
        alpha_index = spec.alpha_channel
        if not 0 <= alpha_index < spec.nchannels:  # OIIO's GIF reader names channel 4 of 4 A
            alpha_index = channel_names.index("A") if "A" in channel_names else -1
        orientation = int(_attr(spec, "Orientation", 1))
        primaries, transfer, notes, profile = _encoding(spec, is_float, convert=True)
        if orientation not in range(9):
            notes.append(f"ignored an invalid EXIF orientation ({orientation})")
            orientation = 1
        if inp.seek_subimage(1, 0):
            notes.append(f"the {source_format} file holds several images; the first is used")
        metadata = _metadata(spec)
        if source_format == "jpegxl":  # its Exif and XMP boxes, which OpenImageIO skips
            metadata = {**_jxl_metadata(p), **metadata}
        for hint, label in (("jpeg:ColorSpace", "CMYK"), ("tiff:ColorSpace", "CMYK")):
            if str(_attr(spec, hint, "")).upper() == label:
                notes.append("converted from CMYK to RGB (no CMYK profile applied)")
    finally:
        inp.close()
    rgb, alpha = _split_channels(p, data, channel_names, alpha_index, notes)
    if is_float:
        rgb, alpha = _repair_floats(rgb, alpha, notes)
    if source_format == "openexr" and alpha is not None:
        # OpenEXR's colour is premultiplied by its alpha (associated); the engine holds
        # straight colour, as every other format's. Where alpha is 0 the colour is kept
        # (light with no coverage: a glow, a flare).
        a = alpha[..., None]
        rgb = (rgb / np.where(a > 0, a, np.float32(1))).astype(np.float32)
    rgb, alpha = _orient(rgb, alpha, orientation)
    if profile is not None:  # an ICC profile none of the engine's spaces is: LittleCMS
        from hdr_studio.core import cms

        try:
            linear = cms.convert(rgb, profile, cms.working("rec2020"))
        except cms.CmsError as exc:
            why = f"its colour profile '{profile.description}' cannot be used ({exc})"
            raise _fail(p, why) from None
        return Image(
            linear=linear,
            code=np.ascontiguousarray(rgb, dtype=np.float32),
            primaries="rec2020",
            transfer="linear",
            bit_depth=depth,
            alpha=alpha,
            source_format=source_format,
            source_path=p,
            metadata=metadata,
            notes=notes,
        )
    return Image.from_pixels(
        rgb,
        primaries,
        transfer,
        is_float=is_float,
        alpha=alpha,
        bit_depth=depth,
        levels=int(scale) + 1 if scale != 1.0 else None,  # 8- or 16-bit integer data
        source_format=source_format,
        source_path=p,
        metadata=metadata,
        notes=notes,
    )


def _split_channels(
    p: Path, data: np.ndarray, names: list[str], alpha_index: int, notes: list[str]
) -> tuple[np.ndarray, np.ndarray | None]:
    """(RGB (H, W, 3), alpha (H, W) or None) from a file's channels: grey is expanded,
    channels past the third colour one are dropped with a note."""
    nch = data.shape[2]
    alpha = np.ascontiguousarray(data[..., alpha_index]) if alpha_index >= 0 else None
    colour_idx = [i for i in range(nch) if i != alpha_index]
    if len(colour_idx) >= 3:
        c = colour_idx[:3]
        # three channels in a row (nearly always): a view, not a gather of the whole picture
        rgb = data[..., c[0] : c[0] + 3] if c[2] - c[0] == 2 else data[..., c]
        extra = [names[i] for i in colour_idx[3:]]
        if extra == ["invented"]:  # an HDR Studio export's map: not a colour of the picture
            notes.append(
                "its 'invented' channel (HDR Studio's map of reconstructed light) is not "
                "part of the picture"
            )
        elif extra:
            notes.append(f"ignored extra channels {','.join(extra)}")
    elif len(colour_idx) >= 1:
        rgb = np.repeat(data[..., colour_idx[:1]], 3, axis=2)
        notes.append("greyscale image expanded to RGB")
    else:
        raise _fail(p, "image has no colour channels")
    return rgb, alpha


def _repair_floats(
    rgb: np.ndarray, alpha: np.ndarray | None, notes: list[str]
) -> tuple[np.ndarray, np.ndarray | None]:
    """NaN and -Inf → 0, +Inf → the largest finite value (a note says how many pixels)."""
    if not np.isfinite(rgb).all():
        bad = int((~np.isfinite(rgb)).any(axis=2).sum())
        finite_max = float(np.max(rgb, where=np.isfinite(rgb), initial=0.0))
        rgb = np.nan_to_num(rgb, nan=0.0, posinf=finite_max, neginf=0.0)
        notes.append(f"replaced NaN/Inf values in {bad} pixels (NaN and -Inf → 0, +Inf → max)")
    if alpha is not None and not np.isfinite(alpha).all():
        alpha = np.nan_to_num(alpha, nan=1.0, posinf=1.0, neginf=0.0)
    return rgb, alpha


def _orient(
    rgb: np.ndarray, alpha: np.ndarray | None, orientation: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Apply an EXIF orientation to the colour and alpha channels together."""
    if orientation in (0, 1):
        return rgb, alpha
    stacked = rgb if alpha is None else np.concatenate([rgb, alpha[..., None]], axis=2)
    stacked = _reorient(np.ascontiguousarray(stacked), orientation)
    rgb = stacked[..., :3]
    return rgb, None if alpha is None else np.ascontiguousarray(stacked[..., 3])
