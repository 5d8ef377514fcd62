"""The bridge's one route table: each entry names its verb, its path (OpenAPI template), the
handler that serves it and what it takes and answers. The server dispatches from this table
(:func:`match`) and :mod:`hdr_studio.bridge.openapi` writes the OpenAPI document from it, so
a route cannot be served without being documented, nor documented without being served."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hdr_studio.api.parameters import ANALYSE, parameter, shown_by

#: Path parameters: name → pattern (job and session ids are 16 hex digits).
PATH_PARAMETERS = {"id": "[0-9a-f]{16}"}
LAYER_TYPE = "application/x-hdr-studio-layer"

_CONVERSION = (
    ("sample", ("f32", "f16", "u16", "u8")),
    ("order", ("RGBA", "BGRA", "RGB", "BGR")),
    ("transfer", ("linear", "srgb", "source")),
    ("primaries", ("source", "rec709", "rec2020", "p3", "adobergb")),
    ("icc", "string"),
)
_ANALYSE = (
    *shown_by("bridge", ANALYSE),  # over, under, mode: the analysis's parameter table
    ("sample", ("u8", "u16", "f16", "f32")),
    ("order", ("RGBA", "BGRA")),
)
_PREVIEW = (
    ("size", "integer"),
    ("overlay", ("true", "false")),
    parameter("mode", ANALYSE),
)


@dataclass(frozen=True)
class Route:
    """One operation.

    verb, path: the HTTP verb and the path template (``{id}`` a path parameter).
    handler: the name of the :class:`~hdr_studio.bridge.server.Handler` method that serves
        it; it is called with ``(query, body, **path parameters)``.
    status: the success status; answer: ``json`` (a description), or ``layer``.
    body: ``layer`` when it takes a layer message, else ``None``.
    query: query parameters as (name, "number" | "integer" | a tuple of choices), or an
        entry of an api parameter table (:class:`~hdr_studio.api.parameters.Parameter`).
    errors: the error statuses it may answer besides 401/403.
    summary: one line for the OpenAPI document.
    quiet: requests a client repeats several times a second (status polls) are logged at
        DEBUG, not INFO.
    """

    verb: str
    path: str
    handler: str
    summary: str
    status: int = 200
    answer: str = "json"
    body: str | None = None
    query: tuple[Any, ...] = ()
    errors: tuple[int, ...] = ()
    quiet: bool = False

    @property
    def regex(self) -> re.Pattern[str]:
        pattern = re.escape(self.path)
        for name, part in PATH_PARAMETERS.items():
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>{part})")
        return re.compile(pattern)


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/health", "health", "version, protocol, device, active jobs"),
    Route("GET", "/v1/openapi.json", "openapi", "this document"),
    Route("GET", "/v1/models", "models", "the method catalogue"),
    Route(
        "POST",
        "/v1/analyse",
        "analyse",
        "clipping statistics and the red/green overlay of a layer",
        answer="layer",
        body="layer",
        query=_ANALYSE,
        errors=(400, 408, 411, 413),
    ),
    Route(
        "POST",
        "/v1/preview",
        "preview",
        "a reduced copy of a layer reconstructed at once (the dialogs' live preview)",
        answer="layer",
        body="layer",
        query=(*_PREVIEW, ("order", ("RGBA", "BGRA"))),
        errors=(400, 404, 408, 409, 411, 413),
    ),
    Route(
        "POST",
        "/v1/jobs",
        "submit",
        "start a reconstruction job",
        status=202,
        body="layer",
        errors=(400, 404, 408, 409, 411, 413, 503),
    ),
    Route(
        "GET",
        "/v1/jobs/{id}",
        "job_status",
        "job status (with wait=S: when the job ends, or after S ≤ 2 seconds)",
        query=(("wait", "number"),),
        errors=(400, 404),
        quiet=True,
    ),
    Route("DELETE", "/v1/jobs/{id}", "job_cancel", "cancel or forget a job", errors=(404,)),
    Route(
        "GET",
        "/v1/jobs/{id}/result",
        "job_result",
        "the finished job's pixels",
        answer="layer",
        query=_CONVERSION,
        errors=(400, 404, 409),
    ),
    Route(
        "POST",
        "/v1/sessions",
        "session_open",
        "send a layer to the desktop app (round trip)",
        status=201,
        body="layer",
        errors=(400, 408, 411, 413),
    ),
    Route(
        "GET", "/v1/sessions/{id}", "session_status", "round-trip status", errors=(404,), quiet=True
    ),
    Route("DELETE", "/v1/sessions/{id}", "session_cancel", "the host stops waiting", errors=(404,)),
    Route(
        "GET",
        "/v1/sessions/{id}/input",
        "session_input",
        "the layer as the host sent it",
        answer="layer",
        errors=(404,),
    ),
    Route(
        "POST",
        "/v1/sessions/{id}/result",
        "session_deliver",
        "the app's Send back",
        body="layer",
        errors=(400, 404, 413),
    ),
    Route(
        "GET",
        "/v1/sessions/{id}/result",
        "session_result",
        "the result sent back",
        answer="layer",
        query=_CONVERSION,
        errors=(400, 404, 409),
    ),
    Route(
        "POST",
        "/v1/sessions/{id}/close",
        "session_close",
        "the app closed without sending back",
        errors=(404,),
    ),
    Route("POST", "/v1/shutdown", "shutdown", "the bridge stops"),
)


class NoRoute(Exception):
    """No route serves this request: ``status`` 404 (no such path) or 405 (not this verb)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def match(verb: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route serving ``verb path`` and its path parameters; :class:`NoRoute` else."""
    path_known = False
    for route in ROUTES:
        found = route.regex.fullmatch(path)
        if found is None:
            continue
        if route.verb == verb:
            return route, found.groupdict()
        path_known = True
    if path_known:
        raise NoRoute(405, f"{verb} not allowed here")
    if path.startswith("/v1/"):
        raise NoRoute(404 if verb in ("GET", "POST", "DELETE") else 405, f"no route {verb} {path}")
    raise NoRoute(404, f"no route {path} (the API lives under /v1/)")


__all__ = ["LAYER_TYPE", "ROUTES", "NoRoute", "Route", "match"]
