"""The stdlib client reads a layer answer's samples straight into one bytes object, and a
short or foreign answer is a one-line BridgeError (a real HTTP server on loopback)."""

import http.server
import struct
import threading

import pytest

from hdr_studio.bridge.client import MAGIC, BridgeError, Client, pack


def serve(body: bytes, length: int | None = None):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    return server


def test_layer_samples_arrive_as_one_bytes_object():
    samples = bytes(range(256)) * 4096
    server = serve(pack({"width": 1024, "height": 1, "sample": "u8"}, samples))
    header, got = Client(server.server_address[1], "t", timeout=10).result("job")
    server.server_close()
    assert header["width"] == 1024 and type(got) is bytes and got == samples


@pytest.mark.parametrize(
    ("body", "length", "why"),
    [
        # a 20-byte header and 180 sample bytes announced, 100 sent
        (pack({"width": 1}, b"\0" * 100), 200, "ends after 100 of 180"),
        (b"PNG?" + struct.pack("<I", 2) + b"{}", None, "not a layer message"),
        (MAGIC + struct.pack("<I", 2) + b"[]", None, "not a JSON object"),
    ],
)
def test_a_short_or_foreign_answer_is_one_line(body, length, why):
    server = serve(body, length)
    with pytest.raises(BridgeError) as err:
        Client(server.server_address[1], "t", timeout=10).result("job")
    server.server_close()
    assert why in str(err.value) and "\n" not in str(err.value)
