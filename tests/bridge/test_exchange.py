"""Large layer messages as files in the bridge's exchange folder (and job status as a long
poll): the same pixels as through the socket, nothing left behind, and a bridge that reads
only the files a client of its own could have written there."""

from __future__ import annotations

import os
import secrets
import time

import pytest

from hdr_studio.bridge import exchange
from hdr_studio.bridge.client import (
    BODY_FILE_HEADER,
    FILE_MIN_BYTES,
    REPLY_FILE_HEADER,
    BridgeError,
    Client,
    pack,
    unpack,
)
from tests.bridge.conftest import layer, photo_u8
from tests.bridge.test_server import auth, raw

REQUEST = {"method": "classical", "result": "hdr", "options": {}, "strength": 1.0}


@pytest.fixture()
def pair(make_bridge, runtime):
    """(bridge, client by socket, client by files) of one bridge with an exchange folder."""
    bridge, by_socket = make_bridge(max_pixels=4_000_000)
    runtime.mkdir(parents=True, exist_ok=True)
    bridge.exchange = exchange.make_folder(runtime)
    by_file = Client(by_socket.port, by_socket.token, timeout=30, exchange=bridge.exchange)
    return bridge, by_socket, by_file


def big_layer():
    """A layer over FILE_MIN_BYTES (so the client sends it as a file)."""
    px = photo_u8(480, 640, seed=3)
    header, data = layer(px, "u8", "BGRA")
    assert len(data) >= FILE_MIN_BYTES
    return header, data


def test_files_carry_the_same_layers_both_ways_and_leave_nothing(pair):
    bridge, by_socket, by_file = pair
    header, data = big_layer()
    results = []
    for client in (by_socket, by_file):
        status, head, pixels = client.reconstruct(header, data, REQUEST, sample="f32")
        assert status["state"] == "done" and isinstance(pixels, bytes)
        results.append((head, pixels))
    assert results[0] == results[1]  # header and samples, byte for byte
    info, overlay = by_file.analyse(header, data, sample="u8", order="BGRA")
    assert (info, overlay) == by_socket.analyse(header, data, sample="u8", order="BGRA")
    assert list(bridge.exchange.iterdir()) == []  # each side removed what it took


def test_a_file_body_is_read_from_the_folder_and_removed(pair):
    bridge, by_socket, _ = pair
    header, data = big_layer()
    name = f"{secrets.token_hex(16)}.in"
    (bridge.exchange / name).write_bytes(pack(dict(header, request=REQUEST), data))
    status, answer = raw(
        by_socket,
        "POST",
        "/v1/jobs",
        None,
        auth(by_socket, **{BODY_FILE_HEADER: name, "Content-Length": "0"}),
    )
    assert status == 202 and answer["state"] in ("queued", "running", "done")
    assert not (bridge.exchange / name).exists()


def test_a_layer_answer_as_a_file(pair):
    bridge, by_socket, _ = pair
    header, data = big_layer()
    job = by_socket.submit(header, data, REQUEST)
    by_socket.wait(job)
    status, answer = raw(
        by_socket,
        "GET",
        f"/v1/jobs/{job}/result?sample=f32",
        None,
        auth(by_socket, **{REPLY_FILE_HEADER: "file"}),
    )
    assert status == 200 and set(answer) == {"file", "length"}
    path = bridge.exchange / answer["file"]
    assert path.stat().st_size == answer["length"] and (path.stat().st_mode & 0o077) == 0
    head, samples = unpack(path.read_bytes())
    assert head["width"] == 640 and len(samples) == 640 * 480 * 16
    assert (head, bytes(samples)) == by_socket.result(job, sample="f32")


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("../bridge.json", 400, "bad body file name"),
        ("0" * 32 + ".out", 400, "bad body file name"),
        ("not-hex", 400, "bad body file name"),
        ("0" * 32 + ".in", 400, "No such file"),
    ],
)
def test_body_file_names_a_client_could_not_have_written_are_refused(pair, name, status, message):
    _, by_socket, _ = pair
    answer = raw(
        by_socket,
        "POST",
        "/v1/jobs",
        None,
        auth(by_socket, **{BODY_FILE_HEADER: name, "Content-Length": "0"}),
    )
    assert answer[0] == status and message in answer[1]["error"]


