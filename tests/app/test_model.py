"""The app's model without Qt: the document and its jobs, undo/redo, each photo's settings
in a folder, recent files, the export and batch policies. Jobs run inline (no thread)
through the real engine on real files."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from hdr_studio.app.model.controller import (
    LOADING_METHODS,
    NO_PHOTO,
    DocumentController,
    selection_mask,
)
from hdr_studio.app.model.history import History
from hdr_studio.app.model.jobs import InlineJobs
from hdr_studio.app.model.session import Session
from hdr_studio.app.model.settings import MemoryStore, RecentFiles
from hdr_studio.app.model.state import AppState, Document, JobState
from hdr_studio.app.model.status import job_status
from hdr_studio.core.reader import read_image
from hdr_studio.core.result import ResultKind
from tests.helpers import SAMPLES

SAMPLE = SAMPLES / "sunset_lomiri.jpg"


class Clock:
    """A clock the test moves (history entries merge by time)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def editor(loaded: bool = True) -> tuple[AppState, DocumentController, History, Session, Clock]:
    """The model as the window wires it, with inline jobs."""
    from hdr_studio.api.catalogue import catalogue, default_method

    state = AppState()
    clock = Clock()
    history = History(clock=clock)
    history.watch(state)
    session = Session()
    session.attach(state, history)
    ctl = DocumentController(state, InlineJobs(state.job))
    ctl.session = session
    if loaded:
        with history.unrecorded():
            state.methods.update(methods=tuple(catalogue()), loaded=True)
            state.edits.update(method=default_method())
    return state, ctl, history, session, clock


