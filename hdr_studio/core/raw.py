"""Camera raw files through LibRaw (``rawpy``, the optional extra ``[raw]``), decoded to
scene-linear float with the sensor's own clipping known per channel.

Decoding, in order:

1. LibRaw unpacks and demosaics the photosites without white balance, colour matrix, tone
   curve or brightening (``output_color=raw``, gamma 1, all multipliers 1): each camera
   channel arrives as (value − black) / (white − black), 1.0 = the sensor's white.
2. The as-shot white balance (normalised to green) scales the channels; the camera's
   matrix (LibRaw's ``rgb_cam``, from the file's or LibRaw's own ColorMatrix) takes them to
   linear sRGB/Rec.709 and on to Rec.2020. Nothing is clipped: a white-balanced channel
   whose photosites are below their white may exceed 1.0.
3. The **sensor clip mask**: a photosite at or above its channel's white level (before
   white balance) is clipped; a pixel's channel is clipped when a photosite of that colour
   among those its value is interpolated from is (:func:`sensor_clip_mask`). Analysis,
   overlays and reconstruction use it instead of an 8-bit threshold.
4. Orientation from the file.

1.0 of :attr:`Image.linear` is the level at which a white-balanced neutral saturates the
green photosites; :attr:`Image.code` is the sRGB display encoding of the Rec.2020 pixels
below that level, set to exactly 1.0 in the channels the sensor clipped (and kept below
every method's clipping ramp elsewhere, :data:`UNCLIPPED_CODE_CEILING`), so every
threshold-based consumer sees the sensor's mask. :attr:`Image.raw` keeps what raw
highlight reconstruction needs (:mod:`hdr_studio.core.raw_highlights`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.core.errors import InputError
from hdr_studio.core.image import megapixels

__all__ = [
    "UNCLIPPED_CODE_CEILING",
    "RawInfo",
    "quick_picture",
    "read_raw",
    "sensor_clip_mask",
    "sensor_code",
]

#: Code values of channels the sensor did not clip stay at or below this: under the ramp
#: where every method starts to treat a channel as clipped (the classical engine's from
#: 0.96, the networks' Santos mask from 0.96), so only the sensor's mask marks clipping.
UNCLIPPED_CODE_CEILING = 0.94

#: Files with fewer bits per photosite than this are stripped or truncated (the smallest
#: lossy raw formats store well over 1 bit per photosite).
_MIN_BITS_PER_PHOTOSITE = 0.5
#: A channel's white is lowered to its data maximum when at least this share of its
#: photosites sits on that maximum and it is above 3/4 of the declared white: sensors that
#: saturate below their declared white leave such a plateau (LibRaw's adjust_maximum).
_PLATEAU_SHARE = 1e-5
_PLATEAU_MIN = 16
#: Codes under the data maximum searched for a spread saturation cluster.
_CLUSTER_WINDOW = 256


@dataclass(frozen=True)
class RawInfo:
    """What raw highlight reconstruction needs besides the pixels.

    camera_to_output: (3, 3) white-balanced camera RGB → the image's linear primaries.
    clip_levels: (3,) the white-balanced camera value at which each channel saturates.
    white_balance: (3,) the as-shot multipliers applied (green = 1).
    """

    camera_to_output: np.ndarray
    clip_levels: np.ndarray
    white_balance: np.ndarray


def sensor_code(linear: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """Code values that carry the sensor's mask: the sRGB encoding of the pixels below
    white (IEC 61966-2-1; the power through OpenCV's SIMD ``pow``), 1.0 in the channels
    ``clip`` marks, at most :data:`UNCLIPPED_CODE_CEILING` elsewhere."""
    import cv2

    a = np.asarray(linear, dtype=np.float32)
    # In place on flat copies (numpy's clip and boolean indexing cost 2× this on 24 MP).
    x = np.maximum(a.reshape(-1, 1), np.float32(0.0))
    np.minimum(x, np.float32(1.0), out=x)
    code = cv2.pow(x, 1.0 / 2.4)
    code *= np.float32(1.055)
    code -= np.float32(0.055)
    dark = x <= np.float32(0.0031308)
    x *= np.float32(12.92)
    np.copyto(code, x, where=dark)
    np.minimum(code, np.float32(UNCLIPPED_CODE_CEILING), out=code)
    code = code.reshape(a.shape)
    np.copyto(code, np.float32(1.0), where=np.asarray(clip, dtype=bool))
    return code


def _rawpy() -> Any:
    try:
        import rawpy
    except ImportError:
        raise InputError(
            "camera raw files need LibRaw: pip install 'hdr-studio[raw]' (the app and the "
            "bundle include it)"
        ) from None
    return rawpy


def _fail(path: Path, why: str) -> InputError:
    return InputError(f"{path}: {' '.join(why.split())}")


def _open(path: Path) -> Any:
    rawpy = _rawpy()
    try:
        raw = rawpy.imread(str(path))
    except rawpy.LibRawFileUnsupportedError:
        raise _fail(
            path,
            "not a raw file LibRaw reads, or a camera it does not support "
            f"(LibRaw {'.'.join(map(str, rawpy.libraw_version))})",
        ) from None
    except (rawpy.LibRawIOError, rawpy.LibRawDataError):
        raise _fail(path, "truncated or damaged raw file (its data ends early)") from None
    except rawpy.LibRawTooBigError:
        raise _fail(path, "raw image too big for LibRaw") from None
    except rawpy.LibRawError as exc:
        raise _fail(path, f"cannot decode the raw file ({type(exc).__name__}: {exc})") from None
    sizes = raw.sizes
    photosites = max(1, sizes.raw_width * sizes.raw_height)
    if path.stat().st_size * 8 / photosites < _MIN_BITS_PER_PHOTOSITE:
        raw.close()
        raise _fail(
            path,
            f"truncated raw file: {path.stat().st_size} bytes cannot hold "
            f"{sizes.raw_width}x{sizes.raw_height} photosites",
        )
    return raw


def _planes(cfa: np.ndarray, colours: np.ndarray | None, c: int) -> list[np.ndarray]:
    """The photosites of colour ``c``: strided views of a 2×2 mosaic (no copies), a
    gathered array for other mosaics, the plane of a demosaiced (H, W, C) raw."""
    if colours is None:
        return [cfa[..., c]]
    if colours.shape[0] >= 2 and colours.shape[1] >= 2 and _is_2x2(colours):
        return [cfa[i::2, j::2] for i in (0, 1) for j in (0, 1) if colours[i, j] == c]
    return [cfa[colours == c]]


def _is_2x2(colours: np.ndarray) -> bool:
    """Whether the colour layout repeats every 2×2 photosites (a Bayer mosaic)."""
    h, w = colours.shape
    tile = colours[:2, :2]
    reps = np.tile(tile, ((h + 1) // 2, (w + 1) // 2))[:h, :w]
    return bool(np.array_equal(reps[:64, :64], colours[:64, :64])) and bool(
        np.array_equal(reps[-64:, -64:], colours[-64:, -64:])
    )


def _white_levels(raw: Any, cfa: np.ndarray, colours: np.ndarray | None, n: int) -> np.ndarray:
    """Per colour index (0..3), the photosite value counted as clipped."""
    declared = raw.camera_white_level_per_channel
    declared = np.asarray(
        declared if declared is not None else [raw.white_level] * 4, dtype=np.float64
    )
    black = np.asarray(raw.black_level_per_channel, dtype=np.float64)
    levels = declared.copy()
    for c in range(n):
        parts = _planes(cfa, colours, c)
        size = sum(v.size for v in parts)
        if size == 0:
            continue
        floor = black[c] + 0.75 * (declared[c] - black[c])
        found = _saturation_level(parts, float(declared[c]), floor, size)
        if found is not None:
            levels[c] = found
    return levels


def _saturation_level(
    parts: list[np.ndarray], declared: float, floor: float, size: int
) -> float | None:
    """Where one colour's photosites saturate when below the declared white (above
    ``floor``), or None: a plateau of photosites on the data maximum (LibRaw's
    adjust_maximum), or a dense cluster a few codes wide just under it, as sensors whose
    saturated photosites still carry noise or per-column offsets leave (a Canon EOS D30's
    green saturates anywhere in 4050–4079 of 4095); the cluster's lower edge is the level."""
    top = max(int(v.max()) for v in parts)
    if top >= declared or top <= floor:
        return None
    need = max(_PLATEAU_MIN, _PLATEAU_SHARE * size)
    if sum(int(np.count_nonzero(v == top)) for v in parts) >= need:
        return float(top)
    lo = int(max(floor, top - _CLUSTER_WINDOW))
    hist = np.zeros(top - lo + 1, np.int64)
    for v in parts:
        near = v[v >= lo]
        hist += np.bincount(near.ravel().astype(np.int64) - lo, minlength=hist.size)
    density = np.convolve(hist, np.ones(5) / 5.0, mode="same")
    baseline = float(np.median(density[: hist.size // 2])) if hist.size >= 16 else 0.0
    dense = density >= max(8.0 * baseline, 3.0)
    if not dense.any():
        return None
    j = int(np.flatnonzero(dense)[-1])  # the cluster's top, then down to its lower edge
    while j > 0 and dense[j - 1]:
        j -= 1
    edge = max(0, j - 2)  # half the smoothing kernel: keep the edge's photosites
    if int(hist[edge:].sum()) < need or edge < hist.size // 2:
        return None
    return float(lo + edge)


def sensor_clip_mask(
    cfa: np.ndarray,
    colours: np.ndarray | None,
    whites: np.ndarray,
    reach: int = 1,
    half: bool = False,
) -> np.ndarray:
    """(H, W, 3) bool: per output channel (R, G, B), whether a photosite of that colour at
    or above its white lies within ``reach`` photosites (the demosaic's neighbourhood).
    ``cfa``: (H, W) photosite values with ``colours`` (H, W) their colour index (LibRaw's
    0 R, 1 G, 2 B, 3 second G), or (H, W, C) already per channel with ``colours`` None.
    ``half``: for a half-size decode, per 2×2 block of photosites ((H/2, W/2, 3))."""
    import cv2

    if colours is None:  # linear (demosaiced) raw: the pixel's own channels
        planes = cfa[..., :3] >= whites[:3].astype(cfa.dtype)
        if half:
            h, w = planes.shape[0] // 2 * 2, planes.shape[1] // 2 * 2
            planes = planes[:h, :w].reshape(h // 2, 2, w // 2, 2, 3).any(axis=(1, 3))
        return np.ascontiguousarray(planes)
    thresholds = np.minimum(whites, np.iinfo(cfa.dtype).max).astype(cfa.dtype)
    size = 2 * reach + 1
    kernel = np.ones((size, size), np.uint8)
    h, w = cfa.shape
    shape = (h // 2, w // 2, 3) if half else (h, w, 3)
    out = np.zeros(shape, bool)
    bayer = _is_2x2(colours)
    for channel, members in ((0, (0,)), (1, (1, 3)), (2, (2,))):
        if bayer and half:  # one pixel per 2×2 block: its photosites of this colour
            for i in (0, 1):
                for j in (0, 1):
                    if colours[i, j] in members:
                        site = cfa[i::2, j::2][: h // 2, : w // 2]
                        out[..., channel] |= site >= thresholds[colours[i, j]]
            continue
        if bayer:  # per position of the 2×2 tile: strided views, no full-size gathers
            own = np.zeros((h, w), bool)
            for i in (0, 1):
                for j in (0, 1):
                    if colours[i, j] in members:
                        own[i::2, j::2] = cfa[i::2, j::2] >= thresholds[colours[i, j]]
        else:
            clipped = cfa >= thresholds[colours]
            own = clipped & np.isin(colours, members)
        if not own.any():
            continue
        if half:
            blocks = own[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2)
            out[..., channel] = blocks.any(axis=(1, 3))
        else:
            out[..., channel] = cv2.dilate(own.view(np.uint8), kernel) > 0
    return out


def _camera_to_output(raw: Any) -> tuple[np.ndarray, str | None]:
    """(3, 3) white-balanced camera RGB → linear Rec.2020, and a note when the file and
    LibRaw know no matrix for the camera. LibRaw's ``rgb_cam`` when it gives one; else
    from its XYZ → camera matrix (Adobe's ColorMatrix for the camera) as dcraw derives
    ``rgb_cam``: camera from linear sRGB, each row scaled so that white is (1, 1, 1)
    (white balance then makes a neutral neutral), inverted."""
    from hdr_studio.core.gamut import rgb_to_rgb_matrix, rgb_to_xyz_matrix

    rgb_cam = np.asarray(raw.color_matrix, dtype=np.float64)[:, :3]
    note = None
    if not np.any(rgb_cam) or not np.all(np.isfinite(rgb_cam)):
        cam_xyz = np.asarray(raw.rgb_xyz_matrix, dtype=np.float64)[:3, :3]
        cam_rgb = cam_xyz @ rgb_to_xyz_matrix("rec709")
        rows = cam_rgb.sum(axis=1, keepdims=True)
        usable = np.all(np.isfinite(cam_rgb)) and np.all(np.abs(rows) > 1e-6)
        if usable and abs(np.linalg.det(cam_rgb / rows)) > 1e-9:
            rgb_cam = np.linalg.inv(cam_rgb / rows)
        else:
            rgb_cam = np.eye(3)
            note = "no colour matrix for this camera: colours are the sensor's own"
    return rgb_to_rgb_matrix("rec709", "rec2020") @ rgb_cam, note


#: The note of a raw whose file holds no as-shot white balance (LibRaw's daylight used).
NO_AS_SHOT = "no as-shot white balance in the file: daylight used"
#: The note when the camera's own preview gave the balance instead.
FROM_PREVIEW = (
    "no as-shot white balance in the file: balanced as the camera's own preview is "
    "(daylight would give it a cast)"
)


def _jpeg_preview(raw: Any) -> np.ndarray | None:
    """The raw's embedded JPEG preview as (H, W, 3+) uint8, or None when it has none (or
    LibRaw or the decoder cannot read it)."""
    try:
        thumb = raw.extract_thumb()
    except Exception:  # LibRaw has no preview, or cannot read it
        return None
    if thumb is None or getattr(thumb.format, "name", "") != "JPEG":
        return None
    import imagecodecs

    try:
        px = np.asarray(imagecodecs.jpeg8_decode(bytes(thumb.data)))
    except Exception:  # a damaged preview: no preview
        return None
    if px.ndim != 3 or px.shape[2] < 3 or px.dtype != np.uint8:
        return None
    return px


def _preview_linear(raw: Any) -> np.ndarray | None:
    """The embedded preview's pixels that are neither clipped nor black, as linear
    Rec.2020 (N, 3); None when it has none, or too few."""
    from hdr_studio.core.gamut import convert_primaries
    from hdr_studio.core.transfer import srgb_decode

    px = _jpeg_preview(raw)
    if px is None:
        return None
    code = px[..., :3].astype(np.float32) / np.float32(255)
    ok = (code.max(axis=-1) < 0.95) & (code.min(axis=-1) > 0.03)  # neither clipped nor black
    if ok.mean() < 0.05:
        return None
    return convert_primaries(srgb_decode(code[ok]), "rec709", "rec2020")


def preview_balance(
    linear: np.ndarray, clip: np.ndarray, matrix: np.ndarray, preview: np.ndarray
) -> np.ndarray | None:
    """Per-channel gains in camera space (green 1) that give ``linear`` (the decode as
    balanced so far, Rec.2020, ``matrix`` camera → output) the mean colour of the
    camera's own ``preview`` pixels (linear Rec.2020, clipped and black ones left out),
    over its unclipped middle tones; None when they would be implausible. Orientation and
    size do not matter: means are compared, not pixels."""
    from hdr_studio.core.gamut import luminance

    y = luminance(linear, "rec2020")
    ok = ~clip.any(axis=-1) & (linear.min(axis=-1) > 0)
    if ok.mean() < 0.05:
        return None
    lo, hi = np.percentile(y[ok], [5, 90])
    ok &= (y > lo) & (y < hi)
    c = linear[ok].astype(np.float64).mean(axis=0)
    t = preview.astype(np.float64).mean(axis=0)
    inv = np.linalg.inv(matrix.astype(np.float64))
    u, want = inv @ c, inv @ t
    if np.any(u <= 0) or np.any(want <= 0):
        return None
    gains = (want / u) / (want[1] / u[1])
    if np.any(gains < 0.25) or np.any(gains > 4):
        return None
    return gains


def _white_balance(raw: Any) -> tuple[np.ndarray, str | None]:
    for source, note in (
        (raw.camera_whitebalance, None),
        (raw.daylight_whitebalance, NO_AS_SHOT),
    ):
        wb = np.asarray(source[:3], dtype=np.float64)
        if np.all(wb > 0) and np.all(np.isfinite(wb)):
            return wb / wb[1], note
    return np.ones(3), "no white balance in the file: none applied"


#: LibRaw's flip codes → quarter turns counter-clockwise (3: 180°, 5: 90° CCW, 6: 90° CW).
_TURNS = {3: 2, 5: 1, 6: 3}


def _orient(a: np.ndarray, flip: int) -> np.ndarray:
    """LibRaw's orientation code applied to an (H, W, …) array."""
    turns = _TURNS.get(flip, 0)
    return np.ascontiguousarray(np.rot90(a, k=turns)) if turns else a


def ciff_fields(data: bytes) -> dict[str, tuple[str, Any]]:
    """Make and Model of a Canon CRW (CIFF: a heap of records, the last four bytes of each
    heap giving its table's offset; record 0x080A holds "make\\0model\\0"). The camera
    of a CRW was carried to no output (its metadata is no TIFF)."""
    import struct

    found: dict[int, bytes] = {}

    def heap(start: int, end: int, depth: int) -> None:
        if depth > 8 or end - start < 6 or end > len(data):
            return
        table = start + struct.unpack("<I", data[end - 4 : end])[0]
        if not start <= table <= end - 6:
            return
        (count,) = struct.unpack("<H", data[table : table + 2])
        for i in range(min(count, (end - table - 2) // 10)):
            tag, size, offset = struct.unpack(
                "<HII", data[table + 2 + 10 * i : table + 12 + 10 * i]
            )
            if tag >> 14:  # the value is in the record itself
                continue
            a, b = start + offset, start + offset + size
            if tag & 0x3800 in (0x2800, 0x3000):  # a sub-heap
                heap(a, b, depth + 1)
            elif b <= end:
                found.setdefault(tag & 0x3FFF, data[a:b])

    if len(data) >= 14 and data[6:14] == b"HEAPCCDR":
        heap(struct.unpack("<I", data[2:6])[0], len(data), 0)
    parts = found.get(0x080A, b"").split(b"\x00")
    out: dict[str, tuple[str, Any]] = {}
    if len(parts) >= 2 and parts[0] and parts[1]:
        out["Make"] = ("string", parts[0].decode("latin-1"))
        out["Model"] = ("string", parts[1].decode("latin-1"))
    return out


def _metadata(path: Path, raw: Any) -> dict[str, tuple[str, Any]]:
    from hdr_studio.core.exif import exif_fields, find_tiff_header

    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
        start = find_tiff_header(head)
        # a Canon CRW: CIFF, not TIFF; its record table is at the file's end
        ciff = start is None and head[6:14] == b"HEAPCCDR"
        whole = head + fh.read() if ciff else head
    fields = exif_fields(head[start:]) if start is not None else {}
    if ciff:
        fields.update(ciff_fields(whole))
    fields.pop("Orientation", None)  # applied to the pixels
    other = raw.other
    taken = getattr(other, "timestamp", None)
    if taken is not None and taken.year > 1970:  # LibRaw's capture time (0: none known)
        when = ("string", taken.strftime("%Y:%m:%d %H:%M:%S"))
        fields.setdefault("Exif:DateTimeOriginal", when)
        fields.setdefault("DateTime", when)
    if getattr(other, "artist", ""):
        fields.setdefault("Artist", ("string", str(other.artist)))
    if other.shutter_speed > 0:
        fields.setdefault("ExposureTime", ("float", float(other.shutter_speed)))
    if other.aperture > 0:
        fields.setdefault("FNumber", ("float", float(other.aperture)))
    if other.iso_speed > 0:
        fields.setdefault("Exif:ISOSpeedRatings", ("int", round(other.iso_speed)))
    if other.focal_length > 0:
        fields.setdefault("Exif:FocalLength", ("float", float(other.focal_length)))
    return fields


def _demosaic(raw: Any, half: bool) -> np.ndarray:
    rawpy = _rawpy()
    try:
        rgb = raw.postprocess(
            demosaic_algorithm=rawpy.DemosaicAlgorithm.LINEAR,
            half_size=half,
            use_camera_wb=False,
            user_wb=[1.0, 1.0, 1.0, 1.0],
            output_color=rawpy.ColorSpace.raw,
            output_bps=16,
            gamma=(1.0, 1.0),
            no_auto_bright=True,
            adjust_maximum_thr=0.0,
            highlight_mode=rawpy.HighlightMode.Ignore,
            user_flip=0,
        )
    except rawpy.LibRawError as exc:
        raise InputError(f"cannot demosaic the raw file ({type(exc).__name__})") from None
    return rgb


def _to_linear(
    rgb16: np.ndarray,
    clip: np.ndarray,
    whites: np.ndarray,
    black: np.ndarray,
    white_level: float,
    bayer: bool,
    wb: np.ndarray,
    matrix: np.ndarray,
    flip: int,
) -> tuple[np.ndarray, np.ndarray]:
    """LibRaw's demosaiced 16-bit camera RGB → linear output pixels (each channel's own
    white at its white-balance multiplier, then the camera matrix) and the clip mask
    matched to its size, both oriented as the file says."""
    from hdr_studio.core.gamut import apply_matrix

    hh, ww = rgb16.shape[:2]
    clip = clip[:hh, :ww]
    if clip.shape[:2] != (hh, ww):  # odd sizes: LibRaw's picture has a row or column more
        pad = ((0, hh - clip.shape[0]), (0, ww - clip.shape[1]), (0, 0))
        clip = np.pad(clip, pad, mode="edge")
    # LibRaw scaled every channel by 65535 / (white − black) with the file's one white:
    # rescale so that 1.0 is each channel's own white (the level its mask was made at).
    common = float(white_level)
    channel_white = np.array(
        [whites[0], min(whites[1], whites[3]) if bayer else whites[1], whites[2]]
    )
    scale = (common - black[:3]) / np.maximum(channel_white - black[:3], 1.0) / 65535.0
    linear = apply_matrix(rgb16.astype(np.float32), matrix @ np.diag(scale * wb))
    linear = _orient(linear, flip)
    clip = _orient(clip, flip)
    return linear, clip


def default_crop(sizes: Any, half: bool = False) -> tuple[tuple[int, int], ...] | None:
    """((top, bottom), (left, right)) of the camera's default crop within LibRaw's picture
    (its visible area: DNG's DefaultCropOrigin/Size, LibRaw's own for other makes), or
    None when there is none or it is the whole picture. A DNG's border outside it (the
    Blackmagic's last four columns are black) was kept, and counted as under-exposed."""
    width, height = int(getattr(sizes, "crop_width", 0)), int(getattr(sizes, "crop_height", 0))
    if width <= 0 or height <= 0:
        return None
    top = int(sizes.crop_top_margin) - int(sizes.top_margin)
    left = int(sizes.crop_left_margin) - int(sizes.left_margin)
    if top < 0 or left < 0 or top + height > sizes.height or left + width > sizes.width:
        return None  # not within the picture: not what this reading of the fields expects
    if (width, height) == (sizes.width, sizes.height):
        return None
    k = 2 if half else 1
    return (top // k, (top + height) // k), (left // k, (left + width) // k)


def read_raw(path: Path, max_pixels: int, half: bool = False) -> Any:
    """Decode the camera raw file ``path`` (see module docstring) to an
    :class:`~hdr_studio.core.image.Image` in linear Rec.2020 with ``sensor_clip`` and
    ``raw`` set. ``half``: a half-size decode (each 2×2 block one pixel), for a quick first
    picture."""
    from hdr_studio.core.image import Image

    raw = _open(path)
    try:
        sizes = raw.sizes
        w, h = sizes.width, sizes.height
        if w * h > max_pixels:
            raise _fail(path, f"image is {w}x{h}, above the limit of {megapixels(max_pixels)}")
        notes: list[str] = []
        bayer = raw.raw_pattern is not None and raw.num_colors == 3
        visible = raw.raw_image_visible
        colours = raw.raw_colors_visible if bayer else None
        whites = _white_levels(raw, visible, colours, 4 if bayer else 3)
        black = np.asarray(raw.black_level_per_channel, dtype=np.float64)
        reach = 1 if bayer and np.shape(raw.raw_pattern)[0] == 2 else 2  # type: ignore[arg-type]
        clip = sensor_clip_mask(visible, colours, whites, reach, half)
        rgb16 = _demosaic(raw, half)
        wb, wb_note = _white_balance(raw)
        preview = _preview_linear(raw) if wb_note == NO_AS_SHOT else None
        matrix, note = _camera_to_output(raw)
        notes += [note] if note else []
        flip = sizes.flip
        crop = default_crop(sizes, half)
        white_level = raw.white_level
        metadata = _metadata(path, raw)
    finally:
        raw.close()
    if crop is not None:  # before orienting: LibRaw's picture is as the sensor reads
        (top, bottom), (left, right) = crop
        rgb16, clip = rgb16[top:bottom, left:right], clip[top:bottom, left:right]
    linear, clip = _to_linear(rgb16, clip, whites, black, white_level, bayer, wb, matrix, flip)
    if preview is not None:  # no as-shot balance: the camera's preview says what it chose
        gains = preview_balance(linear, clip, matrix, preview)
        if gains is not None:  # the gains in camera space, applied to the output's pixels
            from hdr_studio.core.gamut import apply_matrix

            wb, wb_note = wb * gains, FROM_PREVIEW
            linear = apply_matrix(linear, matrix @ np.diag(gains) @ np.linalg.inv(matrix))
    notes += [wb_note] if wb_note else []
    code = sensor_code(linear, clip)
    info = RawInfo(
        camera_to_output=matrix.astype(np.float32),
        clip_levels=wb.astype(np.float32),
        white_balance=wb.astype(np.float32),
    )
    return Image(
        linear=np.ascontiguousarray(linear, dtype=np.float32),
        code=code,
        primaries="rec2020",
        transfer="linear",
        bit_depth=16,
        source_format="raw",
        source_path=path,
        metadata=metadata,
        notes=notes,
        sensor_clip=clip,
        raw=info,
    )


def quick_picture(path: str | Path, max_pixels: int = 200_000_000) -> Any:
    """A first picture of a raw file to show while the full decode runs: its embedded
    JPEG preview when it has one at least a quarter of the raw's width, else a half-size
    decode (each 2×2 block one pixel). An :class:`~hdr_studio.core.image.Image` whose
    ``source_format`` says which (``"raw preview"`` / ``"raw half-size"``)."""
    from dataclasses import replace

    path = Path(path)
    raw = _open(path)
    try:
        width = raw.sizes.width
        px = _jpeg_preview(raw)
    finally:
        raw.close()
    if px is not None and px.shape[1] * 4 >= width:
        from hdr_studio.core.image import Image

        code = px[..., :3].astype(np.float32) / np.float32(255)
        return Image.from_pixels(
            code, source_format="raw preview", source_path=path, bit_depth=8, levels=256
        )
    image = read_raw(path, max_pixels, half=True)
    return replace(image, source_format="raw half-size")
