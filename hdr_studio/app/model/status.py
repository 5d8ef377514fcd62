"""What the progress bar and the job's status line say. A job is reported done only when
what it shows is on screen: after an Open or a reconstruction the panels (histogram,
layers, chromaticity) follow on a worker, and until they are in, the line says so. No Qt
here."""

from __future__ import annotations

from hdr_studio.api.types import ClipStats
from hdr_studio.app.model.state import Analysis, JobState

#: Where the bar stands while the panels follow a finished job.
PANELS_PROGRESS = 0.95


def job_status(job: JobState, analysis: Analysis) -> tuple[str, float]:
    """(status line, progress 0–1) for the job ``job`` with the panels in ``analysis``."""
    stopped = f" ({job.replaced} was stopped for it)" if job.replaced else ""
    if job.state == "running":
        return f"{job.name}: {job.message}{stopped}", job.progress
    if job.state == "done":
        if analysis.pending and (job.name == "Open" or job.name.startswith("Reconstruct")):
            return f"{job.name}: updating histogram, layers and chromaticity…", PANELS_PROGRESS
        return f"{job.name}: done{stopped}", 1.0
    if job.state == "cancelled":
        return f"{job.name}: cancelled", 0.0
    if job.state == "failed":
        return f"{job.name} failed: {job.error}", 0.0
    return "", 0.0


def result_out_of_date(state) -> bool:
    """Whether the shown result was made with another method, number of passes, camera
    curve or method options than the panel now says (it stayed, with no sign, after the
    method was changed). Strength and selection need no new run: they apply at once."""
    doc, edits = state.document, state.edits
    if doc.result is None or doc.outcome is None:
        return False
    made = doc.outcome.metadata
    return (
        made.get("method") != edits.method
        or made.get("passes", 1) != edits.passes
        or made.get("curve_asked") != edits.curve
        or dict(made.get("options") or {}) != dict(edits.options_for(edits.method))
    )


#: How the status line names encodings and primaries ("8-bit sRGB/Rec.709", not "srgb/rec709").
_TRANSFERS = {"srgb": "sRGB", "linear": "linear", "pq": "PQ", "hlg": "HLG"}
_PRIMARIES = {"rec709": "Rec.709", "p3": "P3", "rec2020": "Rec.2020", "adobergb": "Adobe RGB"}


def transfer_name(transfer: str) -> str:
    """A transfer (or :func:`file_encoding`) as people write it: "sRGB", "PQ", "gamma 2.2"."""
    if transfer.startswith("gamma:"):
        return "gamma " + transfer.split(":", 1)[1]
    return _TRANSFERS.get(transfer, transfer)


def file_encoding(image) -> str:
    """The encoding of ``image``'s file by its transfer's name: a gain-map photo is held as
    linear HDR, but its file is an 8-bit sRGB photo plus a map."""
    return "sRGB + gain map" if image.gain_map is not None else image.transfer


def describe_opened(image, stats: ClipStats) -> str:
    """The status line for an opened photo: size, encoding, what clipped and against what
    (a raw file's sensor, an HDR photo's own headroom), and whether it is HDR already."""
    named = file_encoding(image)
    encoding = _TRANSFERS.get(named, named.replace(":", " "))
    floats = image.source_format in ("openexr", "hdr") or image.bit_depth == 32
    if image.transfer == "linear" and image.raw is None and floats:
        encoding = "float"  # a half-float EXR is no 16-bit integer file
    primaries = _PRIMARIES.get(image.primaries, image.primaries)
    line = (
        f"{image.width}×{image.height}, {image.bit_depth}-bit {encoding}/{primaries}"
        + (f" ({image.gain_map.short()})" if image.gain_map is not None else "")
        + f"; {stats.over_any * 100:.2f} % over-exposed"
        + (" (sensor saturation)" if image.sensor_clip is not None else "")
        + f", {stats.under_any * 100:.2f} % under-exposed"
    )
    # A gain-map photo says so in a few words above: the whole line fits beside the zoom
    # readout of a window 1280 px wide (the long form is in the Metadata panel and `analyze`).
    if image.gain_map is None and image.transfer in ("pq", "hlg"):
        line += f"; already HDR ({image.transfer.upper()}), reconstruction still offered"
    return line
