"""What the window shows, computed without a window: the tone-map cache, frames, the
full-resolution detail policy, panels; and the document controller on a Qt event loop with
no window shown."""

from __future__ import annotations

import numpy as np

from hdr_studio.app.model import render
from hdr_studio.app.model.frames import (
    FrameInputs,
    compute_detail,
    compute_frame,
    compute_panels,
    detail_inputs,
)
from hdr_studio.app.model.state import AppState
from hdr_studio.app.model.tonemap_cache import ToneMapCache
from hdr_studio.core.image import Image
from hdr_studio.core.result import ResultKind
from tests.helpers import gradient


def _state(h=60, w=90) -> tuple[AppState, render.DisplayLevel]:
    state = AppState()
    image = Image.from_pixels(gradient(h, w))
    state.document.update(image=image)
    return state, render.DisplayLevel.of(image)


def test_cache_keys_on_content_versions_not_identity():
    state, level = _state()
    doc = state.document
    cache = ToneMapCache(size=2)
    doc.update(result=doc.image.linear * 0.25)
    state.view.update(layer="result")
    dark = compute_frame(FrameInputs.capture(state, level), cache).before
    v = doc.version("result")
    doc.update(result=doc.image.linear * 4.0)  # a new result, whatever its id()
    assert doc.version("result") == v + 1
    bright = compute_frame(FrameInputs.capture(state, level), cache).before
    assert bright.mean() > dark.mean() + 20
    assert len(cache) == 2  # bounded: the oldest rendering went


def test_frame_modes_and_overlay():
    state, level = _state()
    doc = state.document
    cache = ToneMapCache()
    frame = compute_frame(FrameInputs.capture(state, level), cache)
    assert frame.after is None and frame.overlay is not None and frame.factor == 1
    state.overlay.update(enabled=False)
    doc.update(result=doc.image.linear * 2)
    state.view.update(compare="split")
    frame = compute_frame(FrameInputs.capture(state, level), cache)
    assert frame.overlay is None and frame.after is not None
    assert frame.after.shape == frame.before.shape


def test_invented_light_overlay_marks_the_result():
    state, level = _state()
    doc = state.document
    result = doc.image.linear.copy()
    result[:20, :30] *= 4.0  # three quarters of this light invented
    doc.update(result=result)
    state.overlay.update(mode="invented", opacity=1.0)
    state.view.update(compare="split")
    frame = compute_frame(FrameInputs.capture(state, level), ToneMapCache())
    assert frame.overlay_on_result and tuple(frame.overlay[5, 5, :3]) == render.INVENTED
    bright = doc.image.linear[:20, :30].max(axis=2) > 0.01
    alpha = frame.overlay[:20, :30, 3][bright]
    assert abs(int(np.median(alpha)) - 191) <= 1  # 0.75 of 255
    assert frame.overlay[40:, 60:, 3].max() == 0  # measured pixels: nothing
    doc.update(result=None)
    assert compute_frame(FrameInputs.capture(state, level), ToneMapCache()).overlay is None


def test_uncertain_overlay_shows_where_mirror_passes_disagree():
    """Mode "uncertain": cyan over the result, as opaque as the passes' disagreement (one
    stop = opaque) times the strength shown; nothing without mirror passes."""
    from hdr_studio.api.engine import Outcome
    from hdr_studio.core.result import ModelResult

    state, level = _state()
    doc = state.document
    result = doc.image.linear * 2.0
    spread = np.zeros(result.shape[:2], np.float32)
    spread[:20, :30] = 0.5  # half a stop of disagreement here
    outcome = Outcome(
        image=doc.image,
        method="masked",
        kind=ResultKind.HDR,
        pixels=result,
        results=ModelResult(hdr=result, spread=spread),
        metadata={"strength": 1.0},
    )
    doc.update(result=result, outcome=outcome)
    state.overlay.update(mode="uncertain", opacity=1.0)
    state.view.update(compare="split")
    frame = compute_frame(FrameInputs.capture(state, level), ToneMapCache())
    assert frame.overlay_on_result and tuple(frame.overlay[5, 5, :3]) == render.UNCERTAIN
    assert abs(int(frame.overlay[5, 5, 3]) - 128) <= 1 and frame.overlay[40:, 60:, 3].max() == 0
    outcome.metadata["strength"] = 1.5  # the slider scales the extrapolation, and its doubt
    frame = compute_frame(FrameInputs.capture(state, level), ToneMapCache())
    assert abs(int(frame.overlay[5, 5, 3]) - 191) <= 1
    outcome.results.spread = None  # one pass: nothing to show
    assert compute_frame(FrameInputs.capture(state, level), ToneMapCache()).overlay is None


