"""Pixels for showing, the front door of every view (the app's canvas, histograms and CIE
plot; the bridge's previews): tone mapping an HDR result for an SDR screen, display code
values, PQ for an HDR screen, colour primaries, luminance, the chromaticity diagram and the
maps that show what a reconstruction invented and how sure it was."""

from hdr_studio.core.chromaticity import gamut_triangle, spectral_locus, subsample_xy
from hdr_studio.core.decompose import detail_visual
from hdr_studio.core.gamut import PRIMARIES, convert_primaries, luminance
from hdr_studio.core.strength import invented_fraction, scaled_spread
from hdr_studio.core.tonemap import limit_peak, to_display_uint8, tonemap_to_sdr
from hdr_studio.core.transfer import REFERENCE_WHITE_NITS, decode, encode, pq_encode, srgb_encode

__all__ = [
    "PRIMARIES",
    "REFERENCE_WHITE_NITS",
    "convert_primaries",
    "decode",
    "detail_visual",
    "encode",
    "gamut_triangle",
    "invented_fraction",
    "limit_peak",
    "luminance",
    "pq_encode",
    "scaled_spread",
    "spectral_locus",
    "srgb_encode",
    "subsample_xy",
    "to_display_uint8",
    "tonemap_to_sdr",
]
