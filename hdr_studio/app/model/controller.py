"""The document's jobs and the policy around them: open a photo (a quick first picture, then
the photo, then the panels), reconstruct it with the editor's settings, rescale the result
when the strength or the selection changes, keep a result for A/B, export. Each job
captures what it needs from the plain state, runs through a job runner
(:mod:`hdr_studio.app.model.jobs`) on the engine (:mod:`hdr_studio.api`) — the same request
and policy as the command line — and applies its result to the state. No Qt here: the
window passes thread-pool runners, tests may pass inline ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from hdr_studio.api.engine import Outcome, check_export, export_notes
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.api.types import ClipStats, ExportOptions, Image, ResultKind
from hdr_studio.app.model import render
from hdr_studio.app.model.files import quick_preview
from hdr_studio.app.model.jobs import Jobs
from hdr_studio.app.model.session import Session
from hdr_studio.app.model.settings import absolute
from hdr_studio.app.model.state import AppState, Reference

Opened = Callable[[Path, ClipStats], None]
NO_PHOTO = "Open a photo first (File ▸ Open…, Ctrl+O, or drop one on the window)."
LOADING_METHODS = "The method list is still loading; Reconstruct is ready in a moment."
RAW_DECODING = "The raw file is still decoding; Reconstruct is ready in a moment."
EXPORTING = "An export is being written; Reconstruct is ready in a moment."
RECONSTRUCTING = (
    "Reconstruct is running: export once its result is in, or cancel it (Esc) to export "
    "the photo as it is."
)


class Background(Protocol):
    """A latest-only runner: ``request(compute)`` runs ``compute()`` off the GUI thread
    (newer requests replace waiting ones) and calls the closure it returns on the GUI
    thread."""

    def request(self, compute: Callable[[], Callable[[], None]]) -> None: ...


class InlineBackground:
    """Runs ``compute()`` and its closure at once (tests and scripts without Qt)."""

    def request(self, compute: Callable[[], Callable[[], None]]) -> None:
        compute()()


def reconstruct_refusal(state: AppState) -> str | None:
    """Why Reconstruct cannot run now (None when it can): no photo, the method list not in
    yet, a raw file still decoding."""
    if state.document.image is None:
        return NO_PHOTO
    if not state.methods.loaded:
        return LOADING_METHODS
    if state.document.preview:
        return RAW_DECODING
    if busy_with(state, "Export"):
        return EXPORTING
    return None


def busy_with(state: AppState, job: str) -> bool:
    """Whether the window's job worker is running a job whose name starts with ``job``."""
    return state.job.state == "running" and state.job.name.startswith(job)


def result_label(state: AppState, outcome: Outcome, strength: float) -> str:
    """What made a result, for the compare labels and the history: method and strength,
    then what else was asked for (mirror passes, a camera curve, the method's options),
    so that A and B made with different options read differently."""
    made = outcome.metadata
    label = made.get("label") or state.methods.label(outcome.method)
    parts = [f"{label}, {round(strength * 100)} %"]
    if made.get("passes", 1) > 1:
        parts.append("mirror passes")
    if made.get("curve_asked"):
        parts.append(f"curve {Path(str(made['curve_asked'])).name}")
    options = made.get("options") or {}
    parts += [f"{name.replace('_', ' ')} {value:g}" for name, value in sorted(options.items())]
    return ", ".join(parts)