def test_detail_only_when_zoomed_past_the_display_level():
    state, _ = _state(60, 90)
    small_level = render.DisplayLevel.of(state.document.image)
    assert detail_inputs(state, small_level, (0, 0, 90, 60, 4.0)) is None  # factor 1
    big = Image.from_pixels(np.tile(gradient(), (50, 50, 1)))  # 2400 × 3200
    state.document.update(image=big)
    level = render.DisplayLevel.of(big)
    assert level.factor == 2
    assert detail_inputs(state, level, (0, 0, 400, 300, 0.5)) is None  # fit: enough
    inp = detail_inputs(state, level, (100, 50, 500, 350, 1.0))
    assert inp is not None and inp.cut == 400 and inp.right is None
    rgb, x0, y0 = compute_detail(inp)
    assert rgb.shape == (300, 400, 3) and (x0, y0) == (100, 50)
    state.document.update(result=big.linear * 0.25)
    state.view.update(compare="split", split=0.05)  # line at x = 160
    inp = detail_inputs(state, level, (100, 50, 500, 350, 1.0))
    assert inp.cut == 60 and inp.right is not None
    rgb, _, _ = compute_detail(inp)
    assert rgb[:, :60].mean() > rgb[:, 60:].mean()
    # the invented-light map at full resolution, over the result's side only
    brighter = big.linear.copy()
    brighter[:, 200:] *= 4.0
    state.document.update(result=brighter)
    state.overlay.update(mode="invented", enabled=True, opacity=1.0)
    inp = detail_inputs(state, level, (100, 50, 500, 350, 1.0))
    rgb, _, _ = compute_detail(inp)
    plain = detail_inputs(state, level, (100, 50, 500, 350, 1.0))
    plain = type(plain)(**{**plain.__dict__, "overlay": None})
    base, _, _ = compute_detail(plain)
    assert np.array_equal(rgb[:, :60], base[:, :60])  # left of the line: the photo, no map
    lit = big.linear[50:350, 200:500].max(axis=2) > 0.05
    magenta = (rgb[:, 100:, 0] > rgb[:, 100:, 1] + 60) & (rgb[:, 100:, 2] > rgb[:, 100:, 1] + 60)
    assert magenta[lit].mean() > 0.9  # three quarters invented: strongly marked


def test_panels_use_the_images_primaries():
    lin = np.zeros((8, 8, 3), np.float32)
    lin[..., 1] = 1.0  # pure green: its chromaticity and luminance depend on the primaries
    for prim, y in (("rec709", 0.7152), ("rec2020", 0.6780)):
        image = Image.from_pixels(lin, prim, "linear")
        level = render.DisplayLevel.of(image)
        out = compute_panels(level, prim, image.code, None, True, (0.98, 0.01))
        assert out["hist"].unit == "code" and out["hist"].counts[1, -1] == 64
        from hdr_studio.core.gamut import xy_primaries

        gx, gy = xy_primaries(prim)[1]
        rows, cols = out["density"].shape[:2]
        row = int(gy / render.DENSITY_RANGE[1] * rows)
        col = int(gx / render.DENSITY_RANGE[0] * cols)
        assert out["density"][row - 1 : row + 2, col - 1 : col + 2, 3].max() > 200
        assert out["base"].shape == (8, 8, 3) and out["thumb_result"] is None
        probe = render.probe(image, None, 1, 1, 203.0, 0.98, 0.01)
        assert f"{y * 203:.0f} cd/m²" in probe


def test_the_chromaticity_plot_shows_the_result_where_it_moved_pixels():
    """The result's points were every pixel of it, drawn over the photo's: where the
    reconstruction left a pixel alone (most of a photo) they hid the photo's points, and
    the plot turned orange. Now only the pixels it moved are the result's."""
    from hdr_studio.core.chromaticity import rgb_to_xy

    lin = np.zeros((16, 16, 3), np.float32)
    lin[..., 1] = 0.5  # a green photo
    lin[:4, :4] = 1.0  # a white patch, clipped
    result = lin.copy()
    result[:4, :4] = (3.0, 2.0, 1.0)  # the patch filled warm
    image = Image.from_pixels(lin, "rec709", "linear")
    level = render.DisplayLevel.of(image)
    out = compute_panels(level, "rec709", image.code, result, False, (0.98, 0.01))
    d = out["density"]
    rows, cols = d.shape[:2]

    def at(x, y):
        r, c = int(y / render.DENSITY_RANGE[1] * rows), int(x / render.DENSITY_RANGE[0] * cols)
        return d[r - 1 : r + 2, c - 1 : c + 2].reshape(-1, 4)

    def blue_ish(px):
        return px[px[:, 3] > 100][:, 2].mean() > px[px[:, 3] > 100][:, 0].mean()

    green = at(*rgb_to_xy(np.array([[0, 0.5, 0]], np.float32), "rec709")[0])
    assert green[:, 3].max() > 100 and blue_ish(green)  # the photo's, not hidden
    warm = at(*rgb_to_xy(np.array([[3.0, 2.0, 1.0]], np.float32), "rec709")[0])
    assert warm[:, 3].max() > 100 and not blue_ish(warm)  # the moved pixels: the result's
