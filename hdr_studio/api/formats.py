"""The formats, for front ends to offer: what can be read (the one catalogue in
:mod:`hdr_studio.core.formats`: the Open dialogs, the desktop entry's MIME types, the batch
folder filter, ``--help``) and what can be written (the export formats by name:
:data:`EXPORT_FORMATS`, each an :class:`ExportFormat` record)."""

from hdr_studio.core.export import FORMATS as EXPORT_FORMATS
from hdr_studio.core.export import ExportFormat, ExportOptions, encode_result, is_location
from hdr_studio.core.formats import (
    format_for_extension,
    mime_types,
    open_filter,
    readable_extensions,
    readable_summary,
)
from hdr_studio.core.jxl_metadata import read_spec_of_boxes as jxl_metadata_spec

__all__ = [
    "EXPORT_FORMATS",
    "ExportFormat",
    "ExportOptions",
    "encode_result",
    "format_for_extension",
    "is_location",
    "jxl_metadata_spec",
    "mime_types",
    "open_filter",
    "readable_extensions",
    "readable_summary",
]
