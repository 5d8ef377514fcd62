"""The document's jobs: open a photo, reconstruct it, export the result. Each captures what
it needs from the plain state on the GUI thread, runs on the job worker through the engine
(:mod:`hdr_studio.api`) — the same request and policy as the command line — and applies its
result to the document. No widgets here: the window shows what the state says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hdr_studio.api.engine import Outcome, check_export
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.app import render
from hdr_studio.app.state import AppState
from hdr_studio.app.workers import JobController
from hdr_studio.core.clipping import ClipStats
from hdr_studio.core.export import ExportOptions
from hdr_studio.core.image import Image
from hdr_studio.core.result import ResultKind

Opened = Callable[[Path, ClipStats], None]


class DocumentController:
    """Opening, reconstruction and export of the one open document."""

    def __init__(self, state: AppState, jobs: JobController) -> None:
        self.state = state
        self.jobs = jobs
        #: The open photo at display resolution (set with the document).
        self.level: render.DisplayLevel | None = None

    def open(self, path: str | Path, on_opened: Opened | None = None) -> None:
        """Read ``path`` and analyse its clipping on the worker; then the document shows it
        and ``on_opened(path, stats)`` runs on the GUI thread. A camera raw file shows a
        first picture at once (its embedded preview or a half-size decode, the document
        marked ``preview``) and the full decode follows."""
        path = Path(path)

        def read():
            from hdr_studio.core.reader import read_image

            return read_image(path)

        from hdr_studio.core.reader import sniff

        try:
            kind = sniff(path) if path.is_file() else ""
        except OSError:
            kind = ""
        if kind != "raw":
            self.open_image(path, read, on_opened)
            return

        def quick():
            from hdr_studio.core.raw import quick_picture

            return quick_picture(path)

        def then_full(_path: Path, _stats: ClipStats) -> None:
            self.open_image(path, read, on_opened)

        self.open_image(path, quick, then_full, preview=True)

    def open_image(
        self,
        path: Path,
        read: Callable[[], Image],
        on_opened: Opened | None,
        preview: bool = False,
    ) -> None:
        """Open what ``read()`` returns (on the worker) as the document named ``path``: a
        file, or a host's layer in the round trip. ``preview``: a first picture that the
        full decode replaces (reconstruction waits for it)."""
        over, under = self.state.overlay.over, self.state.overlay.under

        def load(progress, cancel):
            from hdr_studio.core.clipping import clip_stats

            progress(0.1, "reading")
            image = read()
            cancel.raise_if_cancelled()
            progress(0.6, "analysing clipping")
            return (
                image,
                render.DisplayLevel.of(image),
                clip_stats(image.code, over, under, sensor=image.sensor_clip),
            )

        def done(res) -> None:
            image, level, stats = res
            self.level = level
            self.state.view.update(layer="original", compare="none")
            self.state.document.update(
                path=path,
                image=image,
                preview=preview,
                result=None,
                result_kind=ResultKind.HDR,
                result_sdr=None,
                result_method="",
                outcome=None,
                base=None,
                detail=None,
            )
            if on_opened is not None:
                on_opened(path, stats)

        self.jobs.start("Open", load, done)

    def request(
        self,
        method: str,
        options: dict[str, float] | None = None,
        strength: float = 1.0,
        curve: str | None = None,
        passes: int = 1,
    ) -> ReconstructRequest:
        """The engine request for reconstructing the open photo with ``method``."""
        doc = self.state.document
        assert doc.image is not None
        return ReconstructRequest(
            input=doc.image,
            method=method,
            options=dict(options or {}),
            over=self.state.overlay.over,
            strength=strength,
            curve=curve,
            passes=passes,
        )

    def reconstruct(self, method: str, **choices: Any) -> None:
        """Reconstruct the open photo on the worker; the result replaces the document's.
        ``choices``: the editor's settings, as :meth:`request` takes them."""
        doc = self.state.document
        if doc.image is None or not method or doc.preview:
            return
        request = self.request(method, **choices)

        def work(progress, cancel) -> Outcome:
            from hdr_studio.api.engine import reconstruct

            return reconstruct(request, progress, cancel, image=request.input)

        def done(outcome: Outcome) -> None:
            second = outcome.results.sdr if outcome.kind is ResultKind.HDR else None
            self.state.document.update(
                result=outcome.pixels,
                result_kind=outcome.kind,
                result_sdr=second,
                result_method=outcome.method,
                outcome=outcome,
            )
            if self.state.view.compare == "none":
                self.state.view.update(compare="split")

        self.jobs.start(f"Reconstruct ({method})", work, done)

    def strength_job(self, strength: float) -> Callable[[], tuple[Outcome, Any]] | None:
        """The computation that rescales the current result to ``strength`` (for a
        latest-only worker): the method's results are kept, no network runs again."""
        doc = self.state.document
        outcome = doc.outcome
        if outcome is None:
            return None
        image = outcome.image  # as the job linearised it (a camera curve may differ)

        def compute():
            from hdr_studio.api.engine import finish

            return outcome, finish(image, outcome.results, outcome.kind, strength), strength

        return compute

    def apply_strength(self, answer) -> None:
        outcome, pixels, strength = answer
        if outcome is not self.state.document.outcome:
            return  # a new reconstruction replaced it meanwhile
        outcome.pixels = pixels
        outcome.metadata["strength"] = strength
        self.state.document.update(result=pixels)

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
        on_done: Callable[[Path], None] | None = None,
    ) -> None:
        """Write the result (or, before any reconstruction, the linearised photo) on the
        worker. Refusals that need no pixels (the source file, a bad format) raise at once."""
        doc = self.state.document
        if doc.image is None:
            return
        image, outcome = doc.image, doc.outcome
        check_export(image, Path(path), self.export_kind(), fmt)

        def work(progress, cancel):
            from hdr_studio.api.engine import reconstruct, write

            done = outcome
            if done is None:  # nothing reconstructed: the linearised photo
                done = reconstruct(ReconstructRequest(input=image, method="none"), image=image)
            progress(0.2, "writing")
            return write(done, path, fmt, options, force=True)

        self.jobs.start("Export", work, on_done or (lambda _p: None))
