"""Shared by the real-host plug-in tests: a small real photo, the engine's expected pixels,
and a bridge process for a host to talk to."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.bridge import client as bridge_client
from hdr_studio.core.reader import read_image
from tests.helpers import SAMPLES, write

HDR_STUDIO = str(Path(sys.executable).with_name("hdr-studio"))


def make_photo(path: Path) -> Path:
    """A 256×160 PNG cut from a sample photo's sunset (clipped sky around the sun)."""
    img = read_image(SAMPLES / "sunset_lomiri.jpg")
    code = img.code
    h, w = code.shape[:2]
    y, x = np.unravel_index(np.argmax(code.sum(axis=2)), (h, w))
    y0, x0 = max(0, min(h - 160, y - 80)), max(0, min(w - 256, x - 128))
    crop = np.rint(code[y0 : y0 + 160, x0 : x0 + 256] * 255).astype(np.uint8)
    return write(path, crop)


#: The integer profiles the colour-managed path is tested with in each host: name → the
#: description the test profile carries (hosts register profiles by that name).
TAGGED = {
    "display-p3": "Display P3 (HDR Studio test)",
    "adobergb": "Adobe RGB (1998) (HDR Studio test)",
    "prophoto": "ProPhoto RGB (HDR Studio test)",
}


def tagged_photo(path: Path, name: str) -> tuple[Path, bytes]:
    """The test photo's code values as a PNG tagged with the named profile (built by
    LittleCMS): the same numbers, another colour space. Returns (path, ICC bytes)."""
    import OpenImageIO as oiio

    from hdr_studio.core import cms

    icc = cms.Profile.named(name, TAGGED[name]).icc()
    code = np.rint(read_image(make_photo(path.with_suffix(".src.png"))).code * 255)
    write(
        path,
        code.astype(np.uint8),
        ICCProfile=(oiio.TypeDesc(f"uint8[{len(icc)}]"), np.frombuffer(icc, np.uint8)),
    )
    return path, icc


def expected(photo: Path, method: str | None, result: str = "auto") -> np.ndarray:
    return reconstruct(ReconstructRequest(input=photo, method=method, result=result)).pixels


def start_bridge(runtime: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    """``hdr-studio bridge serve`` with its connection file in ``runtime``; returns once it
    answers."""
    env = dict(os.environ if env is None else env, HDR_STUDIO_RUNTIME_DIR=str(runtime))
    env.setdefault("XDG_STATE_HOME", str(runtime.parent / "state"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    proc = subprocess.Popen(
        [HDR_STUDIO, "bridge", "serve", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    old = os.environ.get("HDR_STUDIO_RUNTIME_DIR")
    os.environ["HDR_STUDIO_RUNTIME_DIR"] = str(runtime)
    try:
        deadline = time.monotonic() + 60
        while bridge_client.read_connection() is None:
            assert proc.poll() is None and time.monotonic() < deadline, "bridge did not start"
            time.sleep(0.1)
    finally:
        if old is None:
            del os.environ["HDR_STUDIO_RUNTIME_DIR"]
        else:
            os.environ["HDR_STUDIO_RUNTIME_DIR"] = old
    return proc


def stop_bridge(runtime: Path) -> None:
    """Stop whatever bridge has its connection file in ``runtime`` (one a host started)."""
    subprocess.run(
        [HDR_STUDIO, "bridge", "stop"],
        env=dict(os.environ, HDR_STUDIO_RUNTIME_DIR=str(runtime)),
        capture_output=True,
        timeout=60,
        check=False,
    )