def test_the_model_imports_and_runs_without_qt():
    """Qt made unimportable: the model opens a photo, reconstructs it, undoes an edit."""
    code = (
        "import sys\n"
        "for name in ('PySide6', 'pyqtgraph', 'shiboken6'): sys.modules[name] = None\n"
        "from tests.app.test_model import editor, SAMPLE\n"
        "state, ctl, history, session, clock = editor()\n"
        "ctl.open(SAMPLE)\n"
        "state.edits.update(method='classical', strength=0.5)\n"
        "assert ctl.reconstruct() is None and state.document.result is not None\n"
        "assert history.undo() and state.edits.strength == 1.0\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')\n"
        "       and sys.modules[m] is not None]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_an_update_notifies_once_every_field_is_set():
    """The cause of defect 1: a listener of ``image`` saw the previous photo's ``base``."""
    doc = Document(base=np.zeros((2, 2, 3), np.float32))
    seen = []
    doc.subscribe(lambda name: seen.append((name, doc.base is None)) if name == "image" else None)
    doc.update(image=read_image(SAMPLE), base=None)
    assert seen == [("image", True)]


def test_open_and_reconstruct_through_the_engine_and_export(tmp_path):
    state, ctl, _history, _session, _clock = editor()
    assert ctl.reconstruct() == NO_PHOTO and ctl.export(tmp_path / "x.exr", None, None) == NO_PHOTO
    ctl.open(SAMPLE)
    doc = state.document
    assert doc.image is not None and doc.path == SAMPLE and ctl.level is not None
    assert state.analysis.pending  # the panels follow
    state.edits.update(method="declipnet")
    assert ctl.reconstruct() is None
    assert doc.result_kind is ResultKind.SDR and doc.outcome.method == "declipnet"
    assert doc.result_label.startswith("DeclipNet") and doc.result_label.endswith("100 %")
    assert state.view.compare == "split"
    from hdr_studio.core.export import ExportOptions

    out = tmp_path / "d.png"
    assert ctl.export(out, None, ExportOptions()) is None
    assert read_image(out).transfer == "srgb"  # an SDR declipping result stays SDR
    from hdr_studio.core.errors import OutputError

    with pytest.raises(OutputError, match="source"):
        ctl.export(SAMPLE, "jpeg-sdr", ExportOptions())


def test_an_export_and_a_reconstruction_do_not_stop_each_other(tmp_path):
    """Export during a reconstruction stopped it and wrote the photo without its result;
    Reconstruct during an export said the export "was stopped for it" when its file was
    written whole. Each now waits for the other, and says so."""
    from hdr_studio.app.model.controller import EXPORTING, RECONSTRUCTING
    from hdr_studio.core.export import ExportOptions

    state, ctl, *_ = editor()
    ctl.open(SAMPLE)
    state.job.update(name="Reconstruct (Classical (no network))", state="running")
    assert ctl.export(tmp_path / "x.exr", None, ExportOptions()) == RECONSTRUCTING
    assert not (tmp_path / "x.exr").exists()
    state.job.update(name="Export", state="running")
    assert ctl.reconstruct() == EXPORTING and state.document.outcome is None
    state.job.update(state="done")
    assert (
        ctl.reconstruct() is None and ctl.export(tmp_path / "x.exr", None, ExportOptions()) is None
    )
    assert (tmp_path / "x.exr").exists()


def test_reconstruct_waits_for_the_method_list():
    """Defect 2: before the networks are listed, nothing runs (no silent 'classical')."""
    state, ctl, *_ = editor(loaded=False)
    ctl.open(SAMPLE)
    assert ctl.reconstruct() == LOADING_METHODS and state.document.result is None


def test_strength_and_selection_rescale_without_a_rerun():
    state, ctl, history, *_ = editor()
    ctl.open(SAMPLE)
    state.edits.update(method="classical")
    ctl.reconstruct()
    doc = state.document
    outcome, full = doc.outcome, doc.result.copy()
    state.edits.update(strength=0.0)
    ctl.refresh_result()
    assert doc.outcome is outcome and doc.result_label.endswith(", 0 %")
    np.testing.assert_allclose(doc.result, doc.image.linear, rtol=1e-5, atol=1e-6)
    state.edits.update(strength=1.0, selection=(0, 0, 600, 800))  # the left half only
    ctl.refresh_result()
    np.testing.assert_array_equal(doc.result[:, 600:], doc.image.linear[:, 600:])
    np.testing.assert_allclose(doc.result[:, :600], full[:, :600], rtol=1e-6)
    assert history.undo() and state.edits.selection is None


def test_selection_mask():
    mask = selection_mask((2, 1, 5, 3), 4, 6)
    assert mask.dtype == np.float32 and mask.sum() == 6 and mask[1:3, 2:5].all()
    assert selection_mask(None, 4, 6) is None


def test_history_records_merges_undoes_and_redoes():
    state, _ctl, history, _session, clock = editor()
    edits = state.edits
    edits.update(strength=0.9)
    clock.now += 0.2
    edits.update(strength=0.8)  # the same slider dragged on: one entry
    clock.now += 5
    state.view.update(exposure=1.0)
    clock.now += 5
    state.overlay.update(mode="channel", enabled=False)  # how it is looked at: no edit
    assert [e.label for e in history.entries] == ["Strength 80 %", "Exposure +1.0 EV"]
    assert history.undo() and state.view.exposure == 0.0
    assert state.overlay.mode == "channel" and not state.overlay.enabled  # not undone
    assert history.can_redo and history.redo_label() == "Exposure +1.0 EV"
    assert history.redo() and state.view.exposure == 1.0
    history.go_to(0)
    assert edits.strength == 1.0 and state.view.exposure == 0.0 and history.position == 0
    clock.now += 5
    edits.update(curve="gamma:2.4")  # a new edit drops what could be redone
    assert [e.label for e in history.entries] == ["Camera curve: gamma 2.4"]
    assert not history.can_redo
    with history.group("Reset"):
        edits.update(curve=None, strength=0.5)
    assert history.entries[-1].label == "Reset" and history.undo()
    assert edits.curve == "gamma:2.4" and edits.strength == 1.0


def test_history_says_which_option_changed():
    """Every option's change read "Method options"."""
    state, _ctl, history, _session, clock = editor()
    edits = state.edits
    edits.update(options=edits.with_option("classical", "max_gain", 8.0))
    clock.now += 5
    edits.update(options=edits.with_option("classical", "reach", 2.5))
    assert [e.label for e in history.entries] == ["Max gain 8", "Reach 2.5"]


def test_dragging_back_to_the_start_leaves_no_step():
    state, _ctl, history, _s, clock = editor()
    state.edits.update(strength=0.7)
    clock.now += 0.1
    state.edits.update(strength=1.0)
    assert history.entries == ()


def folder_of_samples(folder, *names: str) -> None:
    """Copies of the sample photo named ``names`` in ``folder`` (a folder to move through)."""
    import shutil

    for name in names:
        shutil.copy(SAMPLE, folder / name)


def test_each_photo_keeps_its_settings_and_history(tmp_path):
    folder_of_samples(tmp_path, "a.jpg", "b.jpg", "c.jpg")
    state, ctl, history, session, clock = editor()
    ctl.open(tmp_path / "a.jpg")
    assert [p.name for p in session.photos] == ["a.jpg", "b.jpg", "c.jpg"]
    assert session.index == 0 and session.neighbour(-1) is None
    state.edits.update(method="classical", strength=0.6)
    clock.now += 5
    state.view.update(exposure=-1.0)
    ctl.open(session.neighbour(1))  # b: strength and exposure at their defaults
    assert session.index == 1 and state.edits.strength == 1.0 and state.view.exposure == 0.0
    assert state.edits.method == "classical"  # the tool choice stays
    assert history.entries == () and history.opened == "Opened b.jpg"
    ctl.open(tmp_path / "a.jpg")  # back to a: as it was left, history too
    assert state.edits.strength == 0.6 and state.view.exposure == -1.0
    assert len(history.entries) == 3 and history.undo() and state.view.exposure == 0.0


def test_apply_these_settings_to_the_next_photo(tmp_path):
    folder_of_samples(tmp_path, "a.jpg", "b.jpg")
    state, ctl, history, session, _clock = editor()
    ctl.open(tmp_path / "a.jpg")
    state.edits.update(method="classical", strength=0.4)
    ctl.reconstruct()
    session.carry_to_next()
    ctl.open(session.neighbour(1))
    assert state.document.path.name == "b.jpg" and state.edits.strength == 0.4
    assert state.document.outcome is not None  # a reconstructed photo's settings rerun
    assert state.document.outcome.metadata["strength"] == 0.4
    assert history.opened == "Opened b.jpg" and session.carry is None
    # one step, undone like any other (it could not be undone)
    assert [e.label for e in history.entries] == ["Settings of a.jpg"]
    assert history.undo() and state.edits.strength == 1.0


def test_a_carried_selection_keeps_its_place_on_a_photo_of_another_size(tmp_path):
    """From a new user's pass: "apply these settings to the next photo" carried the result's
    rectangle in pixels, so on a smaller photo it ran off the right and bottom edges."""
    import cv2

    code = cv2.imread(str(SAMPLE))
    h, w = code.shape[:2]
    cv2.imwrite(str(tmp_path / "a.jpg"), code)
    cv2.imwrite(str(tmp_path / "b.jpg"), cv2.resize(code, (w // 2, h // 2)))
    state, ctl, _history, session, _clock = editor()
    ctl.open(tmp_path / "a.jpg")
    state.edits.update(selection=(w // 4, h // 4, 3 * w // 4, 3 * h // 4))
    session.carry_to_next()
    ctl.open(session.neighbour(1))
    assert state.document.path.name == "b.jpg"
    x0, y0, x1, y1 = state.edits.selection
    assert abs(x0 - w // 8) <= 1 and abs(y0 - h // 8) <= 1
    assert abs(x1 - 3 * w // 8) <= 1 and abs(y1 - 3 * h // 8) <= 1


def test_going_back_to_a_photo_gives_its_kept_a_back_too(tmp_path):
    """From a new user's pass: a result kept as A (K) was gone after another photo and
    back, while the photo's own result and history came back."""
    folder_of_samples(tmp_path, "a.jpg", "b.jpg")
    state, ctl, _history, _session, _clock = editor()
    ctl.open(tmp_path / "a.jpg")
    state.edits.update(method="classical", strength=0.5)
    ctl.reconstruct()
    assert ctl.keep_reference() is None
    kept = state.document.reference
    state.edits.update(strength=1.0)
    ctl.reconstruct()
    ctl.open(tmp_path / "b.jpg")
    assert state.document.reference is None  # b has none of its own
    ctl.open(tmp_path / "a.jpg")
    assert state.document.reference is kept and kept.label.endswith("50 %")
    assert state.document.result_label.endswith("100 %")


def test_going_back_to_a_photo_gives_its_result_back(tmp_path, monkeypatch):
    """A photo left with a result gets it back when opened again (the same result, no
    network run); one whose kept result was dropped for memory is made again with its
    settings; one whose file changed meanwhile gets none."""
    import os

    from hdr_studio.app.model import session as session_module

    folder_of_samples(tmp_path, "a.jpg", "b.jpg", "c.jpg")
    state, ctl, _history, session, _clock = editor()
    runs: list[str] = []
    start = ctl.jobs.start
    monkeypatch.setattr(
        ctl.jobs, "start", lambda name, *a, **k: (runs.append(name), start(name, *a, **k))[1]
    )
    ctl.open(tmp_path / "a.jpg")
    state.edits.update(method="classical", strength=0.5)
    ctl.reconstruct()
    kept = state.document.outcome
    ctl.open(tmp_path / "b.jpg")
    assert state.document.result is None and state.document.outcome is None
    runs.clear()
    ctl.open(tmp_path / "a.jpg")
    assert state.document.outcome is kept and state.document.result is kept.pixels
    assert state.document.result_label.endswith("50 %") and state.view.compare == "split"
    assert not any(r.startswith("Reconstruct") for r in runs)

    # the result of a photo left longest ago goes first when memory is short
    monkeypatch.setattr(session_module, "KEPT_BYTES", session_module.outcome_bytes(kept))
    ctl.open(tmp_path / "b.jpg")  # a is left with its result
    ctl.reconstruct()
    ctl.open(tmp_path / "c.jpg")  # b is left with its result: a's is dropped
    assert session.memory[tmp_path / "a.jpg"].outcome is None
    assert session.memory[tmp_path / "b.jpg"].outcome is not None
    runs.clear()
    ctl.open(tmp_path / "a.jpg")  # made again, with a's settings
    assert any(r.startswith("Reconstruct") for r in runs)
    assert state.document.outcome is not None and state.edits.strength == 0.5
    assert state.document.outcome.metadata["strength"] == 0.5
    np.testing.assert_allclose(state.document.result, kept.pixels, atol=1e-6)

    # a file changed while it was not open: its old result does not come back
    ctl.open(tmp_path / "c.jpg")
    st = os.stat(tmp_path / "a.jpg")
    os.utime(tmp_path / "a.jpg", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    runs.clear()
    ctl.open(tmp_path / "a.jpg")
    assert state.document.result is None and not any(r.startswith("Reconstruct") for r in runs)
    assert state.edits.strength == 0.5  # its settings stay


def test_recent_files_are_absolute_and_the_store_is_plain(tmp_path, monkeypatch):
    """Defect 4: a file opened by a relative path is kept as an absolute one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.jpg").write_bytes(SAMPLE.read_bytes())
    store = MemoryStore()
    recent = RecentFiles(store, limit=2)
    recent.add("x.jpg")
    assert recent.paths() == [str(tmp_path / "x.jpg")]
    assert store.value("lastDir") == str(tmp_path)
    recent.add(SAMPLE)
    recent.add("x.jpg")
    assert recent.paths() == [str(tmp_path / "x.jpg"), str(SAMPLE)]
    recent.remove(SAMPLE)
    assert recent.paths() == [str(tmp_path / "x.jpg")]
    recent.clear()
    assert recent.paths() == []
    assert recent.last_folder("/fallback") == str(tmp_path)
    store.setValue("lastDir", "relative/folder")  # an old relative entry is not used
    assert recent.last_folder("/fallback") == "/fallback"


def test_the_status_line_waits_for_the_panels():
    """Defect 8: "done" only once the panels that follow the photo are in."""
    from hdr_studio.app.model.state import Analysis

    job, analysis = JobState(name="Open", state="done", progress=1.0), Analysis(pending=True)
    text, progress = job_status(job, analysis)
    assert "done" not in text and "layers" in text and progress < 1.0
    analysis.update(pending=False)
    assert job_status(job, analysis) == ("Open: done", 1.0)
    failed = JobState(name="Open", state="failed", progress=0.1, error="bad.jpg: corrupt")
    assert job_status(failed, analysis) == ("Open failed: bad.jpg: corrupt", 0.0)


def test_a_failed_open_keeps_the_open_photo(tmp_path):
    """Defect 6 in the model: the progress goes back to zero, the photo stays."""
    state, ctl, *_ = editor()
    ctl.open(SAMPLE)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xffnot really")
    ctl.open(bad)
    assert state.job.state == "failed" and state.job.progress == 0.0
    assert state.document.path == SAMPLE and state.document.loading is None


def test_export_names_and_the_options_each_format_uses():
    from pathlib import Path

    from hdr_studio.app.model.export import export_path, invented_available, uses

    assert export_path("/t/x", "png-pq") == (Path("/t/x.png"), "")
    assert export_path("/t/x.PNG", "png-pq") == (Path("/t/x.PNG"), "")
    path, why = export_path("/t/x.jpg", "png-pq")  # defect 9: was written as x.jpg.png
    assert path is None and "x.jpg" in why and ".png" in why
    assert export_path("/t/x.v2", "exr") == (Path("/t/x.v2.exr"), "")
    assert uses("png-pq", "peak_nits") and not uses("exr", "peak_nits")
    assert not uses("exr", "quality") and uses("jpeg-sdr", "quality")
    assert invented_available("exr", True) and not invented_available("exr", False)
    assert not invented_available("png-pq", True)


def test_batch_naming_template(tmp_path):
    from pathlib import Path

    from hdr_studio.app.model.batch import (
        BatchSettings,
        apply_template,
        check_template,
        example_name,
        template_values,
    )
    from hdr_studio.batch.inputs import Item
    from hdr_studio.core.errors import InputError

    items = [Item(Path("a.jpg"), Path("a.exr")), Item(Path("s/b.jpg"), Path("s/b.exr"))]
    values = template_values("classical", 0.8, "exr")
    named = apply_template(items, "{name}_{method}_{strength}", values)
    assert [str(i.output) for i in named] == ["a_classical_80.exr", "s/b_classical_80.exr"]
    assert example_name("hdr-{name}", values, ".exr") == "hdr-IMG_0001.exr"
    for bad, why in (
        ("{method}", "needs {name}"),
        ("{name}_{iso}", "unknown field"),
        ("../{name}", "file name only"),
        ("{name", "naming template"),
    ):
        with pytest.raises(InputError, match=why.replace("{", r"\{").replace("}", r"\}")):
            check_template(bad)
    store = MemoryStore()
    BatchSettings(output=str(tmp_path), format="png-pq", resume=False, template="x_{name}").save(
        store
    )
    back = BatchSettings.load(store)
    assert (back.output, back.format, back.resume, back.template) == (
        str(tmp_path),
        "png-pq",
        False,
        "x_{name}",
    )
