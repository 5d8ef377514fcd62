"""The bridge's API as an OpenAPI 3.0 document (served at ``/v1/openapi.json``; the fuzz
tests generate requests from it), written from the one route table
(:data:`hdr_studio.bridge.routes.ROUTES`) the server dispatches from."""

from __future__ import annotations

from typing import Any

from hdr_studio.api.parameters import Parameter, json_schema, property_schema
from hdr_studio.bridge.routes import LAYER_TYPE, PATH_PARAMETERS, ROUTES, Route

_ERROR = {
    "description": "a one-line reason",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            }
        }
    },
}
_LAYER_BODY = {
    "required": True,
    "description": (
        "A layer message: b'HSL1', uint32 LE header length, JSON header (width, height, "
        "channels, sample u8|u16|f16|f32, order RGBA|BGRA|RGB|BGR, colorspace "
        "{name|icc|primaries+transfer}; for a job or a preview also request: a "
        "ReconstructRequest, see components/schemas), then width*height*channels "
        "little-endian samples. See plugins/PROTOCOL.md."
    ),
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}
_LAYER_ANSWER = {
    "description": "a layer message (same framing as the request bodies)",
    "content": {LAYER_TYPE: {"schema": {"type": "string", "format": "binary"}}},
}
_STATUS = {
    "type": "object",
    "required": ["id", "state"],
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string"},
        "progress": {"type": "number"},
        "message": {"type": "string"},
        "error": {"type": "string"},
    },
}


def _query(item: Any) -> dict[str, Any]:
    if isinstance(item, Parameter):
        return {"name": item.name, "in": "query", "schema": property_schema(item)}
    name, kind = item
    schema = {"type": "string", "enum": list(kind)} if isinstance(kind, tuple) else {"type": kind}
    return {"name": name, "in": "query", "schema": schema}


def _operation(route: Route) -> dict[str, Any]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": p}}
        for name, p in PATH_PARAMETERS.items()
        if "{" + name + "}" in route.path
    ]
    params += [_query(item) for item in route.query]
    if route.answer == "layer":
        success = _LAYER_ANSWER
    else:
        schema = _STATUS if "{id}" in route.path or route.status in (201, 202) else None
        success = {
            "description": route.summary,
            "content": {"application/json": {"schema": schema or {"type": "object"}}},
        }
    op: dict[str, Any] = {
        "summary": route.summary,
        "operationId": route.handler,
        "responses": {
            str(route.status): success,
            **{str(c): _ERROR for c in (401, 403, *route.errors)},
        },
    }
    if params:
        op["parameters"] = params
    if route.body == "layer":
        op["requestBody"] = _LAYER_BODY
    return op


def openapi_document(version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.verb.lower()] = _operation(route)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "HDR Studio bridge",
            "version": version,
            "description": "Local API (127.0.0.1, bearer token) for the GIMP and Krita plug-ins.",
        },
        "servers": [{"url": "http://127.0.0.1"}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            # The "request" of a job's or a preview's layer header, from the request's
            # parameter table (the fields the bridge shows).
            "schemas": {"ReconstructRequest": json_schema()},
        },
        "paths": paths,
    }
