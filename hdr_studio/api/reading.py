"""Reading ahead: the request's photo decoded on a thread while the caller checks the request
and loads the method. A network method's first use imports PyTorch (about 1.5 s on two
cores) and the decode of a 12 MP JPEG or a 24 MP raw takes 0.5–2.6 s; the two overlap
(OpenImageIO, LibRaw and numpy's large operations let go of the interpreter lock).

The result, or the error, is the same as :func:`~hdr_studio.api.engine.load_input`'s and is
handed over only when asked for, so that the checks' errors still come first."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from hdr_studio.api.engine import load_input
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.core.image import Image


class Reading:
    """A decode started by :func:`read_ahead`; :meth:`image` waits for it."""

    def __init__(self, request: ReconstructRequest) -> None:
        self._request = request
        self._future: Future[Image] | None = None
        if isinstance(request.input, Path) and request.input.is_file():
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")
            self._future = pool.submit(load_input, request)
            pool.shutdown(wait=False)  # the one thread ends with its read

    def image(self) -> Image:
        """The decoded input, or the error reading it raised (raised here)."""
        if self._future is None:  # an image in memory, or no file: read (and fail) now
            return load_input(self._request)
        return self._future.result()


def read_ahead(request: ReconstructRequest) -> Reading:
    """Start decoding ``request``'s input on a thread (a file; an in-memory image needs no
    decoding); :meth:`Reading.image` gives it."""
    return Reading(request)
