"""The bridge's API as an OpenAPI 3.0 document (served at ``/v1/openapi.json``; the fuzz
tests generate requests from it)."""

from __future__ import annotations

from typing import Any

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
        "channels, sample u8|u16|f16|f32, order RGBA|BGRA|RGB|BGR, colorspace {name|icc}), "
        "then width*height*channels little-endian samples. See plugins/PROTOCOL.md."
    ),
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}
_LAYER_ANSWER = {
    "description": "a layer message (same framing as the request bodies)",
    "content": {
        "application/x-hdr-studio-layer": {"schema": {"type": "string", "format": "binary"}}
    },
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
_CONVERSION = [
    {
        "name": "sample",
        "in": "query",
        "schema": {"type": "string", "enum": ["f32", "f16", "u16", "u8"]},
    },
    {
        "name": "order",
        "in": "query",
        "schema": {"type": "string", "enum": ["RGBA", "BGRA", "RGB", "BGR"]},
    },
    {
        "name": "transfer",
        "in": "query",
        "schema": {"type": "string", "enum": ["linear", "srgb", "source"]},
    },
    {
        "name": "primaries",
        "in": "query",
        "schema": {"type": "string", "enum": ["source", "rec709", "rec2020", "p3", "adobergb"]},
    },
]
_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
}


def _json(description: str, schema: dict | None = None) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"type": "object"}}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _ERROR for c in (401, 403, *codes)}


def openapi_document(version: str) -> dict[str, Any]:
    status = _json("job or session status", _STATUS)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "HDR Studio bridge",
            "version": version,
            "description": "Local API (127.0.0.1, bearer token) for the GIMP and Krita plug-ins.",
        },
        "servers": [{"url": "http://127.0.0.1"}],
        "security": [{"token": []}],
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/v1/health": {
                "get": {"responses": {"200": _json("version, protocol, device"), **_errors()}}
            },
            "/v1/openapi.json": {
                "get": {"responses": {"200": _json("this document"), **_errors()}}
            },
            "/v1/models": {
                "get": {"responses": {"200": _json("the method catalogue"), **_errors()}}
            },
            "/v1/analyse": {
                "post": {
                    "parameters": [
                        {"name": "over", "in": "query", "schema": {"type": "number"}},
                        {"name": "under", "in": "query", "schema": {"type": "number"}},
                        {
                            "name": "mode",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["all", "any", "channel"]},
                        },
                        _CONVERSION[0],
                        {
                            "name": "order",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["RGBA", "BGRA"]},
                        },
                    ],
                    "requestBody": _LAYER_BODY,
                    "responses": {"200": _LAYER_ANSWER, **_errors(400, 408, 411, 413)},
                }
            },
            "/v1/jobs": {
                "post": {
                    "requestBody": _LAYER_BODY,
                    "responses": {"202": status, **_errors(400, 404, 408, 409, 411, 413, 503)},
                }
            },
            "/v1/jobs/{id}": {
                "get": {"parameters": [_ID], "responses": {"200": status, **_errors(404)}},
                "delete": {"parameters": [_ID], "responses": {"200": status, **_errors(404)}},
            },
            "/v1/jobs/{id}/result": {
                "get": {
                    "parameters": [_ID, *_CONVERSION],
                    "responses": {"200": _LAYER_ANSWER, **_errors(400, 404, 409)},
                }
            },
            "/v1/sessions": {
                "post": {
                    "requestBody": _LAYER_BODY,
                    "responses": {"201": status, **_errors(400, 408, 411, 413)},
                }
            },
            "/v1/sessions/{id}": {
                "get": {"parameters": [_ID], "responses": {"200": status, **_errors(404)}},
                "delete": {"parameters": [_ID], "responses": {"200": status, **_errors(404)}},
            },
            "/v1/sessions/{id}/input": {
                "get": {"parameters": [_ID], "responses": {"200": _LAYER_ANSWER, **_errors(404)}}
            },
            "/v1/sessions/{id}/result": {
                "get": {
                    "parameters": [_ID, *_CONVERSION],
                    "responses": {"200": _LAYER_ANSWER, **_errors(400, 404, 409)},
                },
                "post": {
                    "parameters": [_ID],
                    "requestBody": _LAYER_BODY,
                    "responses": {"200": status, **_errors(400, 404, 413)},
                },
            },
            "/v1/shutdown": {
                "post": {"responses": {"200": _json("the bridge stops"), **_errors()}}
            },
            "/v1/sessions/{id}/close": {
                "post": {"parameters": [_ID], "responses": {"200": status, **_errors(404)}}
            },
        },
    }
