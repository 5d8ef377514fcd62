"""Reading ahead: the request's photo decoded on a thread while the caller checks the request
and loads the method. A network method's first use imports PyTorch (about 1.5 s on two
cores) and the decode of a 12 MP JPEG or a 24 MP raw takes 0.5–2.6 s; the two overlap
(OpenImageIO, LibRaw and numpy's large operations let go of the interpreter lock).

The result, or the error, is the same as :func:`~hdr_studio.api.engine.load_input`'s and is
handed over only when asked for, so that the checks' errors still come first."""

from __future__ import annotations

import threading
from pathlib import Path

from hdr_studio.api.engine import load_input
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.core.image import Image


class Reading:
    """A decode started by :func:`read_ahead`; :meth:`image` waits for it."""

    def __init__(self, request: ReconstructRequest) -> None:
        self._request = request
        self._image: Image | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if isinstance(request.input, Path) and request.input.is_file():
            self._thread = threading.Thread(target=self._read, name="read-ahead", daemon=True)
            self._thread.start()

    def _read(self) -> None:
        try:
            self._image = load_input(self._request)
        except BaseException as exc:  # handed to the caller of image(), in its thread
            self._error = exc

    def image(self) -> Image:
        """The decoded input, or the error reading it raised (raised here)."""
        if self._thread is None:  # an image in memory, or no file: read (and fail) now
            return load_input(self._request)
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._image is not None
        return self._image


def read_ahead(request: ReconstructRequest) -> Reading:
    """Start decoding ``request``'s input on a thread (a file; an in-memory image needs no
    decoding); :meth:`Reading.image` gives it."""
    return Reading(request)
