"""What the viewer and the panels show, computed off the GUI thread from inputs captured on
it. Plain functions on numpy arrays (no Qt): the window captures a snapshot of the state,
hands one of these to a worker, and applies the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from hdr_studio.app.model import render
from hdr_studio.app.model.state import AppState
from hdr_studio.app.model.tonemap_cache import ToneMapCache

if TYPE_CHECKING:
    from hdr_studio.api.analysis import ClipStats, Mode
    from hdr_studio.api.types import Image

#: Largest full-resolution region rendered for the zoomed-in view (pixels).
DETAIL_MAX_PIXELS = 6_000_000
#: Zoom (screen pixels per display-level pixel × factor) from which the full-resolution
#: pixels are rendered.
DETAIL_ZOOM = 1.2

#: (mode, over, under, opacity, show_over, show_under): ``mode`` a clipping mode or one of
#: :data:`RESULT_MAPS`.
OverlayArgs = tuple[str, float, float, float, bool, bool]


def clipping_args(overlay: OverlayArgs) -> tuple[Mode, float, float, float, bool, bool]:
    """``overlay`` as the clipping overlay's arguments: its callers have drawn the result
    maps already, so the mode left is a clipping mode."""
    return (cast("Mode", overlay[0]), *overlay[1:])


@dataclass
class Frame:
    before: np.ndarray
    after: np.ndarray | None
    overlay: np.ndarray | None
    factor: int
    overlay_on_result: bool = False  # the invented-light overlay marks the result's side


@dataclass(frozen=True)
class FrameInputs:
    """A snapshot of what the main view shows."""

    level: render.DisplayLevel
    original_key: tuple
    result: np.ndarray | None
    result_key: tuple
    layer: str
    compare: str
    exposure: float
    base: np.ndarray | None
    detail: np.ndarray | None
    overlay: OverlayArgs | None  # None: overlay off
    spread: np.ndarray | None = None  # mirror passes' disagreement (stops), at strength 1
    strength: float = 1.0
    reference: np.ndarray | None = None  # the kept result A (A/B)
    reference_key: tuple = ()

    @classmethod
    def capture(cls, state: AppState, level: render.DisplayLevel) -> FrameInputs:
        doc, view, ov = state.document, state.view, state.overlay
        use_sdr = view.show_sdr_result and doc.result_sdr is not None
        field = "result_sdr" if use_sdr else "result"
        ref = doc.reference
        return cls(
            reference=None if ref is None else ref.pixels,
            reference_key=("reference", doc.version("reference")),
            level=level,
            original_key=("original", doc.version("image")),
            result=getattr(doc, field),
            result_key=(field, doc.version(field)),
            layer=view.layer,
            compare=view.compare,
            exposure=view.exposure,
            base=doc.base,
            detail=doc.detail,
            overlay=overlay_args(state) if ov.enabled else None,
            **_spread_args(doc),
        )


def overlay_args(state: AppState) -> OverlayArgs:
    ov = state.overlay
    return (ov.mode, ov.over, ov.under, ov.opacity, ov.show_over, ov.show_under)


def compute_frame(inp: FrameInputs, cache: ToneMapCache) -> Frame:
    """The main view's frame: the tone-mapped original and result (reduced to the display
    level here, on the worker, and cached per exposure), a layer, and the overlay."""
    level = inp.level
    space = level.primaries  # the photo's and its results'
    original = cache.get(inp.original_key, inp.exposure, lambda: level.linear, space)
    result = None
    if inp.result is not None:
        full = inp.result
        result = cache.get(
            inp.result_key, inp.exposure, lambda: render.reduce_mean(full, level.factor), space
        )
    # Whether the picture on the left (or alone) is the photo: the clipping overlay marks the
    # photo's pixels and never covers a result.
    photo_shown = True
    if inp.compare == "ab" and inp.reference is not None and result is not None:
        ref = inp.reference
        before = cache.get(
            inp.reference_key, inp.exposure, lambda: render.reduce_mean(ref, level.factor), space
        )
        after, photo_shown = result, False
    elif inp.compare in ("split", "side-by-side", "ab"):
        before, after = original, result
    elif inp.layer == "result" and result is not None:
        before, after, photo_shown = result, None, False
    elif inp.layer in ("base", "detail") and inp.base is not None and inp.detail is not None:
        layer = inp.base if inp.layer == "base" else inp.detail
        before, after = render.layer_rgb(inp.layer, layer), None
    else:
        before, after = original, None
    overlay = None
    if inp.overlay is not None and inp.overlay[0] == "invented":
        if inp.result is not None:  # where the result's light was invented, not measured
            from hdr_studio.api.display import invented_fraction

            reduced = render.reduce_mean(inp.result, level.factor)
            share = invented_fraction(reduced, level.linear)
            overlay = render.invented_overlay(share, inp.overlay[3])
        return Frame(before, after, overlay, level.factor, overlay_on_result=True)
    if inp.overlay is not None and inp.overlay[0] == "uncertain":
        if inp.result is not None and inp.spread is not None:
            reduced = render.reduce_mean(inp.spread, level.factor)
            overlay = _uncertain_overlay(reduced, inp.strength, inp.overlay[3])
        return Frame(before, after, overlay, level.factor, overlay_on_result=True)
    if inp.overlay is not None and photo_shown:
        overlay = render.overlay_for(level, *clipping_args(inp.overlay))
    return Frame(before, after, overlay, level.factor)


@dataclass(frozen=True)
class DetailInputs:
    """A full-resolution region to render: ``left`` pixels left of column ``cut`` (with the
    overlay of the photo's code values), ``right`` right of it (split view)."""

    code: np.ndarray
    left: np.ndarray
    right: np.ndarray | None
    region: tuple[int, int, int, int]
    cut: int
    exposure: float
    overlay: OverlayArgs | None
    measured: np.ndarray | None = None  # the linearised photo (for the invented-light map)
    result: np.ndarray | None = None  # the result, wherever it is shown
    spread: np.ndarray | None = None  # mirror passes' disagreement (stops), at strength 1
    strength: float = 1.0
    sensor: np.ndarray | None = None  # a raw file's sensor saturation (full resolution)
    primaries: str = "rec709"  # of ``left`` and ``right``
    shadows: np.ndarray | None = None  # the codes under-exposure is judged on


def detail_inputs(
    state: AppState,
    level: render.DisplayLevel | None,
    region: tuple[int, int, int, int, float] | None,
) -> DetailInputs | None:
    """When the view shows fewer than ~1.2 display-level pixels per screen pixel of a
    reduced image, the visible full-resolution region to render: in single view the shown
    layer, in split view the original left of the line (with the overlay) and the result
    right of it. ``None`` when the display level is enough (side-by-side views stay at
    display resolution)."""
    doc, view = state.document, state.view
    split = view.compare == "split" and doc.result is not None
    single = view.compare == "none" and view.layer in ("original", "result")
    if doc.image is None or level is None or level.factor == 1 or region is None:
        return None
    if not (split or single):
        return None
    x0, y0, x1, y1, zoom = region
    if zoom * level.factor < DETAIL_ZOOM or (x1 - x0) * (y1 - y0) > DETAIL_MAX_PIXELS:
        return None
    image = doc.image
    result = doc.result
    use_result = single and view.layer == "result" and result is not None
    cut = round(view.split * image.width) - x0 if split else x1 - x0
    return DetailInputs(
        code=image.code,
        left=result if use_result and result is not None else image.linear,
        right=doc.result if split else None,
        region=(x0, y0, x1, y1),
        cut=min(max(cut, 0), x1 - x0),
        exposure=view.exposure,
        overlay=overlay_args(state) if state.overlay.enabled else None,
        measured=image.linear,
        result=doc.result,
        sensor=image.sensor_clip,
        primaries=image.primaries,
        shadows=image.shadow_code,
        **_spread_args(doc),
    )


#: Overlay modes drawn over the result (not the photo's clipping).
RESULT_MAPS = ("invented", "uncertain")


def _spread_args(doc) -> dict:
    """The open result's mirror-pass disagreement and the strength it is shown at."""
    outcome = doc.outcome
    if outcome is None or doc.result is None or outcome.results.spread is None:
        return {}
    return {"spread": outcome.results.spread, "strength": outcome.metadata.get("strength", 1.0)}


def _uncertain_overlay(spread: np.ndarray, strength: float, opacity: float) -> np.ndarray:
    """Cyan, as opaque as the disagreement (at the shown strength; one stop = opaque)."""
    from hdr_studio.api.display import scaled_spread

    share = scaled_spread(spread, strength) / np.float32(render.UNCERTAIN_FULL_STOPS)
    return render.invented_overlay(share, opacity, render.UNCERTAIN)


def _result_map_detail(inp: DetailInputs, rgb: np.ndarray) -> None:
    """The invented-light or uncertainty map over the part of the region that shows the
    result."""
    from hdr_studio.api.display import invented_fraction

    x0, y0, x1, y1 = inp.region
    if inp.result is None or inp.measured is None or inp.overlay is None:
        return
    start = inp.cut if inp.right is not None else 0  # split: right of the line only
    if start >= x1 - x0:
        return
    if inp.overlay[0] == "uncertain":
        if inp.spread is None:
            return
        spread = np.ascontiguousarray(inp.spread[y0:y1, x0 + start : x1])
        overlay = _uncertain_overlay(spread, inp.strength, inp.overlay[3])
        rgb[:, start:] = render.blend_overlay(rgb[:, start:], overlay)
        return
    res = np.ascontiguousarray(inp.result[y0:y1, x0 + start : x1])
    meas = np.ascontiguousarray(inp.measured[y0:y1, x0 + start : x1])
    overlay = render.invented_overlay(invented_fraction(res, meas), inp.overlay[3])
    rgb[:, start:] = render.blend_overlay(rgb[:, start:], overlay)


def compute_detail(inp: DetailInputs) -> tuple[np.ndarray, int, int]:
    """(uint8 RGB of the region, x0, y0)."""
    from hdr_studio.api.analysis import clip_overlay

    x0, y0, x1, y1 = inp.region
    cut = inp.cut
    left = np.ascontiguousarray(inp.left[y0:y1, x0:x1])
    rgb = render.tonemapped(left, inp.exposure, primaries=inp.primaries)
    if inp.overlay is not None and inp.overlay[0] not in RESULT_MAPS and cut > 0:
        code = np.ascontiguousarray(inp.code[y0:y1, x0 : x0 + cut])
        sensor = None if inp.sensor is None else inp.sensor[y0:y1, x0 : x0 + cut]
        shadows = None if inp.shadows is None else inp.shadows[y0:y1, x0 : x0 + cut]
        overlay = clip_overlay(code, *clipping_args(inp.overlay), sensor=sensor, shadows=shadows)
        rgb[:, :cut] = render.blend_overlay(rgb[:, :cut], overlay)
    if inp.right is not None and cut < x1 - x0:
        after = np.ascontiguousarray(inp.right[y0:y1, x0 + cut : x1])
        rgb[:, cut:] = render.tonemapped(after, inp.exposure, primaries=inp.primaries)
    if inp.overlay is not None and inp.overlay[0] in RESULT_MAPS:
        _result_map_detail(inp, rgb)
    return rgb, x0, y0


THUMB_SIDE = 320


def changed_pixels(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """(H, W) bool: where ``after`` differs from ``before`` by more than rounding (both
    (H, W, 3) linear); all of it when their sizes differ."""
    if before.shape != after.shape:
        return np.ones(after.shape[:2], bool)
    tol = np.float32(1e-4) * np.maximum(np.abs(before), np.float32(1.0))
    return np.any(np.abs(after - before) > tol, axis=-1)


def compute_panels(
    level: render.DisplayLevel,
    primaries: str,
    code: np.ndarray,
    result: np.ndarray | None,
    need_layers: bool,
    thresholds: tuple[float, float],
    image: Image | None = None,
) -> dict[str, Any]:
    """The panels' content: chromaticity density before/after, the RGB histogram (of the
    photo's code values, or of the result in stops; with the shares clipped at
    ``thresholds`` (over, under): ``image``'s own at full resolution, as the Clipping panel
    counts them, when given), layer thumbnails, and (once per photo) the WLS base and
    detail layers of the display level."""
    from hdr_studio.api.decomposition import decompose
    from hdr_studio.api.display import subsample_xy

    out: dict[str, Any] = {}
    xy_before = subsample_xy(level.linear, primaries, 200_000)
    res_lin = None if result is None else render.reduce_mean(result, level.factor)
    xy_after = None
    if res_lin is not None:
        # only the pixels the reconstruction moved: the rest are the photo's own, and drawn
        # over its points they hid them all
        moved = changed_pixels(level.linear, res_lin)
        if moved.any():
            xy_after = subsample_xy(res_lin[moved], primaries, 200_000)
    out["density"] = render.density(xy_before, xy_after)
    code_level = render.reduce_mean(code, level.factor)
    out["hist"], out["stats"] = compute_histogram(level, code_level, res_lin, thresholds, image)
    thumb_f = render.display_factor(*level.linear.shape[:2], max_side=THUMB_SIDE)
    out["thumb_original"] = render.tonemapped(
        render.reduce_mean(level.linear, thumb_f), primaries=primaries
    )
    out["thumb_result"] = (
        None
        if res_lin is None
        else render.tonemapped(render.reduce_mean(res_lin, thumb_f), primaries=primaries)
    )
    if need_layers:
        layers = decompose(code_level)
        base, detail = layers.base, layers.detail
        out["base"], out["detail"] = base, detail
        f = render.display_factor(*base.shape[:2], max_side=THUMB_SIDE)
        for kind, layer in (("base", base), ("detail", detail)):
            out[f"thumb_{kind}"] = render.layer_rgb(kind, render.reduce_mean(layer, f))
    return out


def compute_histogram(
    level: render.DisplayLevel,
    code_level: np.ndarray,
    result_level: np.ndarray | None,
    thresholds: tuple[float, float],
    image: Image | None = None,
) -> tuple[render.Histogram, ClipStats | None]:
    """The histogram of the display level (photo: ``code_level``, its mean code values; or
    ``result_level``) with the shares clipped at ``thresholds``, and the statistics they
    come from: ``image``'s at full resolution (what the Clipping panel shows: the two
    disagreed, 1.66 % against 1.35 % on a raw), else the display level's
    (:func:`render.clipped_shares`)."""
    if image is None:
        return render.rgb_histogram(
            code_level, result_level, render.clipped_shares(level, *thresholds)
        ), None
    stats = photo_stats(image, thresholds)
    shares = (stats.over_any, stats.under_any)
    return render.rgb_histogram(code_level, result_level, shares), stats


def photo_stats(image: Image, thresholds: tuple[float, float]) -> ClipStats:
    """The photo's clipping at ``thresholds`` (over, under), at full resolution."""
    from hdr_studio.api.analysis import analyse

    return analyse(image, *thresholds).stats
