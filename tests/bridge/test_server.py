"""The bridge over real HTTP on 127.0.0.1: results equal the engine's, and every bad request
gets its status and a one-line reason (security and limits)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import numpy as np
import pytest

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.bridge.client import BridgeError, Client, pack, unpack
from hdr_studio.core.image import Image
from tests.bridge.conftest import layer, photo_u8


def raw(client: Client, method: str, path: str, body: bytes | None = None, headers=None):
    """A request with exactly these headers (no token unless given): (status, json)."""
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, json.loads(data) if data[:1] == b"{" else data


def auth(client: Client, **extra) -> dict:
    return {"Authorization": f"Bearer {client.token}", **extra}


def engine(px: np.ndarray, method: str, result: str = "auto") -> np.ndarray:
    image = Image.from_pixels(px[..., :3].astype(np.float32) / 255, levels=256)
    return reconstruct(ReconstructRequest(input=image, method=method, result=result)).pixels


def test_health_models_and_openapi(bridge):
    _, client = bridge
    health = client.health()
    assert health["status"] == "ok" and health["protocol"] == 1 and "CPU" in health["device"]
    names = [m["name"] for m in client.models()]
    assert names[:2] == ["classical", "none"] and "masked" in names
    doc = client.json("GET", "/v1/openapi.json")
    assert doc["openapi"].startswith("3.") and "/v1/jobs/{id}/result" in doc["paths"]


@pytest.mark.parametrize("method", ["classical", "masked"])
def test_reconstruct_equals_the_engine(bridge, method):
    _, client = bridge
    px = photo_u8()
    header, data = layer(px, "u8", "BGRA", "sRGB-elle-V2-srgbtrc.icc")
    status, out_header, pixels = client.reconstruct(header, data, {"method": method}, sample="f32")
    assert status["state"] == "done" and status["kind"] == "hdr"
    assert out_header["colorspace"] == {"name": "srgb-linear"}
    got = np.frombuffer(pixels, np.float32).reshape(48, 64, 4)
    np.testing.assert_array_equal(got[..., :3], engine(px, method))
    assert got[..., :3].max() > 1.0 and np.all(got[..., 3] == 1.0)


def test_sdr_result_as_bgra_u8_and_rec2020_conversion(bridge):
    _, client = bridge
    px = photo_u8()
    header, data = layer(px, "u8", "BGRA", "srgb")
    _, out, pixels = client.reconstruct(
        header, data, {"method": "classical", "result": "sdr"}, sample="u8", order="BGRA"
    )
    bgra = np.frombuffer(pixels, np.uint8).reshape(48, 64, 4)
    from hdr_studio.core.transfer import srgb_encode

    expected = np.rint(np.clip(srgb_encode(engine(px, "classical", "sdr")), 0, 1) * 255)
    np.testing.assert_array_equal(bgra[..., 2::-1], expected.astype(np.uint8))
    _, out, pixels = client.reconstruct(
        header, data, {"method": "classical"}, sample="f32", primaries="rec2020"
    )
    assert out["colorspace"] == {"name": "rec2020-linear"}


def test_analyse_gives_stats_and_a_red_green_overlay(bridge):
    _, client = bridge
    px = photo_u8()
    px[40:, :8, :3] = 0  # under-exposed corner
    header, data = layer(px, "u8", "BGRA", "srgb")
    info, overlay = client.analyse(header, data, mode="all", order="BGRA")
    stats = info["stats"]
    assert abs(stats["over_all"] - (16 * 21) / (48 * 64)) < 1e-9
    bgra = np.frombuffer(overlay, np.uint8).reshape(48, 64, 4)
    assert tuple(bgra[0, 0]) == (0, 0, 255, 255)  # red in BGRA
    assert tuple(bgra[47, 0]) == (0, 255, 0, 255)  # green
    assert bgra[30, 30, 3] == 0


def test_analyse_marks_only_within_the_selection(bridge):
    """Show clipping covered the whole layer whatever the selection, where a host's
    filters work within it."""
    _, client = bridge
    px = photo_u8()
    header, data = layer(px, "u8", "RGBA", "srgb")
    _, whole = client.analyse(header, data, mode="all")
    px[40:, 40:, :3] = 255  # a second clipped area, bottom right
    header, data = layer(px, "u8", "RGBA", "srgb")
    _, whole = client.analyse(header, data, mode="all")
    mask = np.zeros((48, 64), np.uint8)
    mask[:, 32:] = 255  # the right half selected
    info, inside = client.analyse(dict(header, selection=True), data + mask.tobytes(), mode="all")
    whole_a = np.frombuffer(whole, np.uint8).reshape(48, 64, 4)[..., 3]
    inside_a = np.frombuffer(inside, np.uint8).reshape(48, 64, 4)[..., 3]
    assert whole_a[:, :32].max() == 255 and inside_a[:, :32].max() == 0
    assert inside_a[:, 32:].max() == 255
    np.testing.assert_array_equal(inside_a[:, 32:], whole_a[:, 32:])
    assert info["stats"]["over_all"] > 0


def test_selection_limits_the_change(bridge):
    _, client = bridge
    px = photo_u8()
    header, data = layer(px, "u8", "RGBA", "srgb")
    mask = np.zeros((48, 64), np.uint8)
    mask[:, :32] = 255
    _, _, pixels = client.reconstruct(
        dict(header, selection=True), data + mask.tobytes(), {"method": "classical"}
    )
    got = np.frombuffer(pixels, np.float32).reshape(48, 64, 4)[..., :3]
    full = engine(px, "classical")
    original = Image.from_pixels(px[..., :3].astype(np.float32) / 255, levels=256).linear
    np.testing.assert_array_equal(got[:, :32], full[:, :32])
    np.testing.assert_array_equal(got[:, 32:], original[:, 32:])


def test_token_host_and_origin(bridge):
    _, client = bridge
    assert raw(client, "GET", "/v1/health")[0] == 401
    assert raw(client, "GET", "/v1/health", headers={"Authorization": "Bearer wrong"})[0] == 401
    status, body = raw(client, "GET", "/v1/health", headers=auth(client, Host="evil.example"))
    assert status == 403 and "loopback" in body["error"]
    status, _ = raw(
        client, "GET", "/v1/health", headers=auth(client, Host="127.0.0.1.evil.example")
    )
    assert status == 403
    status, _ = raw(client, "GET", "/v1/health", headers=auth(client, Origin="http://evil.example"))
    assert status == 403
    assert raw(client, "GET", "/v1/health", headers=auth(client, Host="localhost:1"))[0] == 200
    status, _ = raw(client, "GET", "/v1/health", headers=auth(client))
    assert status == 200


def test_limits_answer_413(make_bridge):
    _, client = make_bridge(max_pixels=1000, max_body=100_000)
    header, data = layer(photo_u8())  # 3072 pixels
    status, body = raw(client, "POST", "/v1/jobs", pack(header, data), auth(client))
    assert status == 413 and "limit of 1000 pixels" in body["error"]
    status, body = raw(
        client, "POST", "/v1/jobs", b"x", auth(client, **{"Content-Length": "200000"})
    )
    assert status == 413 and "limit of 100000 bytes" in body["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"nonsense", "no HSL1 magic"),
        (pack({"width": 4}, b""), "bad layer header"),
        (pack(layer(photo_u8(4, 4))[0], b"\0" * 10), "pixel bytes"),
        (pack(dict(layer(photo_u8(4, 4))[0], sample="u12"), b""), "unknown sample type"),
        (
            pack(
                layer(np.full((2, 2, 4), np.inf, np.float32), "f32", space="srgb-linear")[0],
                np.full((2, 2, 4), np.inf, np.float32).tobytes(),
            ),
            "NaN or Inf",
        ),
        (
            pack(dict(layer(photo_u8(4, 4))[0], request={"bogus": 1}), layer(photo_u8(4, 4))[1]),
            "unknown request field",
        ),
        (
            pack(
                dict(
                    layer(photo_u8(4, 4))[0],
                    request={"method": "classical", "options": {"max_gain": 99}},
                ),
                layer(photo_u8(4, 4))[1],
            ),
            "option max_gain must be in",
        ),
    ],
)
def test_bad_bodies_answer_400(bridge, body, message):
    _, client = bridge
    status, answer = raw(client, "POST", "/v1/jobs", body, auth(client))
    assert status == 400, answer
    assert message in answer["error"] and "\n" not in answer["error"]


def test_unknown_method_404_lists_the_known(bridge):
    _, client = bridge
    header, data = layer(photo_u8(4, 4))
    with pytest.raises(BridgeError) as err:
        client.submit(header, data, {"method": "magic"})
    assert err.value.status == 404 and "classical, none" in str(err.value)
    assert raw(client, "GET", "/v1/jobs/0123456789abcdef", headers=auth(client))[0] == 404
    assert raw(client, "GET", "/v2/nothing", headers=auth(client))[0] == 404


def test_four_clients_at_once_get_their_own_results(bridge):
    _, client = bridge
    photos = [photo_u8(seed=s) for s in range(4)]
    results: dict[int, np.ndarray] = {}

    def one(i: int) -> None:
        c = Client(client.port, client.token)
        header, data = layer(photos[i], "u8", "BGRA", "srgb")
        _, _, pixels = c.reconstruct(header, data, {"method": "masked"})
        results[i] = np.frombuffer(pixels, np.float32).reshape(48, 64, 4)[..., :3]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [0, 1, 2, 3]
    for i in range(4):
        np.testing.assert_array_equal(results[i], engine(photos[i], "masked"))


def test_cancel_mid_job(bridge):
    _, client = bridge
    header, data = layer(photo_u8(700, 1000), "u8")  # classical on 0.7 MP: long enough
    job = client.submit(header, data, {"method": "classical"})
    while client.job(job)["state"] == "queued":
        time.sleep(0.01)
    client.cancel(job)
    deadline = time.monotonic() + 20
    while client.job(job)["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.job(job)["state"] == "cancelled"
    with pytest.raises(BridgeError) as err:
        client.result(job)
    assert err.value.status == 409
    assert client.health()["jobs"] == 0


def test_forget_drops_a_running_job_once_it_has_stopped_and_a_finished_one_at_once(bridge):
    """What a host calls when it no longer wants a job (Cancel pressed as the result came):
    the bridge keeps neither the job nor its result."""
    _, client = bridge
    header, data = layer(photo_u8(700, 1000), "u8")
    running = client.submit(header, data, {"method": "classical"})
    while client.job(running)["state"] == "queued":
        time.sleep(0.01)
    client.forget(running)
    finished = client.submit(*layer(photo_u8(40, 60), "u8"), {"method": "none"})
    client.wait(finished)
    client.forget(finished)
    for job in (running, finished):
        with pytest.raises(BridgeError) as err:
            client.job(job)
        assert err.value.status == 404
    client.forget(finished)  # already gone: not an error


def test_a_bridge_gone_during_a_job_is_named_as_such():
    """A bridge stopped or killed mid-job read "HDR Studio bridge not reachable on port
    43437: [Errno 104] Connection reset by peer" in Krita. (Gone here: nothing listens on
    the port any more.)"""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(BridgeError) as err:
        Client(port, "token", timeout=5).wait("a1b2")
    message = str(err.value)
    assert message.startswith("the HDR Studio bridge stopped before the job ended")
    assert "nothing was changed: try again" in message and "\n" not in message


def test_a_client_that_is_gone_has_its_jobs_cancelled(make_bridge):
    b, client = make_bridge(client_timeout=0.5, running=1, max_pixels=10_000_000)
    header, data = layer(photo_u8(2000, 3000), "u8")  # classical, 6 MP: seconds of work
    running = client.submit(header, data, {"method": "classical"})
    queued = client.submit(header, data, {"method": "classical"})
    time.sleep(2.0)  # the client asks nothing: it is gone
    for job_id in (running, queued):
        job = b.jobs.get(job_id, touch=False)
        deadline = time.monotonic() + 20
        while job.state in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (job.state, job.message) == ("cancelled", "client gone")
    assert client.health()["jobs"] == 0


def test_queue_full_is_503(make_bridge):
    _, client = make_bridge(queue=1, running=1)
    header, data = layer(photo_u8(700, 1000), "u8")
    jobs = [client.submit(header, data, {"method": "classical"})]
    while client.job(jobs[0])["state"] == "queued":
        time.sleep(0.01)
    jobs.append(client.submit(header, data, {"method": "classical"}))
    with pytest.raises(BridgeError) as err:
        client.submit(header, data, {"method": "classical"})
    assert err.value.status == 503 and "queue is full" in str(err.value)
    for j in jobs:
        client.cancel(j)


def test_a_client_killed_mid_upload_leaves_the_bridge_serving(make_bridge):
    _, client = make_bridge(request_timeout=1.0)
    header, data = layer(photo_u8(), "u8")
    body = pack(header, data)
    s = socket.create_connection(("127.0.0.1", client.port))
    s.sendall(
        (
            f"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {client.token}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body[: len(body) // 2]
    )
    s.close()  # gone mid-body
    stalled = socket.create_connection(("127.0.0.1", client.port))
    stalled.sendall(
        (
            f"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {client.token}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body[:100]
    )  # stalls: answered 408 after the request timeout
    answer = stalled.recv(4096).decode()
    stalled.close()
    assert answer.startswith("HTTP/1.1 408")
    status, _, pixels = client.reconstruct(header, data, {"method": "none"})
    assert status["state"] == "done" and len(pixels) == 48 * 64 * 16


def test_result_pixels_unpack(bridge):
    _, client = bridge
    header, data = layer(photo_u8(), "u16" if False else "u8")
    status, out, pixels = client.reconstruct(header, data, {"method": "none"}, sample="f16")
    assert out["sample"] == "f16" and len(pixels) == 48 * 64 * 4 * 2
    # the job's peak: the result's largest value, by which a client picks f16 or f32
    rgb = np.frombuffer(bytes(pixels), np.float16).reshape(48, 64, 4)[..., :3]
    assert status["peak"] == pytest.approx(float(rgb.max()), rel=1e-3) and status["peak"] > 0
    h, p = unpack(pack(out, bytes(pixels)))
    assert h == out and bytes(p) == bytes(pixels)


def _job_and_engine(client, **fields):
    """A photo's layer reconstructed by a bridge job with request ``fields`` and by the
    engine with the same fields: (the job's RGB, the engine's, the layer message)."""
    px = photo_u8()
    header, data = layer(px, "u8", "RGBA", "srgb")
    _, _, pixels = client.reconstruct(header, data, fields)
    image = Image.from_pixels(px[..., :3].astype(np.float32) / 255, levels=256)
    want = reconstruct(ReconstructRequest(input=image, **fields)).pixels
    got = np.frombuffer(pixels, np.float32).reshape(48, 64, 4)[..., :3]
    return got, want, (header, data)


def test_strength_through_the_bridge(bridge):
    _, client = bridge
    got, want, (header, data) = _job_and_engine(client, method="classical", strength=0.5)
    np.testing.assert_array_equal(got, want)
    with pytest.raises(BridgeError, match="strength must be"):
        client.submit(header, data, {"method": "classical", "strength": 3})


def test_mirror_passes_through_the_bridge(bridge):
    _, client = bridge
    got, want, (header, data) = _job_and_engine(client, method="masked", passes=3)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    for bad in (2, True, "3"):
        with pytest.raises(BridgeError, match="passes must be 1 or 3"):
            client.submit(header, data, {"method": "masked", "passes": bad})


def test_estimated_curve_through_the_bridge(bridge):
    """``curve: auto`` estimates the layer's curve from its pixels, as the engine does; a
    camera's kept curve needs Exif the bridge never sees, and a path is never read."""
    _, client = bridge
    got, want, (header, data) = _job_and_engine(client, method="classical", curve="auto")
    np.testing.assert_array_equal(got, want)
    plain, _, _ = _job_and_engine(client, method="classical")
    assert not np.array_equal(got, plain)  # the estimate is not exactly sRGB
    for bad in ("camera", "/etc/passwd", 3):
        with pytest.raises(BridgeError, match="curve must be srgb, gamma:G or auto"):
            client.submit(header, data, {"method": "classical", "curve": bad})


def test_the_held_heap_goes_back_once_the_jobs_stop(make_bridge, monkeypatch):
    """The bridge keeps freed memory while jobs come (``hold_heap`` in ``serve``) and trims
    it once none came for HEAP_HOLD_SECONDS, once per quiet spell (the trim itself is
    counted here: its effect on the heap is tests/core/test_memory.py's)."""
    from hdr_studio.bridge import server as bridge_server

    trims = []
    monkeypatch.setattr(bridge_server, "HEAP_HOLD_SECONDS", 3.0)
    monkeypatch.setattr(bridge_server, "trim_heap", lambda: trims.append(time.monotonic()))
    bridge, client = make_bridge()
    threading.Thread(target=bridge.idle_watch, daemon=True).start()
    header, data = layer(photo_u8())
    client.reconstruct(header, data, {"method": "none"})
    time.sleep(1.0)
    assert trims == []  # jobs came within the hold
    deadline = time.monotonic() + 10
    while not trims and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(trims) == 1
    time.sleep(4.0)
    assert len(trims) == 1  # once per quiet spell
    client.reconstruct(header, data, {"method": "none"})
    deadline = time.monotonic() + 10
    while len(trims) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(trims) == 2
