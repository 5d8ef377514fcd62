"""The file formats HDR Studio reads: one catalogue that the app's Open dialog, the desktop
entry's MIME types, the batch input filter and ``hdr-studio --help`` all ask.

Each :class:`ReadFormat` names its extensions, its MIME types and the optional extra (the
``pip install 'hdr-studio[EXTRA]'`` name) its decoder comes from; ``None`` means the plain
install reads it. Export formats are described by
:data:`hdr_studio.core.export.FORMATS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec

__all__ = [
    "RAW_EXTENSIONS",
    "READ_FORMATS",
    "ReadFormat",
    "available",
    "format_for_extension",
    "mime_types",
    "open_filter",
    "readable_extensions",
    "readable_summary",
]


@dataclass(frozen=True)
class ReadFormat:
    """A readable format: ``name`` (short, for messages), ``description``, ``extensions``
    (lower case, with the dot), ``mime_types`` (freedesktop names for the desktop entry),
    ``extra``: the optional dependency group its decoder comes from (``None``: built in),
    ``module``: the Python module that decoder needs (checked by :func:`available`)."""

    name: str
    description: str
    extensions: tuple[str, ...]
    mime_types: tuple[str, ...]
    extra: str | None = None
    module: str | None = None


#: Camera raw extensions LibRaw reads (through ``rawpy``), lower case.
RAW_EXTENSIONS: tuple[str, ...] = (
    ".dng",
    ".cr2",
    ".cr3",
    ".crw",
    ".nef",
    ".nrw",
    ".arw",
    ".srf",
    ".sr2",
    ".raf",
    ".orf",
    ".rw2",
    ".rwl",
    ".pef",
    ".ptx",
    ".srw",
    ".x3f",
    ".kdc",
    ".dcr",
    ".k25",
    ".mrw",
    ".3fr",
    ".fff",
    ".iiq",
    ".erf",
    ".mef",
    ".mos",
    ".raw",
)

READ_FORMATS: tuple[ReadFormat, ...] = (
    ReadFormat(
        "jpeg",
        "JPEG (also Ultra HDR / ISO 21496-1 gain-map JPEG)",
        (".jpg", ".jpeg"),
        ("image/jpeg",),
    ),
    ReadFormat("png", "PNG 8/16-bit (cICP PQ honoured)", (".png",), ("image/png",)),
    ReadFormat("tiff", "TIFF 8/16-bit and float", (".tif", ".tiff"), ("image/tiff",)),
    ReadFormat("openexr", "OpenEXR", (".exr",), ("image/x-exr",)),
    ReadFormat("hdr", "Radiance RGBE", (".hdr",), ("image/vnd.radiance",)),
    ReadFormat("webp", "WebP", (".webp",), ("image/webp",)),
    ReadFormat("jpegxl", "JPEG XL (PQ/HLG honoured)", (".jxl",), ("image/jxl",)),
    ReadFormat("avif", "AVIF 8/10/12-bit (PQ/HLG honoured)", (".avif",), ("image/avif",)),
    ReadFormat("gif", "GIF (first frame)", (".gif",), ("image/gif",)),
    ReadFormat(
        "heif",
        "HEIC/HEIF 8/10-bit (PQ/HLG, gain maps)",
        (".heic", ".heif", ".hif"),
        ("image/heic", "image/heif"),
        extra="heif",
        module="pillow_heif",
    ),
    ReadFormat(
        "raw",
        "Camera raw (LibRaw: CR2, CR3, NEF, ARW, RAF, ORF, RW2, PEF, DNG, …)",
        RAW_EXTENSIONS,
        (
            "image/x-adobe-dng",
            "image/x-canon-cr2",
            "image/x-canon-cr3",
            "image/x-canon-crw",
            "image/x-nikon-nef",
            "image/x-nikon-nrw",
            "image/x-sony-arw",
            "image/x-sony-sr2",
            "image/x-sony-srf",
            "image/x-fuji-raf",
            "image/x-olympus-orf",
            "image/x-panasonic-rw2",
            "image/x-panasonic-raw",
            "image/x-pentax-pef",
            "image/x-samsung-srw",
            "image/x-sigma-x3f",
            "image/x-kodak-kdc",
            "image/x-kodak-dcr",
            "image/x-kodak-k25",
            "image/x-minolta-mrw",
            "image/x-hasselblad-3fr",
            "image/x-phaseone-iiq",
            "image/x-epson-erf",
            "image/x-leaf-mos",
            "image/x-mamiya-mef",
        ),
        extra="raw",
        module="rawpy",
    ),
)


def available(fmt: ReadFormat) -> bool:
    """Whether ``fmt``'s decoder is installed here."""
    return fmt.module is None or find_spec(fmt.module) is not None


def readable_extensions() -> frozenset[str]:
    """Every extension of :data:`READ_FORMATS` (lower case, with the dot)."""
    return frozenset(ext for fmt in READ_FORMATS for ext in fmt.extensions)


def format_for_extension(ext: str) -> ReadFormat | None:
    """The readable format that claims the extension ``ext`` (``".CR2"`` → raw), if any."""
    ext = ext.lower()
    return next((f for f in READ_FORMATS if ext in f.extensions), None)


def mime_types() -> tuple[str, ...]:
    """The MIME types of every readable format, in catalogue order (desktop entry)."""
    return tuple(m for fmt in READ_FORMATS for m in fmt.mime_types)


def open_filter() -> str:
    """A file-dialog name filter: every readable extension (both cases, since file
    dialogs on Linux match case-sensitively), then one filter per format, then all files."""

    def globs(exts: tuple[str, ...]) -> str:
        return " ".join(f"*{e} *{e.upper()}" for e in exts)

    every = tuple(sorted(readable_extensions()))
    parts = [f"Images ({globs(every)})"]
    parts += [f"{fmt.description} ({globs(fmt.extensions)})" for fmt in READ_FORMATS]
    parts.append("All files (*)")
    return ";;".join(parts)


def readable_summary() -> str:
    """One paragraph for ``--help``: the formats read, and the extras some need."""
    plain = [f.name for f in READ_FORMATS if f.extra is None]
    extra = [f"{f.name} (extra [{f.extra}])" for f in READ_FORMATS if f.extra is not None]
    return "Reads " + ", ".join(plain + extra) + "."
