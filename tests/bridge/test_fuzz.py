"""Property-based fuzzing of the bridge's API: schemathesis generates requests from the
OpenAPI document the bridge serves (every operation but shutdown), hypothesis throws
arbitrary bytes and headers at the layer endpoints. No answer may be a 5xx, the bridge must
keep serving, and every error is one JSON line."""

from __future__ import annotations

import json
import threading

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hdr_studio import __version__  # noqa: E402
from hdr_studio.bridge.client import Client, pack  # noqa: E402
from hdr_studio.bridge.openapi import openapi_document  # noqa: E402
from hdr_studio.bridge.server import Bridge, Limits, make_server  # noqa: E402

schema = schemathesis.openapi.from_dict(openapi_document(__version__))


@pytest.fixture(scope="module")
def fuzz_bridge(tmp_path_factory):
    import os

    os.environ["HDR_STUDIO_RUNTIME_DIR"] = str(tmp_path_factory.mktemp("run"))
    bridge = Bridge(Limits(max_pixels=4096, max_body=1 << 20, request_timeout=5))
    server = make_server(bridge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Client(server.server_address[1], bridge.token)
    bridge.stop()
    server.server_close()


def _no_server_error(status: int, body: bytes) -> None:
    assert status < 500, body[:300]
    if status >= 400:
        message = json.loads(body)["error"]
        assert message and "\n" not in message


@schema.exclude(path="/v1/shutdown").parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_operations_never_fail_on_the_server(case, fuzz_bridge):
    headers = {"Authorization": f"Bearer {fuzz_bridge.token}"}
    response = case.call(base_url=f"http://127.0.0.1:{fuzz_bridge.port}", headers=headers)
    _no_server_error(response.status_code, response.content)
    assert fuzz_bridge.health()["status"] == "ok"


_header_values = st.one_of(
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
_headers = st.fixed_dictionaries(
    {},
    optional={
        "width": _header_values | st.integers(0, 70),
        "height": _header_values | st.integers(0, 70),
        "channels": _header_values | st.sampled_from([3, 4]),
        "sample": _header_values | st.sampled_from(["u8", "u16", "f16", "f32"]),
        "order": _header_values | st.sampled_from(["RGBA", "BGRA", "RGB", "BGR"]),
        "colorspace": _header_values
        | st.sampled_from([{"name": "srgb"}, {"name": "srgb-linear"}, {"icc": "AAAA"}]),
        "selection": _header_values,
        "alpha": _header_values,
        "request": _header_values
        | st.fixed_dictionaries(
            {},
            optional={
                "method": _header_values | st.sampled_from(["none", "classical", "x"]),
                "options": _header_values,
                "result": _header_values | st.sampled_from(["auto", "hdr", "sdr"]),
                "over": _header_values,
                "precision": _header_values,
            },
        ),
    },
)


@given(
    path=st.sampled_from(["/v1/jobs", "/v1/analyse", "/v1/sessions/0123456789abcdef/result"]),
    header=_headers,
    data=st.binary(max_size=2048),
    raw=st.booleans(),
)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_arbitrary_layer_messages(fuzz_bridge, path, header, data, raw):
    body = data if raw else pack(header, data)
    try:
        status, _, answer = fuzz_bridge.request("POST", path, body)
    except Exception as exc:  # BridgeError carries the status of an error answer
        status = getattr(exc, "status", 0)
        assert 400 <= status < 500, exc
        return
    assert status in (200, 201, 202)
    if path == "/v1/jobs":
        fuzz_bridge.request("DELETE", f"/v1/jobs/{json.loads(answer)['id']}")