def test_a_link_an_oversized_file_and_a_body_beside_a_file_are_refused(pair, make_bridge, tmp_path):
    bridge, by_socket, _ = pair
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the bridge to read")
    link = f"{secrets.token_hex(16)}.in"
    os.symlink(secret, bridge.exchange / link)
    status, answer = raw(
        by_socket,
        "POST",
        "/v1/jobs",
        None,
        auth(by_socket, **{BODY_FILE_HEADER: link, "Content-Length": "0"}),
    )
    assert status == 400 and "body file" in answer["error"]
    assert secret.read_text() == "not for the bridge to read"

    small, client = make_bridge(max_body=1000)
    small.exchange = bridge.exchange
    name = f"{secrets.token_hex(16)}.in"
    (bridge.exchange / name).write_bytes(b"x" * 2000)
    status, answer = raw(
        client,
        "POST",
        "/v1/jobs",
        None,
        auth(client, **{BODY_FILE_HEADER: name, "Content-Length": "0"}),
    )
    assert status == 413 and "over the limit" in answer["error"]
    assert not (bridge.exchange / name).exists()

    status, answer = raw(
        by_socket,
        "POST",
        "/v1/jobs",
        b"abc",
        auth(by_socket, **{BODY_FILE_HEADER: name, "Content-Length": "3"}),
    )
    assert status == 400 and "one or the other" in answer["error"]


def test_a_bridge_without_the_folder_refuses_body_files_and_answers_by_socket(
    make_bridge, tmp_path
):
    bridge, client = make_bridge()
    assert bridge.exchange is None
    status, answer = raw(
        client,
        "POST",
        "/v1/jobs",
        None,
        auth(client, **{BODY_FILE_HEADER: "0" * 32 + ".in", "Content-Length": "0"}),
    )
    assert status == 400 and "takes no body files" in answer["error"]
    header, data = layer(photo_u8())
    job = client.submit(header, data, REQUEST)
    client.wait(job)
    status, answer = raw(
        client, "GET", f"/v1/jobs/{job}/result", None, auth(client, **{REPLY_FILE_HEADER: "file"})
    )
    assert status == 200 and answer[:4] == b"HSL1"  # the layer itself, through the socket


def test_a_client_whose_folder_is_gone_gets_a_one_line_error(pair):
    bridge, _, by_file = pair
    header, data = big_layer()
    job = by_file.submit(header, data, REQUEST)
    by_file.wait(job)
    exchange.remove_folder(bridge.exchange)
    with pytest.raises(BridgeError) as err:
        by_file.result(job)
    assert "\n" not in str(err.value)


def test_sweep_removes_only_stale_files(tmp_path):
    folder = exchange.make_folder(tmp_path)
    old, new = folder / ("a" * 32 + ".out"), folder / ("b" * 32 + ".in")
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    past = time.time() - exchange.STALE_SECONDS - 10
    os.utime(old, (past, past))
    assert exchange.sweep(folder) == 1
    assert not old.exists() and new.exists()
    assert exchange.make_folder(tmp_path) == folder and list(folder.iterdir()) == []


def test_job_status_is_a_long_poll(bridge):
    _, client = bridge
    px = photo_u8(240, 320)
    header, data = layer(px)
    job = client.submit(header, data, REQUEST)
    t0 = time.monotonic()
    status = client.json("GET", f"/v1/jobs/{job}", query={"wait": "2"})
    assert status["state"] == "done" and status["waited"] == 2.0
    assert time.monotonic() - t0 < 1.9  # answered at the job's end, not after the 2 s
    with pytest.raises(BridgeError) as err:
        client.json("GET", f"/v1/jobs/{job}", query={"wait": "60"})
    assert err.value.status == 400 and "wait must be in" in str(err.value)


def test_the_client_follows_only_a_plain_folder_it_can_see(runtime):
    """The connection file names the folder; a client that cannot see it (another user, a
    sandbox) or is given a path instead of a name goes through the socket."""
    runtime.mkdir(parents=True)
    info = {"port": 1, "token": "t"}
    assert Client.from_connection(info).exchange is None
    assert Client.from_connection(dict(info, exchange="exchange")).exchange is None  # not there
    folder = exchange.make_folder(runtime)
    assert Client.from_connection(dict(info, exchange="exchange")).exchange == folder
    (runtime.parent / "elsewhere").mkdir()
    for name in ("../elsewhere", "/tmp", "a/b", ""):
        assert Client.from_connection(dict(info, exchange=name)).exchange is None
