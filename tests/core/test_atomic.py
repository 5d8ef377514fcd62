"""Safe output paths: temporaries of killed writers can be cleared, nothing else."""

from __future__ import annotations

import os
import tempfile

import pytest

from hdr_studio.core.atomic import atomic_path, remove_stale_temporaries
from hdr_studio.core.errors import OutputError


def test_stale_temporaries_of_a_killed_writer_are_removed(tmp_path):
    out = tmp_path / "p00.exr"
    fd, _ = tempfile.mkstemp(prefix=".p00.", suffix=".exr", dir=tmp_path)  # as atomic_path
    os.close(fd)
    (tmp_path / "p00.exr").write_text("done")
    (tmp_path / ".p01.abcdefgh.exr").write_text("another output's")
    (tmp_path / ".p00.notes.exr").write_text("not a temporary name")
    assert remove_stale_temporaries(out) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".p00.notes.exr",
        ".p01.abcdefgh.exr",
        "p00.exr",
    ]
    assert remove_stale_temporaries(tmp_path / "missing" / "x.exr") == 0


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    out = tmp_path / "r.png"
    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        tmp.write_bytes(b"partial")
        raise RuntimeError("writer failed")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputError, match="no data"), atomic_path(out):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_refuses_the_temporary_is_one_line(tmp_path, monkeypatch):
    """An operating system error while making, writing or renaming the temporary (a
    read-only folder or disk, a full disk) is an OutputError naming the output, not a
    traceback; simulated, since the tests may run as root."""

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    no_permission = r"r.png: cannot write in folder .*no write permission"
    with pytest.raises(OutputError, match=no_permission), atomic_path(tmp_path / "r.png"):
        pass
    monkeypatch.undo()
    full = r"r.png: writing failed \(no space left on device\)"
    with pytest.raises(OutputError, match=full), atomic_path(tmp_path / "r.png") as tmp:
        raise OSError(28, "No space left on device", str(tmp))
    assert list(tmp_path.iterdir()) == []
