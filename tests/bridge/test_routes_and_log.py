"""The bridge's structure: one route table that both dispatches and writes the OpenAPI
document, one lease class for jobs and sessions, a rotating log in the state folder that
never holds a token; and the client's fast answer to a refused token, the app's reason when
it cannot start, the dialogs' preview."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hdr_studio import __version__
from hdr_studio.bridge import client as bridge_client
from hdr_studio.bridge.lease import Leased, Leases
from hdr_studio.bridge.openapi import openapi_document
from hdr_studio.bridge.routes import ROUTES, NoRoute, match
from hdr_studio.bridge.server import Handler
from tests.bridge.conftest import layer, photo_u8
from tests.bridge.test_server import auth, raw


def test_every_route_is_served_and_documented_and_nothing_else():
    doc = openapi_document(__version__)
    documented = {(verb.upper(), path) for path, ops in doc["paths"].items() for verb in ops}
    assert documented == {(r.verb, r.path) for r in ROUTES}
    for route in ROUTES:
        assert callable(getattr(Handler, route.handler)), route.handler
        concrete = route.path.replace("{id}", "0123456789abcdef")
        assert match(route.verb, concrete)[0] is route
        op = doc["paths"][route.path][route.verb.lower()]
        assert op["operationId"] == route.handler and str(route.status) in op["responses"]
    with pytest.raises(NoRoute) as err:
        match("PUT", "/v1/jobs")
    assert err.value.status == 405
    with pytest.raises(NoRoute) as err:
        match("GET", "/v1/nothing")
    assert err.value.status == 404


def test_each_route_answers_through_the_table(bridge):
    """A request to every documented path reaches its handler: never 'no route'."""
    _, client = bridge
    for route in ROUTES:
        if route.handler == "shutdown":
            continue
        path = route.path.replace("{id}", "0123456789abcdef")
        status, body = raw(client, route.verb, path, b"" if route.body else None, auth(client))
        message = body.get("error", "") if isinstance(body, dict) else ""
        assert "no route" not in message and "not allowed" not in message, (route, body)
        assert status != 405


def test_one_lease_class_for_jobs_and_sessions():
    from hdr_studio.bridge.jobs import Job
    from hdr_studio.bridge.sessions import Session

    assert issubclass(Job, Leased) and issubclass(Session, Leased)
    leases: Leases[Leased] = Leases(timeout=0.05, keep=0.05)
    active, done = leases.add(Leased()), leases.add(Leased())
    done.finished = time.monotonic()
    assert leases.expired() == ([], [])
    time.sleep(0.1)
    assert leases.get(active.id) is active  # asking renews the lease
    gone, stale = leases.expired()
    assert gone == [] and stale == [done]
    time.sleep(0.1)
    assert leases.expired()[0] == [active]


def test_status_shows_the_log_and_the_log_never_holds_a_token(tmp_path):
    """A real ``bridge serve``: its rotating log is in $XDG_STATE_HOME/hdr-studio, says what
    happened (requests, a refused token, a job), and holds neither its token nor a wrong
    one a client sent."""
    env = dict(
        os.environ,
        HDR_STUDIO_RUNTIME_DIR=str(tmp_path / "run"),
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    cli = [sys.executable, "-m", "hdr_studio", "bridge"]
    proc = subprocess.Popen([*cli, "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        os.environ["HDR_STUDIO_RUNTIME_DIR"] = env["HDR_STUDIO_RUNTIME_DIR"]
        deadline = time.monotonic() + 60
        while bridge_client.read_connection() is None:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        info = bridge_client.read_connection()
        client = bridge_client.Client.from_connection(info)
        wrong = "not-the-token-" + "x" * 30
        with pytest.raises(bridge_client.BridgeError):
            bridge_client.Client(info["port"], wrong).health()
        header, data = layer(photo_u8(), "u8", "RGBA", "srgb")
        status, _, _ = client.reconstruct(header, data, {"method": "classical"})
        assert status["state"] == "done"
        client.request("GET", "/v1/health", query={"token": info["token"]})  # in a URL, too
        shown = subprocess.run(
            [*cli, "status"], env=env, capture_output=True, text=True, timeout=60, check=True
        ).stdout
        logfile = tmp_path / "state" / "hdr-studio" / "bridge.log"
        assert f"log: {logfile}" in shown
        as_json = subprocess.run(
            [*cli, "status", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert json.loads(as_json)["log"] == str(logfile)
    finally:
        os.environ.pop("HDR_STUDIO_RUNTIME_DIR", None)
        proc.terminate()
        proc.wait(30)
    text = logfile.read_text()
    assert "started on 127.0.0.1" in text and "bridge stopped" in text
    assert "GET /v1/health 401" in text and "POST /v1/jobs 202" in text
    assert "queued: classical" in text and "done in" in text
    assert "reconstructed 64x48 with classical (hdr result)" in text  # the engine logs too
    assert info["token"] not in text and wrong not in text
    assert (logfile.stat().st_mode & 0o077) == 0


def test_a_refused_token_is_answered_at_once_with_the_fix(runtime, monkeypatch, make_bridge):
    """A connection file whose token the running bridge refuses (a stale or edited file):
    connect() says so within 2 s, names the fix, and starts no second bridge."""
    _, client = make_bridge()
    from hdr_studio.bridge.connection import write_connection

    write_connection(client.port, "stale-token", __version__)  # this pid: alive
    started = runtime.parent / "started"
    fake = runtime.parent / "fake-hdr-studio"
    fake.write_text(f"#!/bin/sh\ntouch {started}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("HDR_STUDIO_COMMAND", str(fake))
    t0 = time.monotonic()
    with pytest.raises(bridge_client.BridgeError) as err:
        bridge_client.connect(timeout=60)
    assert time.monotonic() - t0 < 2.0
    assert err.value.status == 401 and "hdr-studio bridge stop" in str(err.value)
    assert not started.exists()


def test_a_bridge_that_exits_at_once_is_reported_at_once(runtime, monkeypatch, tmp_path):
    fake = tmp_path / "broken-hdr-studio"
    fake.write_text("#!/bin/sh\necho 'hdr-studio: error: no module named torch' >&2\nexit 2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("HDR_STUDIO_COMMAND", str(fake))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    t0 = time.monotonic()
    with pytest.raises(bridge_client.BridgeError, match="status 2: hdr-studio: error: no module"):
        bridge_client.connect(timeout=60)
    assert time.monotonic() - t0 < 5.0


def test_the_recorded_command_is_used_without_path(tmp_path, monkeypatch):
    """``plugins install`` records the absolute command; the client copy beside it finds it
    with an empty PATH and no HDR_STUDIO_COMMAND."""
    from hdr_studio.bridge import plugins

    dest = plugins.install("krita", tmp_path / "pykrita")
    recorded = json.loads((dest / "hdr_studio_krita" / "hdr_studio_command.json").read_text())
    command = recorded["command"]
    assert Path(command[0]).is_absolute() and os.access(command[0], os.X_OK)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import hdr_studio_client as c; "
        "print(c.find_command())"
    )
    env = {"PATH": "", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(dest / "hdr_studio_krita")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert out.strip() == repr(command)
    version = subprocess.run(
        [*command, "--version"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert version.returncode == 0 and __version__ in version.stdout


def test_an_app_that_cannot_start_fails_the_session_with_its_reason(make_bridge):
    app = (
        f"{sys.executable} -c \"import sys; sys.exit('qt.qpa.xcb: could not connect to display')\""
    )
    _, client = make_bridge(app_command=app)
    header, data = layer(photo_u8(), "u8", "RGBA", "srgb")
    session = client.open_in_app(header, data, "Background")
    status = client.wait(session, prefix="/v1/sessions/", poll=0.1)
    assert status["state"] == "failed"
    assert "exited with status 1: qt.qpa.xcb: could not connect to display" in status["message"]
    _, client = make_bridge(app_command="/nonexistent/hdr-studio gui")
    status = client.json("GET", "/v1/sessions/" + client.open_in_app(header, data, "Background"))
    assert status["state"] == "failed" and "could not start HDR Studio" in status["message"]


def test_preview_is_a_reduced_display_copy_with_the_overlay(bridge):
    _, client = bridge
    px = photo_u8(480, 640)
    header, data = layer(px, "u8", "BGRA", "srgb")
    header = dict(header, request={"method": "classical"})
    body = bridge_client.parts(header, data)
    _, _, answer = client.request("POST", "/v1/preview", body, {"size": 160})
    head, pixels = bridge_client.unpack(answer)
    assert (head["width"], head["height"], head["kind"]) == (160, 120, "hdr")
    plain = np.frombuffer(pixels, np.uint8).reshape(120, 160, 4)
    _, _, answer = client.request(
        "POST", "/v1/preview", body, {"size": 160, "overlay": "true", "order": "BGRA"}
    )
    marked = np.frombuffer(bridge_client.unpack(answer)[1], np.uint8).reshape(120, 160, 4)
    corner = marked[5, 5, [2, 1, 0]].astype(int)  # the clipped corner, red over it
    assert corner[0] > corner[1] + 60 and not np.array_equal(marked[..., [2, 1, 0]], plain[..., :3])
    assert np.array_equal(marked[100, 20, [2, 1, 0]], plain[100, 20, :3])  # unclipped: as is
    with pytest.raises(bridge_client.BridgeError, match="size must be"):
        client.request("POST", "/v1/preview", body, {"size": 1})
