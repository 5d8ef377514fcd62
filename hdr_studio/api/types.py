"""The plain types front ends hold and pass back to the api: a photo in memory
(:class:`Image`), the kinds of results and methods, the clipping statistics, the export
options and what long jobs take (a progress callback, a cancel token)."""

from hdr_studio.core.clipping import ClipStats, Region
from hdr_studio.core.export import ExportOptions
from hdr_studio.core.image import Image
from hdr_studio.core.jobs import CancelToken, ProgressFn
from hdr_studio.core.result import MethodKind, ResultKind

__all__ = [
    "CancelToken",
    "ClipStats",
    "ExportOptions",
    "Image",
    "MethodKind",
    "ProgressFn",
    "Region",
    "ResultKind",
]