def selection_mask(rect: tuple[int, int, int, int] | None, height: int, width: int):
    """The (H, W) float32 mask of a selection rectangle (1 inside), None for the whole."""
    if rect is None:
        return None
    x0, y0, x1, y1 = rect
    mask = np.zeros((height, width), np.float32)
    mask[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = 1.0
    return mask


class DocumentController:
    """Opening, reconstruction and export of the one open document."""

    def __init__(
        self,
        state: AppState,
        jobs: Jobs,
        previews: Background | None = None,
        refinish: Background | None = None,
        analyses: Background | None = None,
    ) -> None:
        self.state = state
        self.jobs = jobs
        self.previews = previews or InlineBackground()
        self.refinish = refinish or InlineBackground()
        #: The clipping statistics of an opened photo, computed once it is on screen.
        self.analyses = analyses or InlineBackground()
        #: Each photo's settings while the app runs (set by the window; None: not kept).
        self.session: Session | None = None
        #: The open photo at display resolution (set with the document).
        self.level: render.DisplayLevel | None = None
        state.job.subscribe(self._job_changed)

    # --- opening -----------------------------------------------------------------------
    def open(self, path: str | Path, on_opened: Opened | None = None) -> None:
        """Read ``path`` (made absolute) and analyse its clipping on the worker; a quick first
        picture shows meanwhile. Then the document shows it and ``on_opened(path, stats)``
        runs on the GUI thread."""
        path = absolute(path)

        def read():
            from hdr_studio.api.photos import read_photo

            return read_photo(path)

        self.state.document.update(loading=path, first_picture=None)
        from hdr_studio.api.photos import file_kind

        try:
            kind = file_kind(path) if path.is_file() else ""
        except OSError:
            kind = ""
        if kind == "raw":
            # A camera raw: its embedded preview or a half-size decode is the document at
            # once (reconstruction waits), and the full decode replaces it.
            def quick():
                from hdr_studio.api.photos import first_picture

                return first_picture(path)

            def then_full(_path: Path, _stats: ClipStats) -> None:
                self.open_image(path, read, on_opened, from_file=True)

            self.open_image(path, quick, then_full, from_file=True, preview=True)
            return

        def first_picture() -> Callable[[], None]:
            rgb = quick_preview(path)

            def show() -> None:
                if self.state.document.loading == path and rgb is not None:
                    self.state.document.update(first_picture=rgb)

            return show

        self.previews.request(first_picture)
        self.open_image(path, read, on_opened, from_file=True)

    def open_image(
        self,
        path: Path,
        read: Callable[[], Image],
        on_opened: Opened | None,
        from_file: bool = False,
        preview: bool = False,
    ) -> None:
        """Open what ``read()`` returns (on the worker) as the document named ``path``: a
        file (``from_file``), or a host's layer in the round trip. ``preview``: a raw's
        first picture, which the full decode replaces."""
        over, under = self.state.overlay.over, self.state.overlay.under
        if self.state.document.loading != path:
            self.state.document.update(loading=path, first_picture=None)

        def load(progress, cancel):
            progress(0.1, "reading")
            image = read()
            cancel.raise_if_cancelled()
            progress(0.7, "display level")
            return image, render.DisplayLevel.of(image)

        def done(res) -> None:
            image, level = res
            session = self.session
            if session is not None:
                session.leaving(self.state.document.path)
            self.level = level
            self.state.view.update(layer="original", compare="none")
            self.state.analysis.update(pending=True)  # layers and chromaticity follow
            self.state.document.update(
                path=path,
                image=image,
                preview=preview,
                result=None,
                result_kind=ResultKind.HDR,
                result_sdr=None,
                result_method="",
                result_label="",
                outcome=None,
                base=None,
                detail=None,
                reference=None,
                loading=None,
                first_picture=None,
            )
            back = session.arrived(path, from_file, preview) if session is not None else None
            # The photo is on screen: its clipping statistics follow (status bar, panel).
            self.analyses.request(self._statistics(path, image, (over, under), on_opened))
            if back is not None and back.outcome is not None:  # a photo left earlier
                self._show(back.outcome)
                if back.reference is not None:  # its kept A too (it was lost)
                    self.state.document.update(reference=back.reference)
            elif back is not None and back.rerun:
                # "apply these settings to the next photo" of a reconstructed photo, or a
                # photo whose result was not kept: the same settings make it again
                self.reconstruct()

        self.jobs.start("Open", load, done)

    def _statistics(
        self, path: Path, image: Image, thresholds: tuple[float, float], on_opened
    ) -> Callable[[], Callable[[], None]]:
        """The computation of ``image``'s clipping statistics (for the background runner),
        handed to ``on_opened(path, stats)`` while that image is still the document's."""

        def compute() -> Callable[[], None]:
            from hdr_studio.api.analysis import analyse

            stats = analyse(image, *thresholds).stats

            def apply() -> None:
                if on_opened is not None and self.state.document.image is image:
                    on_opened(path, stats)

            return apply

        return compute

    def _job_changed(self, name: str) -> None:
        job = self.state.job
        if name == "state" and job.name == "Open" and job.state in ("failed", "cancelled"):
            # The photo that was loading is not coming: the open one shows again.
            self.state.document.update(loading=None, first_picture=None)

    # --- reconstruction ----------------------------------------------------------------
    def refusal(self) -> str | None:
        """Why Reconstruct cannot run now (None when it can)."""
        return reconstruct_refusal(self.state)

    def request(self) -> ReconstructRequest:
        """The engine request for reconstructing the open photo with the editor's
        settings (the selection is applied when the result is finished)."""
        doc, edits = self.state.document, self.state.edits
        assert doc.image is not None
        return ReconstructRequest(
            input=doc.image,
            method=edits.method,
            options=edits.options_for(edits.method),
            over=self.state.overlay.over,
            strength=edits.strength,
            curve=edits.curve,
            passes=edits.passes,
        )

    def reconstruct(self) -> str | None:
        """Reconstruct the open photo with the editor's settings on the worker; the result
        replaces the document's. Returns why not, when it cannot start."""
        why = self.refusal()
        if why is not None:
            return why
        request = self.request()
        rect = self.state.edits.selection
        image = self.state.document.image
        assert image is not None  # refusal() said a photo is open

        def work(progress, cancel) -> Outcome:
            from hdr_studio.api.engine import reconstruct

            mask = selection_mask(rect, image.height, image.width)  # the rest stays measured
            job = replace(request, selection=mask)
            return reconstruct(job, progress, cancel, image=image)

        def done(outcome: Outcome) -> None:
            outcome.metadata["selection"] = rect
            self._show(outcome)

        label = self.state.methods.label(self.state.edits.method)
        self.jobs.start(f"Reconstruct ({label})", work, done)
        return None

    def _show(self, outcome: Outcome) -> None:
        """Make ``outcome`` the document's result and compare it with the photo."""
        second = outcome.results.sdr if outcome.kind is ResultKind.HDR else None
        strength = outcome.metadata.get("strength", self.state.edits.strength)
        self.state.analysis.update(pending=True)
        self.state.document.update(
            result=outcome.pixels,
            result_kind=outcome.kind,
            result_sdr=second,
            result_method=outcome.method,
            result_label=result_label(self.state, outcome, strength),
            outcome=outcome,
        )
        if self.state.view.compare == "none":
            self.state.view.update(compare="split")
        self.refresh_result()  # the strength or selection moved while it ran

    def refresh_result(self) -> None:
        """Rescale the current result to the editor's strength and selection on the
        background runner: the method's results are kept, no network runs again."""
        doc = self.state.document
        outcome = doc.outcome
        if outcome is None:
            return
        strength, rect = self.state.edits.strength, self.state.edits.selection
        if (
            outcome.metadata.get("strength") == strength
            and outcome.metadata.get("selection") == rect
        ):
            return
        image = outcome.image  # as the job linearised it (a camera curve may differ)

        def compute() -> Callable[[], None]:
            from hdr_studio.api.engine import finish

            mask = selection_mask(rect, image.height, image.width)
            pixels = finish(image, outcome.results, outcome.kind, strength, mask)

            def apply() -> None:
                if outcome is not self.state.document.outcome:
                    return  # a new reconstruction replaced it meanwhile
                outcome.pixels = pixels
                outcome.metadata["strength"] = strength
                outcome.metadata["selection"] = rect
                self.state.document.update(
                    result=pixels, result_label=result_label(self.state, outcome, strength)
                )

            return apply

        self.refinish.request(compute)

    def keep_reference(self) -> str | None:
        """Keep the current result as A and compare the next ones with it (A/B)."""
        doc = self.state.document
        if doc.result is None:
            return "Reconstruct first: A/B compares a kept result with the current one."
        doc.update(reference=Reference(doc.result, doc.result_label))
        self.state.view.update(compare="ab")
        return None

    # --- export ------------------------------------------------------------------------
    def export_kind(self) -> ResultKind:
        """The kind of what an export writes now: the result's, or HDR for the linearised
        photo when nothing was reconstructed."""
        doc = self.state.document
        return doc.outcome.kind if doc.outcome is not None else ResultKind.HDR

    def export(
        self,
        path: str | Path,
        fmt: str | None,
        options: ExportOptions,
        on_done: Callable[[Path, list[str]], None] | None = None,
    ) -> str | None:
        """Write the result (or, before any reconstruction, the linearised photo) on the
        worker; ``on_done(path, notes)``: what the file does not keep, one line each.
        Refusals that need no pixels (the source file, a bad format, a folder that cannot be
        written) raise at once; returns why not when there is nothing to export."""
        doc = self.state.document
        if doc.image is None:
            return NO_PHOTO
        if busy_with(self.state, "Reconstruct"):
            return RECONSTRUCTING  # it wrote the photo without its result, and lost that
        image, outcome = doc.image, doc.outcome
        notes = export_notes(image, check_export(image, Path(path), self.export_kind(), fmt))

        def work(progress, cancel):
            from hdr_studio.api.engine import reconstruct, write

            done = outcome
            if done is None:  # nothing reconstructed: the linearised photo
                done = reconstruct(ReconstructRequest(input=image, method="none"), image=image)
            progress(0.2, "writing")
            return write(done, path, fmt, options, force=True)

        self.jobs.start("Export", work, lambda p: on_done and on_done(p, notes))
        return None
