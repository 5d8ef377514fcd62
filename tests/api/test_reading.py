"""Reading ahead (api.reading): the photo is decoded on a thread while the caller checks the
request and loads the method; the image, or the reading error, is handed over when asked
for, so that the checks' own errors still come first."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from hdr_studio.api import ReconstructRequest, prepare
from hdr_studio.api.engine import load_input
from hdr_studio.api.reading import read_ahead
from hdr_studio.core.errors import InputError
from tests.helpers import gradient, write


def test_the_image_read_ahead_is_the_one_load_input_gives(tmp_path):
    src = write(tmp_path / "p.png", (gradient() * 255).astype(np.uint8))
    request = ReconstructRequest(input=src, output=tmp_path / "o.exr", method="none")
    reading = read_ahead(request)
    got, want = reading.image(), load_input(request)
    np.testing.assert_array_equal(got.code, want.code)
    np.testing.assert_array_equal(got.linear, want.linear)
    assert got.width == want.width and reading.image() is got  # asked again: the same


def test_it_reads_on_another_thread_and_the_caller_goes_on(tmp_path, monkeypatch):
    """While the read is held, the caller runs its checks (prepare) and only image() waits."""
    import hdr_studio.api.reading as reading_module

    src = write(tmp_path / "p.png", (gradient() * 255).astype(np.uint8))
    started, release = threading.Event(), threading.Event()
    seen = {}

    def slow_load(request):
        seen["thread"] = threading.current_thread().name
        started.set()
        assert release.wait(30)
        return load_input(request)

    monkeypatch.setattr(reading_module, "load_input", slow_load)
    request = ReconstructRequest(input=src, output=tmp_path / "o.exr", method="none")
    reading = read_ahead(request)
    assert started.wait(30)
    assert prepare(request).method.name == "none"  # the checks ran while the read waits
    release.set()
    assert reading.image().width == 64 and seen["thread"] != threading.current_thread().name


def test_a_reading_error_is_raised_where_the_image_is_asked_for(tmp_path):
    bad = tmp_path / "text.png"
    bad.write_text("hello")
    reading = read_ahead(ReconstructRequest(input=bad, output=tmp_path / "o.exr"))
    with pytest.raises(InputError):
        reading.image()
    with pytest.raises(InputError):  # and again when asked again
        reading.image()
    missing = read_ahead(ReconstructRequest(input=tmp_path / "none.jpg"))
    with pytest.raises(InputError, match=r"none\.jpg"):  # no file: read (and fail) when asked
        missing.image()
