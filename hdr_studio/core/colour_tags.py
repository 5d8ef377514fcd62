"""What a file's colour tags say about its pixels: ITU-T H.273 code points (PNG cICP, AVIF
and HEIF nclx) and embedded ICC profiles, as the primaries and transfer names the reader
decodes with. Shared by the OpenImageIO reader and the HEIF reader (its own module, so they
do not import each other)."""

from __future__ import annotations

from pathlib import Path

from hdr_studio.core.icc import parse_icc

#: H.273 colour primaries code points → primaries name.
CICP_PRIMARIES = {1: "rec709", 9: "rec2020", 12: "p3"}
#: H.273 transfer characteristics code points → transfer name.
CICP_TRANSFER = {
    13: "srgb",
    16: "pq",
    8: "linear",
    18: "hlg",
    4: "gamma:2.2",
    **dict.fromkeys((1, 6, 14, 15), "gamma:2.4"),  # BT.709-family SDR: BT.1886 display
}


def decode_nclx(path: Path, primaries: int, transfer: int) -> tuple[str, str]:
    """(primaries, transfer) names for ITU-T H.273 code points (cICP, nclx): BT.709, P3 and
    BT.2020 primaries; sRGB, BT.709-family, linear, PQ and HLG transfers; others are read
    as sRGB / BT.709."""
    return CICP_PRIMARIES.get(primaries, "rec709"), CICP_TRANSFER.get(transfer, "srgb")


def icc_encoding(
    icc: bytes, notes: list[str], is_float: bool = False
) -> tuple[str, str] | tuple[None, None]:
    """(primaries, transfer) an embedded ICC profile declares, or (None, None) with a note
    when it is unreadable or unknown (the caller then assumes sRGB)."""
    try:
        enc = parse_icc(icc)
    except ValueError:
        notes.append("embedded ICC profile is unreadable; assuming sRGB")
        return None, None
    if enc.primaries is None:
        notes.append(f"unrecognised ICC profile '{enc.description}'; assuming sRGB")
        return None, None
    if is_float:
        return enc.primaries, "linear"
    return enc.primaries, "srgb" if enc.transfer == "table" else enc.transfer
