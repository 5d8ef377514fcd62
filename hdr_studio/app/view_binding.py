"""How the window follows its models: what the viewer draws (computed on workers from a
snapshot of the state), the panels that follow a photo or a result, the compare labels,
the zoom readout, the undo/redo actions, the status bar. One object, so the window itself
only builds and routes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6 import QtCore, QtWidgets

from hdr_studio.app.menus import sync_job_actions, sync_view_actions
from hdr_studio.app.model import render
from hdr_studio.app.model.frames import (
    Frame,
    FrameInputs,
    compute_detail,
    compute_frame,
    compute_panels,
    detail_inputs,
    photo_stats,
)
from hdr_studio.app.workers import LatestOnly

#: What the single view names (the photo itself is not named).
SINGLE_LABELS = {"base": "Base layer (WLS)", "detail": "Detail layer (WLS)"}


def compare_labels(state) -> tuple[str, str]:
    """The names of the two sides the viewer compares; in single view, the name of what
    is shown when it is not the photo (a layer was shown with nothing to say which)."""
    doc, mode = state.document, state.view.compare
    result = doc.result_label  # the SDR result, when shown, named as such (it was not)
    if state.view.show_sdr_result and doc.result_sdr is not None:
        result += " · SDR result"
    if mode == "none" and doc.image is not None:
        layer = state.view.layer
        if layer == "result" and doc.result is not None:
            return f"Result — {result}", ""
        return SINGLE_LABELS.get(layer, ""), ""
    if doc.result is None or mode == "none":
        return "", ""
    if mode == "ab" and doc.reference is not None:
        return f"A — {doc.reference.label}", f"B — {result}"
    return "Before — photo", f"After — {result}"


def shown_at(state, part: int) -> tuple[str, Any]:
    """What the view shows in ``part`` (the viewer's ``hovered``: 0 left of the split line,
    the first pane or the single view; 1 right of the line or the second pane): its name
    for the pixel probe and its pixels (None: the photo's own). The probe read the result
    wherever there was one, so the photo's side of a comparison showed the result's values."""
    doc, view = state.document, state.view
    result = doc.result
    if view.compare == "ab" and doc.reference is not None:
        return ("A", doc.reference.pixels) if part == 0 else ("B", result)
    if view.compare in ("split", "side-by-side") and result is not None:
        return ("photo", None) if part == 0 else ("result", result)
    if view.layer == "result" and result is not None:
        return "result", result
    return "photo", None


class ViewBinding(QtCore.QObject):
    def __init__(self, win) -> None:
        super().__init__(win)
        self.win = win
        self.state = s = win.state
        self.viewer = win.viewer
        self.docks = win.docks
        self.renderer = LatestOnly(self._apply_frame, parent=self)
        self.panel_worker = LatestOnly(self._apply_panels, debounce_ms=50, parent=self)
        self.histogram_worker = LatestOnly(self._apply_histogram, debounce_ms=50, parent=self)
        # Zoomed in past the display level: render the visible region at full resolution.
        self.detail_worker = LatestOnly(self._apply_detail, debounce_ms=80, parent=self)
        self.zoom_label = QtWidgets.QLabel("")
        self.zoom_label.setMinimumWidth(90)
        self.zoom_label.setToolTip("Zoom: F fits the photo, 1 shows 100 %, the wheel zooms")
        win.statusBar().addPermanentWidget(self.zoom_label)
        v = self.viewer
        v.main.box.sigRangeChanged.connect(lambda *_: self.request_detail())
        v.split_moved.connect(lambda f: s.view.update(split=f))
        v.hovered.connect(self._probe)
        v.zoom_changed.connect(self.zoom_label.setText)
        v.selection_moved.connect(lambda rect: s.edits.update(selection=rect))
        s.overlay.subscribe(self._overlay_changed)
        s.view.subscribe(self._view_changed)
        s.document.subscribe(self._document_changed)
        s.edits.subscribe(self._edits_changed)
        s.job.subscribe(self._job_changed)
        win.history.subscribe(lambda _: self._history_changed())
        win.session.subscribe(lambda _: self._history_changed())
        self._history_changed()
        sync_view_actions(win.menus, win.toolbar, s)
        sync_job_actions(win.menus, win.toolbar, s)

    def workers(self) -> list[LatestOnly]:
        return [self.renderer, self.panel_worker, self.histogram_worker, self.detail_worker]

    @property
    def level(self) -> render.DisplayLevel | None:
        return self.win.controller.level

    # --- model changes -----------------------------------------------------------------
    def _overlay_changed(self, name: str) -> None:
        self.request_render()
        if name in ("over", "under"):
            self.request_histogram()

    def _view_changed(self, name: str) -> None:
        v = self.state.view
        if name in ("compare", "split"):
            self.viewer.set_compare(v.compare, v.split)
            doc = self.state.document
            nothing_yet = doc.image is not None and doc.result is None
            if name == "compare" and v.compare != "none" and nothing_yet:  # the photo twice
                self.win.statusBar().showMessage(
                    "Nothing to compare yet: reconstruct first (the photo is shown "
                    "alone until there is a result).",
                    8000,
                )
            sync_view_actions(self.win.menus, self.win.toolbar, self.state)
            sync_job_actions(self.win.menus, self.win.toolbar, self.state)
            self.viewer.set_labels(*compare_labels(self.state))
            if name == "split":
                self.request_detail()
                return
        if name == "exposure":
            sync_view_actions(self.win.menus, self.win.toolbar, self.state)
        if name == "layer":
            self.docks.layers.set_current(v.layer)
            self.viewer.set_labels(*compare_labels(self.state))
        if name == "show_sdr_result":
            self.viewer.set_labels(*compare_labels(self.state))
            self.docks.histogram.set_sdr_shown(v.show_sdr_result)
        self.request_render()

    def _document_changed(self, name: str) -> None:
        doc = self.state.document
        if name in ("image", "result", "reference"):
            sync_job_actions(self.win.menus, self.win.toolbar, self.state)
        if name in ("image", "result", "outcome"):
            outcome = doc.outcome
            mirrored = outcome is not None and outcome.results.spread is not None
            self.docks.clipping.set_result(doc.result is not None, mirrored)
        if name == "first_picture" and doc.first_picture is not None:
            self.viewer.show_preview(doc.first_picture)
            return
        if name == "loading" and doc.loading is None:
            self.request_render()  # a failed open: the open photo shows again
        if name == "path" and doc.path is not None:
            self.win.setWindowTitle(f"{doc.path.name} — HDR Studio")
        if name == "image":
            self.win.tonemaps.clear()  # the old photo's renderings will not be asked again
            self.win.curves.set_photo(doc.image)
        if name == "result_sdr":
            has_sdr = doc.result_sdr is not None
            self.win.toolbar.sdr_result.setEnabled(has_sdr)
            if not has_sdr:
                self.state.view.update(show_sdr_result=False)
        if name in ("image", "result", "result_sdr", "base", "detail", "reference"):
            self.request_render()
        if name in ("image", "result"):
            self.request_panels()
        if name in ("result", "result_label", "reference"):
            self.viewer.set_labels(*compare_labels(self.state))
        if name == "outcome":
            outcome = doc.outcome
            self.win.menus.send_back.setEnabled(outcome is not None)
            if outcome is not None and outcome.notes:  # e.g. which camera curve was used
                self.win.statusBar().showMessage("; ".join(outcome.notes), 15000)

    def _edits_changed(self, name: str) -> None:
        if name in ("strength", "selection"):
            self.win.controller.refresh_result()
        if name == "selection":
            self.viewer.set_selection(self.state.edits.selection)

    def _history_changed(self) -> None:
        h, menus = self.win.history, self.win.menus
        menus.undo.setEnabled(h.can_undo)
        menus.redo.setEnabled(h.can_redo)
        menus.undo.setText(f"&Undo {h.undo_label()}" if h.can_undo else "&Undo")
        menus.redo.setText(f"&Redo {h.redo_label()}" if h.can_redo else "&Redo")
        session = self.win.session
        # Page Down / Up stay on within a folder, so at its end they say so
        menus.next_photo.setEnabled(session.index >= 0)
        menus.previous_photo.setEnabled(session.index >= 0)
        menus.apply_next.setEnabled(session.neighbour(1) is not None)

    def _job_changed(self, name: str) -> None:
        j = self.state.job
        bar = self.win.statusBar()
        if name == "state":
            sync_job_actions(self.win.menus, self.win.toolbar, self.state)
        if name == "state" and j.state == "failed":
            self.win._error(f"{j.name} failed: {j.error}")
        if name in ("message", "progress") and j.state == "running":
            bar.showMessage(f"{j.name}: {j.message}")
        if name == "state" and j.state in ("done", "cancelled") and j.name != "Open":
            bar.showMessage(f"{j.name}: {j.state}", 8000)

    def _probe(self, x: int, y: int, part: int = 0) -> None:
        doc = self.state.document
        if doc.image is None or doc.loading is not None:
            return
        name, pixels = shown_at(self.state, part)
        ov = self.state.overlay
        text = render.probe(
            doc.image, pixels, x, y, self.state.view.reference_white, ov.over, ov.under
        )
        text = f"{name}: {text}" if text else text
        if text and self.state.job.state != "running":
            self.win.statusBar().showMessage(text)

    # --- rendering (off the GUI thread) ----------------------------------------------
    def request_render(self) -> None:
        doc = self.state.document
        if doc.image is None or self.level is None or doc.loading is not None:
            return
        inputs = FrameInputs.capture(self.state, self.level)
        cache = self.win.tonemaps
        self.renderer.request(lambda: compute_frame(inputs, cache))

    def request_detail(self) -> None:
        if self.state.document.loading is not None:
            return
        inputs = detail_inputs(self.state, self.level, self.viewer.visible_region())
        self.detail_worker.request(lambda: None if inputs is None else compute_detail(inputs))

    def _apply_detail(self, result) -> None:
        self.viewer.set_detail(*(result or (None,)))

    def _apply_frame(self, frame: Frame) -> None:
        if self.state.document.loading is not None:
            return  # a first picture of the next photo is shown
        self.viewer.set_frames(
            frame.before, frame.after, frame.overlay, frame.factor, frame.overlay_on_result
        )
        self.viewer.set_labels(*compare_labels(self.state))
        self.viewer.set_selection(self.state.edits.selection)
        self.request_detail()
        self.zoom_label.setText(self.viewer.zoom_text())
        with QtCore.QSignalBlocker(self.win.menus.overlay):
            self.win.menus.overlay.setChecked(self.state.overlay.enabled)

    def request_panels(self) -> None:
        doc, level = self.state.document, self.level
        if doc.image is None or level is None:
            return
        ov = self.state.overlay
        args = (level, doc.image.primaries, doc.image.code, doc.result, doc.base is None)
        thresholds, image = (ov.over, ov.under), doc.image
        self.panel_worker.request(lambda: compute_panels(*args, thresholds, image))

    def request_histogram(self) -> None:
        """New thresholds: the photo's clipping again, for the histogram's indicators and
        the Clipping panel's table alike (the table kept the figures of the opening)."""
        doc, level = self.state.document, self.level
        shown = self.docks.histogram.histogram
        if doc.image is None or level is None or shown is None:
            return
        ov = self.state.overlay
        thresholds, image = (ov.over, ov.under), doc.image

        def compute():
            stats = photo_stats(image, thresholds)
            return replace(shown, over=stats.over_any, under=stats.under_any), stats

        self.histogram_worker.request(compute)

    def _apply_histogram(self, out) -> None:
        hist, stats = out
        self.docks.histogram.set_histogram(hist)
        self.docks.clipping.show_stats(stats)

    def _apply_panels(self, out: dict[str, Any]) -> None:
        d = self.docks
        d.chroma.set_density(out["density"])
        d.histogram.set_histogram(out["hist"])
        if out.get("stats") is not None:
            d.clipping.show_stats(out["stats"])
        d.layers.set_thumbnail("original", out["thumb_original"])
        d.layers.set_thumbnail("result", out["thumb_result"])
        if "base" in out:
            self.state.document.update(base=out["base"], detail=out["detail"])
            d.layers.set_thumbnail("base", out["thumb_base"])
            d.layers.set_thumbnail("detail", out["thumb_detail"])
        self.state.analysis.update(pending=False)  # stale answers never get here
