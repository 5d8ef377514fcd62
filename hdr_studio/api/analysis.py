"""The clipping analysis, the front door every front end uses: statistics (shares per
channel, any and all channels, connected regions), the overlay that marks what clipped, and
the photo's own facts beside them. Parameters and their defaults: the table
:data:`hdr_studio.api.parameters.ANALYSE` (one overlay mode by default everywhere:
:data:`~hdr_studio.core.clipping.DEFAULT_MODE`, ``any``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hdr_studio.api.photos import DEFAULT_MAX_PIXELS, read_photo
from hdr_studio.core.clipping import (
    DEFAULT_MODE,
    DEFAULT_OVER,
    DEFAULT_UNDER,
    ClipStats,
    Mode,
    clip_overlay,
    clip_stats,
    over_mask,
)
from hdr_studio.core.image import Image


def check_thresholds(over: float, under: float) -> None:
    """``ValueError`` unless ``under`` is below ``over``."""
    if under >= over:
        raise ValueError("under must be below over")


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyse` found. ``stats``: :class:`ClipStats` (per-channel shares, any
    and all channels, region counts and the largest regions); ``over``/``under``: the
    thresholds used (a raw photo's over-exposure is its sensor's saturation instead)."""

    image: Image
    stats: ClipStats
    over: float
    under: float

    @property
    def over_source(self) -> str:
        """``sensor`` for a raw photo's own saturation, else ``threshold``."""
        return "sensor" if self.image.sensor_clip is not None else "threshold"

    def overlay(
        self,
        mode: Mode = DEFAULT_MODE,
        opacity: float = 1.0,
        show_over: bool = True,
        show_under: bool = True,
    ) -> np.ndarray:
        """RGBA uint8 ``(H, W, 4)``: red where over-exposed, green where under-exposed
        (``mode`` ``any`` or ``all`` channels), or the channels that clipped (``channel``);
        transparent elsewhere."""
        return overlay_of(self.image, mode, self.over, self.under, opacity, show_over, show_under)

    def hdr_photo(self) -> dict[str, Any] | None:
        """The photo's own HDR (a gain map, or PQ/HLG encoding), or None for an SDR photo."""
        image = self.image
        if image.gain_map is not None:
            return image.gain_map.to_dict()
        if image.transfer in ("pq", "hlg"):
            return {"encoding": image.transfer}
        return None

    def to_dict(self) -> dict[str, Any]:
        """The statistics and the photo's facts (the CLI's ``analyze --json``)."""
        image = self.image
        d = self.stats.to_dict()
        d.update(
            path=str(image.source_path) if image.source_path is not None else None,
            primaries=image.primaries,
            transfer=image.transfer,
            bit_depth=image.bit_depth,
            format=image.source_format,
            over_source=self.over_source,
            hdr_photo=self.hdr_photo(),
        )
        return d


def overlay_of(
    image: Image,
    mode: Mode = DEFAULT_MODE,
    over: float = DEFAULT_OVER,
    under: float = DEFAULT_UNDER,
    opacity: float = 1.0,
    show_over: bool = True,
    show_under: bool = True,
) -> np.ndarray:
    """The clipping overlay of ``image`` without its statistics (:meth:`Analysis.overlay`):
    RGBA uint8 ``(H, W, 4)``, a raw photo's over-exposure by its sensor's saturation."""
    return clip_overlay(
        image.code,
        mode=mode,
        over=over,
        under=under,
        opacity=opacity,
        show_over=show_over,
        show_under=show_under,
        sensor=image.sensor_clip,
        shadows=image.shadow_code,
    )


def analyse(
    image: Image | str | Path,
    over: float = DEFAULT_OVER,
    under: float = DEFAULT_UNDER,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Analysis:
    """The clipping statistics of ``image`` (a photo in memory, or a file to read) at the
    thresholds ``over``/``under`` (code values in [0, 1]; a raw photo's over-exposure is its
    sensor's own saturation). ``ValueError`` when ``under`` is not below ``over``."""
    check_thresholds(over, under)
    if not isinstance(image, Image):
        image = read_photo(image, max_pixels)
    # kept with the photo: the app asks again for the same thresholds (the open, then its
    # panels, then every reconstruction's panels) and a 12 MP photo's count is full-size work
    known: dict = image.__dict__.setdefault("_clip_stats", {})
    key = (float(over), float(under))
    stats = known.get(key)
    if stats is None:
        stats = clip_stats(
            image.code, over=over, under=under, sensor=image.sensor_clip, shadows=image.shadow_code
        )
        if len(known) >= 8:
            known.clear()
        known[key] = stats
    return Analysis(image, stats, over, under)


def clipped_share(image: Image, over: float = DEFAULT_OVER) -> float:
    """The share of ``image``'s pixels over-exposed in any channel (0–1)."""
    return float(over_mask(image.code, over).mean())


def write_overlay(overlay: np.ndarray, path: str | Path, force: bool, image: Image) -> Path:
    """Write an overlay (RGBA uint8) as an 8-bit PNG, atomically; never over ``image``'s
    own file; an existing file only with ``force``."""
    from hdr_studio.core.export import write_array

    sources = (Path(image.source_path),) if image.source_path is not None else ()
    return write_array(overlay, path, "png8", force=force, sources=sources)


__all__ = [
    "DEFAULT_MODE",
    "DEFAULT_OVER",
    "DEFAULT_UNDER",
    "Analysis",
    "ClipStats",
    "Mode",
    "analyse",
    "check_thresholds",
    "clip_overlay",
    "clipped_share",
    "overlay_of",
    "read_photo",
    "write_overlay",
]
