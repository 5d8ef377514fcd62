"""Batch runs on this machine: real files, a real process pool, the shipped weights."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from hdr_studio.batch.inputs import collect
from hdr_studio.cli import main
from hdr_studio.core.reader import read_image
from tests.helpers import CLI, SAMPLES, run_without


def _photo(path: Path, size=(150, 100)) -> Path:
    code = read_image(SAMPLES / "sunset_lomiri.jpg").code
    px = (cv2.resize(code, size, interpolation=cv2.INTER_AREA) * 255 + 0.5).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), px[..., ::-1])
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    src = tmp_path / "in"
    for name in ("a.jpg", "a.png", "b.png", "sub/c.jpg", "sub/deeper/d.png"):
        _photo(src / name)
    (src / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (src / "notes.txt").write_text("not a photo")
    return src


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_names_mirror_folders_and_resolve_clashes(folder):
    items = {
        str(i.source.relative_to(folder)): str(i.output)
        for i in collect([str(folder)], True, ".exr")
    }
    assert items == {
        "a.jpg": "a_jpg.exr",
        "a.png": "a_png.exr",
        "b.png": "b.exr",
        "bad.jpg": "bad.exr",
        "sub/c.jpg": "sub/c.exr",
        "sub/deeper/d.png": "sub/deeper/d.exr",
    }
    flat = collect([str(folder)], False, ".png")
    assert sorted(str(i.output) for i in flat) == ["a_jpg.png", "a_png.png", "b.png", "bad.png"]
    # A path named twice (directly and through its folder) is one item.
    assert len(collect([str(folder / "b.png"), str(folder)], False, ".exr")) == 4


def test_folder_batch_report_and_one_bad_photo(folder, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(
        [
            "batch",
            folder,
            "--recursive",
            "-o",
            out,
            "--method",
            "classical",
            "--progress",
            "json",
            "--workers",
            "2",
        ],
        capsys,
    )
    assert code == 4, err  # one failed: the documented distinct code
    events = [json.loads(line) for line in stdout.splitlines()]
    assert events[0]["event"] == "start" and events[0]["total"] == 6
    assert events[-1] == {**events[-1], "event": "end", "ok": 5, "failed": 1}
    assert sum(e["event"] == "photo" for e in events) == 6
    for name in ("a_jpg.exr", "a_png.exr", "b.exr", "sub/c.exr", "sub/deeper/d.exr"):
        assert read_image(out / name).linear.max() > 1.0
    report = json.loads((out / "batch-report.json").read_text())
    bad = [p for p in report["photos"] if p["status"] == "failed"]
    assert len(bad) == 1 and bad[0]["exit_class"] == 2 and "bad.jpg" in bad[0]["message"]
    assert all(p["clipped_share"] > 0 for p in report["photos"] if p["status"] == "ok")
    csv = (out / "batch-report.csv").read_text().splitlines()
    assert csv[0].startswith("file,output,status,method,seconds,clipped_share") and len(csv) == 7
    assert "1 failed" in err and "not a readable image" in err
    assert not list(out.rglob(".*.exr"))  # no temporary files left


def test_batch_output_equals_a_single_reconstruction(tmp_path, capsys):
    src = _photo(tmp_path / "p.jpg", (200, 140))
    assert run(["batch", src, "-o", tmp_path / "b", "--progress", "none"], capsys)[0] == 0
    assert run(["reconstruct", src, "-o", tmp_path / "single.exr"], capsys)[0] == 0
    assert (tmp_path / "b" / "p.exr").read_bytes() == (tmp_path / "single.exr").read_bytes()


def test_a_batch_into_its_own_folder_says_it_would_replace_the_photos(tmp_path, capsys):
    """Written into the photos' own folder in their own format, a batch said "already
    exists … use --force", and --force then failed photo by photo ("refusing to overwrite
    the source image")."""
    src = _photo(tmp_path / "p.jpg", (120, 80))
    before = src.read_bytes()
    for extra in ([], ["--force"], ["--resume"]):
        cmd = ["batch", src, "-o", tmp_path, "--format", "jpeg-sdr", "--method", "none"]
        code, _, err = run([*cmd, *extra], capsys)
        assert code == 3 and "would replace its own photo" in err, err
        assert "--force" not in err and src.read_bytes() == before


def test_resume_skips_current_and_redoes_what_changed(folder, tmp_path, capsys):
    out = tmp_path / "out"
    base = ["batch", folder / "a.jpg", folder / "b.png", "-o", out, "--progress", "none"]
    assert run([*base, "--method", "classical"], capsys)[0] == 0
    before = {p: p.stat().st_mtime_ns for p in out.glob("*.exr")}
    # Without --resume or --force: refused before any work, nothing touched.
    code, _, err = run([*base, "--method", "classical"], capsys)
    assert code == 3 and "already exists" in err
    assert {p: p.stat().st_mtime_ns for p in out.glob("*.exr")} == before
    # --resume: both current.
    code, _, err = run([*base, "--method", "classical", "--resume"], capsys)
    assert code == 0 and "0 done, 2 already current" in err
    # A changed input is redone, the other stays current.
    _photo(folder / "b.png", (160, 100))
    code, _, err = run([*base, "--method", "classical", "--resume"], capsys)
    assert code == 0 and "1 done, 1 already current" in err
    # Changed settings: everything is redone.
    code, _, err = run([*base, "--method", "classical", "--resume", "--peak-nits", "600"], capsys)
    assert code == 0 and "2 done, 0 already current" in err


