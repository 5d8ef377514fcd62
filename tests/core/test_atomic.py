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
