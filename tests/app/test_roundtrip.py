"""The app's side of the GIMP/Krita round trip, in a real (offscreen) window against a real
bridge on 127.0.0.1. The bridge would start the app as a process; here the window is this
test's own, so the bridge's app command is a placeholder process (``sleep``) standing in for
that start, and the window is pointed at the session as ``--bridge-session`` would. The
whole chain with the real app process runs in the Krita test (tests/hosts)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

pytest.importorskip("PySide6")

from hdr_studio.bridge.client import Client
from hdr_studio.bridge.server import Bridge, Limits, make_server
from tests.app.test_main_window import win  # noqa: F401 (the window fixture)
from tests.bridge.conftest import layer, photo_u8


@pytest.fixture
def session_bridge(tmp_path, monkeypatch):
    monkeypatch.setenv("HDR_STUDIO_RUNTIME_DIR", str(tmp_path / "run"))
    from hdr_studio.bridge.connection import write_connection

    bridge = Bridge(Limits(), app_command="sh -c 'exec sleep 120' placeholder")
    server = make_server(bridge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    write_connection(server.server_address[1], bridge.token, "test")
    yield bridge, Client(server.server_address[1], bridge.token)
    bridge.stop()
    server.server_close()


def send_layer(client):
    px = photo_u8()
    header, data = layer(px, "u8", "BGRA", "sRGB-elle-V2-srgbtrc.icc")
    return px, client.open_in_app(header, data, "Background")


def test_open_reconstruct_send_back(qtbot, win, session_bridge):  # noqa: F811
    _, client = session_bridge
    px, session = send_layer(client)
    assert client.json("GET", f"/v1/sessions/{session}")["state"] == "open"
    assert not win.act_send_back.isVisible() and not win.act_send_back.isEnabled()
    win.open_session(session)
    qtbot.waitUntil(lambda: win.state.document.image is not None, timeout=30000)
    image = win.state.document.image
    np.testing.assert_array_equal(image.code, px[..., :3].astype(np.float32) / 255)
    assert win.windowTitle().startswith("Background")
    assert win.act_send_back.isVisible() and not win.act_send_back.isEnabled()
    qtbot.waitUntil(lambda: win.state.methods.loaded, timeout=60000)  # Reconstruct offered
    win.reconstruct("classical")
    qtbot.waitUntil(lambda: win.state.document.outcome is not None, timeout=60000)
    assert win.act_send_back.isEnabled()
    win.send_back()
    qtbot.waitUntil(
        lambda: client.json("GET", f"/v1/sessions/{session}")["state"] == "returned",
        timeout=30000,
    )
    status = client.json("GET", f"/v1/sessions/{session}")
    assert status["result_name"] == "HDR Studio: Classical (no network), 100 %"
    assert status["kind"] == "hdr"
    _, pixels = client.session_result(session, sample="f32")
    got = np.frombuffer(pixels, np.float32).reshape(48, 64, 4)
    np.testing.assert_array_equal(got[..., :3], win.state.document.outcome.pixels)
    assert got[..., :3].max() > 1.0
    win.close()  # after sending back, closing changes nothing
    assert client.json("GET", f"/v1/sessions/{session}")["state"] == "returned"


def test_closing_without_sending_back_leaves_nothing_to_collect(qtbot, win, session_bridge):  # noqa: F811
    _, client = session_bridge
    _, session = send_layer(client)
    win.open_session(session)
    qtbot.waitUntil(lambda: win.state.document.image is not None, timeout=30000)
    win.close()
    status = client.json("GET", f"/v1/sessions/{session}")
    assert status["state"] == "closed" and "without sending back" in status["message"]


def test_the_host_cancels_and_the_started_app_is_closed(session_bridge):
    bridge, client = session_bridge
    _, session = send_layer(client)
    process = bridge.sessions.get(session).process
    assert process.poll() is None
    client.request("DELETE", f"/v1/sessions/{session}")
    assert process.wait(10) != 0  # terminated
    assert bridge.sessions.get(session).state == "cancelled"