def test_list_files_and_missing_entries(folder, tmp_path, capsys):
    lst = tmp_path / "photos.txt"
    lst.write_text(f"# wedding\n{folder / 'a.jpg'}\nin/b.png\nin/gone.jpg\n")
    (tmp_path / "in").mkdir(exist_ok=True)
    _photo(tmp_path / "in" / "b.png")
    code, _, err = run(
        ["batch", f"@{lst}", "-o", tmp_path / "o", "--method", "none", "--progress", "none"],
        capsys,
    )
    assert code == 4 and "gone.jpg: no such file" in err
    assert sorted(p.name for p in (tmp_path / "o").glob("*.exr")) == ["a.exr", "b.exr"]
    (tmp_path / "empty").mkdir()
    code, _, err = run(["batch", tmp_path / "empty", "-o", tmp_path / "o2"], capsys)
    assert code == 2 and "no photos found" in err


#: ``python -m hdr_studio`` with Ctrl-C handled as in a terminal's foreground job. A test run
#: started as a background job (``cmd &`` in a script) passes SIGINT on *ignored*, and
#: Python keeps ignoring it — right for a background job, but not what this test is about.
TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'hdr-studio'; runpy.run_module('hdr_studio', run_name='__main__')"
)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_resume_finishes(tmp_path):
    """A real Ctrl-C (SIGINT to the batch process) during a run with the default network:
    exit 130, no partial or temporary output, report and manifest written; --resume then
    does the rest."""
    src = tmp_path / "in"
    for i in range(6):
        _photo(src / f"p{i}.jpg", (1500, 1000))
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", TERMINAL, "batch", str(src), "-o", str(out)]
    cmd += ["--progress", "json", "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # wait for the first photo to finish, then interrupt
        if json.loads(line)["event"] == "photo":
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            break
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "--resume" in err
    report = json.loads((out / "batch-report.json").read_text())
    statuses = [p["status"] for p in report["photos"]]
    assert report["interrupted"] and "cancelled" in statuses and "ok" in statuses
    done = {p.name for p in out.glob("*.exr")}
    assert done == {Path(p["output"]).name for p in report["photos"] if p["status"] == "ok"}
    for p in out.glob("*.exr"):
        assert read_image(p).width == 1500  # whole files only
    assert not list(out.glob(".*"))[1:] and not list(out.glob(".p*"))  # only the manifest
    r = subprocess.run(
        [*cmd[:-4], "--resume", "--progress", "none"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert f"{6 - len(done)} done, {len(done)} already current" in r.stderr
    assert len(list(out.glob("*.exr"))) == 6
    os.sync()


def test_sigterm_stops_a_batch_as_terminated(tmp_path):
    """``kill``, ``timeout`` and schedulers send SIGTERM: a batch exited 130, Ctrl-C's
    code, where a single photo exits 143; and its JSON progress named only the photos
    finished before it, not those written or cancelled as it stopped."""
    src = tmp_path / "in"
    for i in range(8):
        _photo(src / f"p{i}.jpg", (1500, 1000))
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", TERMINAL, "batch", str(src), "-o", str(out)]
    cmd += ["--progress", "json", "--workers", "1", "--method", "classical"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    events = []
    for line in proc.stdout:  # the first photo done: terminate
        events.append(json.loads(line))
        if events[-1]["event"] == "photo":
            proc.send_signal(signal.SIGTERM)
            break
    rest, err = proc.communicate(timeout=120)
    events += [json.loads(line) for line in rest.splitlines()]
    assert proc.returncode == 143, err
    report = json.loads((out / "batch-report.json").read_text())
    assert report["interrupted"] and len(report["photos"]) == 8
    said = [e for e in events if e["event"] == "photo"]
    assert sorted(e["file"] for e in said) == sorted(p["file"] for p in report["photos"])
    assert events[-1]["event"] == "end" and events[-1]["cancelled"] >= 1


def test_cluster_without_ray_is_one_line(tmp_path):
    """Without the [cluster] extra."""
    _photo(tmp_path / "a.jpg")
    r = run_without(
        ("ray",),
        CLI,
        "batch",
        str(tmp_path / "a.jpg"),
        "-o",
        str(tmp_path / "o"),
        "--cluster",
        "ray",
    )
    assert r.returncode == 2 and "pip install 'hdr-studio[cluster]'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "hdr_studio",
            "batch",
            str(tmp_path / "a.jpg"),
            "-o",
            str(tmp_path / "o"),
            "--cluster",
            "slurm",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "unknown cluster" in bad.stderr


def test_two_photos_of_one_name_from_two_folders_are_named_in_the_refusal(tmp_path):
    from hdr_studio.core.errors import InputError

    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "p.jpg").write_bytes((SAMPLES / "sunset_lomiri.jpg").read_bytes())
    with pytest.raises(InputError) as err:
        collect([str(tmp_path / "a" / "p.jpg"), str(tmp_path / "b" / "p.jpg")], False, ".exr")
    text = str(err.value)
    assert str(tmp_path / "a" / "p.jpg") in text and str(tmp_path / "b" / "p.jpg") in text
    assert "different output folders" in text


def test_a_batch_record_the_disk_cannot_hold_is_one_line_and_no_leftover(tmp_path, monkeypatch):
    """A full disk while the batch record is saved was "internal error: OSError", exit 1,
    and left an empty temporary record behind on every run. The disk filling is the mocked
    boundary (os.replace raising ENOSPC): filling a real disk needs root."""
    import errno

    from hdr_studio.batch.manifest import Manifest
    from hdr_studio.core.errors import OutputError

    def full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    manifest = Manifest(tmp_path, {"a.exr": {"input": "a.jpg"}})
    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError, match=r"cannot save the batch record \(no space left"):
        manifest.save()
    assert list(tmp_path.iterdir()) == []  # no temporary record left
    monkeypatch.undo()
    manifest.save()
    assert Manifest.load(tmp_path).items == manifest.items


def test_a_batch_into_its_own_input_folder_does_not_take_its_outputs_as_photos(tmp_path, capsys):
    """The second run took the first's b.png (a PQ output) as a new photo, and --resume
    then refused: "b.jpg and b_jpg.exr would write the same output"."""
    same = tmp_path / "same"
    _photo(same / "a.jpg")
    _photo(same / "b.jpg")
    args = ["batch", same, "-o", same, "--method", "none", "--progress", "none"]
    code, _, err = run([*args, "--format", "png-pq"], capsys)
    assert code == 0, err
    assert (same / "a.png").exists() and (same / "b.png").exists()
    code, _, err = run(args, capsys)  # EXR now: the PNGs it wrote are not inputs
    assert code == 0, err
    assert not (same / "a_png.exr").exists() and (same / "a.exr").exists()
    code, _, err = run([*args, "--resume"], capsys)
    assert code == 0 and "already current" in err, err
    named = ["batch", same / "a.png", "-o", tmp_path / "o", "--method", "none"]
    assert run(named, capsys)[0] == 0  # a file named directly is taken whatever wrote it


def test_a_batch_with_nothing_to_read_or_nowhere_to_report_is_refused_up_front(tmp_path, capsys):
    """`batch nonexist -o out` ran, made out/ and exited 4; `--report /nonexist/r.json`
    made the folder /nonexist. Both are refused before anything is made, as
    `reconstruct -o` is."""
    out = tmp_path / "out"
    code, _, err = run(["batch", tmp_path / "nonexist.jpg", "-o", out], capsys)
    assert code == 2 and "nonexist.jpg: no such file" in err and not out.exists()
    photo = _photo(tmp_path / "a.jpg")
    report = tmp_path / "nowhere" / "r.json"
    code, _, err = run(["batch", photo, "-o", out, "--report", report], capsys)
    assert code == 3 and "does not exist" in err
    assert not out.exists() and not report.parent.exists()
    code, _, err = run(["batch", photo, tmp_path / "gone.jpg", "-o", out, "--method", "none"],
                       capsys)  # fmt: skip
    assert code == 4 and "gone.jpg" in err and (out / "a.exr").exists()  # one missing: reported


def test_a_photo_written_as_the_batch_is_interrupted_counts_as_done(tmp_path):
    """Ctrl-C can land after a worker renamed its output into place and before it said so:
    the report called the photo cancelled beside a whole file, and --resume redid it. The
    pool is a stand-in here (the race needs real signals and processes; the slow Ctrl-C
    test drives those): it writes the first photo's output, then is interrupted."""
    from hdr_studio.api.request import ReconstructRequest
    from hdr_studio.batch.inputs import collect
    from hdr_studio.batch.run import plan, run_batch

    for name in ("a", "b"):
        _photo(tmp_path / "in" / f"{name}.jpg")
    out = tmp_path / "out"
    out.mkdir()
    items = collect([str(tmp_path / "in")], False, ".exr", out)
    template = ReconstructRequest(input=Path(), method="none")
    tasks, skipped, manifest = plan(items, out, template, False, False)

    class Interrupted:
        def map_unordered(self, tasks, stop):
            Path(tasks[0].request.output).write_bytes(b"whole")  # renamed into place
            raise KeyboardInterrupt
            yield  # a generator, as the pools' are

        def cancel_running(self):
            return []

    events: list[dict] = []
    report = run_batch(tasks, skipped, manifest, make_pool=Interrupted, on_event=events.append)
    status = {Path(r.output).name: r.status for r in report.records}
    assert report.interrupted and status == {"a.exr": "ok", "b.exr": "cancelled"}
    # one "photo" event for each of them (--progress json gave none for either)
    said = {Path(e["output"]).name: e["status"] for e in events if e["event"] == "photo"}
    assert said == status and events[-1]["event"] == "end"
    assert "a.exr" in json.loads((out / ".hdr-studio-batch.json").read_text())["items"]
