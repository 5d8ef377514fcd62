"""An in-process bridge on 127.0.0.1 (a real HTTP server on a free port) per test."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from hdr_studio.bridge.client import Client
from hdr_studio.bridge.server import Bridge, Limits, make_server


@pytest.fixture()
def runtime(tmp_path, monkeypatch):
    folder = tmp_path / "run"
    monkeypatch.setenv("HDR_STUDIO_RUNTIME_DIR", str(folder))
    return folder


@pytest.fixture()
def make_bridge(runtime):
    made = []

    def make(**limits) -> tuple[Bridge, Client]:
        app_command = limits.pop("app_command", None)
        bridge = Bridge(Limits(**limits), app_command=app_command)
        server = make_server(bridge)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        made.append((bridge, server))
        return bridge, Client(server.server_address[1], bridge.token, timeout=30)

    yield make
    for bridge, server in made:
        bridge.stop()
        server.server_close()


@pytest.fixture()
def bridge(make_bridge):
    return make_bridge(max_pixels=1_000_000, queue=4)


def photo_u8(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    """An 8-bit RGBA layer with clipped areas: all channels, and blue alone."""
    rng = np.random.default_rng(seed)
    px = (rng.random((h, w, 4)) * 200).astype(np.uint8)
    px[: h // 3, : w // 3, :3] = 255
    px[h // 2 :, w // 2 :, 2] = 255
    px[..., 3] = 255
    return px


def layer(
    px: np.ndarray, sample: str = "u8", order: str = "RGBA", space="srgb"
) -> tuple[dict, bytes]:
    """(header, bytes) of a layer in ``order`` (``px`` is RGBA or RGB)."""
    data = px[..., [2, 1, 0, 3]] if order == "BGRA" else px
    header = {
        "width": px.shape[1],
        "height": px.shape[0],
        "channels": px.shape[2],
        "sample": sample,
        "order": order,
        "colorspace": {"name": space} if isinstance(space, str) else space,
    }
    return header, np.ascontiguousarray(data).tobytes()
