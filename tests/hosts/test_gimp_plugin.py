"""The GIMP 3 plug-in in a real GIMP 3.0 (Debian 13, in a root next to this Debian 12 that
``tests/hosts/gimp3_root.sh`` builds once and ``.ci/run`` caches), headless through
``gimp-console-3.0``: installed from its zip, its procedures run through the PDB against a
real bridge outside the root (same network namespace, 127.0.0.1), and each new layer is
compared with ``hdr-studio``'s own result. Skipped where the root is missing or we are not
root (chroot)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.bridge import plugins
from hdr_studio.core.clipping import clip_overlay
from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import srgb_encode
from tests.hosts.common import expected, make_photo, start_bridge, stop_bridge

ROOT = Path(os.environ.get("HDR_STUDIO_GIMP_ROOT", "/var/cache/hdr-studio/gimp3-root"))
pytestmark = [
    pytest.mark.hosts,
    pytest.mark.skipif(
        not (ROOT / "usr/bin/gimp-console-3.0").exists() or os.geteuid() != 0,
        reason=f"no GIMP 3 root at {ROOT} (tests/hosts/gimp3_root.sh builds it, as root)",
    ),
]
SCRIPT = Path(__file__).with_name("gimp_actions.py")


@pytest.fixture
def work():
    folder = Path(tempfile.mkdtemp(prefix="hdr-studio-test-", dir=ROOT / "tmp"))
    yield folder
    stop_bridge(folder / "run")
    shutil.rmtree(folder, ignore_errors=True)


def inside(path: Path) -> str:
    return "/" + str(path.relative_to(ROOT))


def run_gimp(work: Path, actions: str, method: str = "") -> dict:
    gimpdir = work / "gimp"
    if not gimpdir.exists():
        archive = plugins.package("gimp", work / "hdr-studio-gimp-plugin.zip")
        plugins.unpack(archive, gimpdir / "plug-ins")  # the user's plug-in folder layout
    out = work / f"out-{actions.replace(',', '-')}"
    out.mkdir()
    env = [
        "HOME=" + inside(work),
        "GIMP3_DIRECTORY=" + inside(gimpdir),
        "PATH=/usr/bin:/bin",
        "LANG=C.UTF-8",
        "HDR_STUDIO_RUNTIME_DIR=" + inside(work / "run"),
        "PHOTO=" + inside(work / "photo.png"),
        "OUT=" + inside(out),
        "ACTIONS=" + actions,
        "METHOD=" + method,
    ]
    cmd = ["chroot", str(ROOT), "env", "-i", *env, "gimp-console-3.0", "-i", "--quit"]
    cmd += ["--batch-interpreter=python-fu-eval", "-b", "-"]
    proc = subprocess.run(
        cmd, input=SCRIPT.read_bytes(), capture_output=True, timeout=600, check=False
    )
    assert (out / "result.json").exists(), (
        proc.stdout.decode()[-2000:] + proc.stderr.decode()[-2000:]
    )
    result = json.loads((out / "result.json").read_text())
    assert result["ok"], result.get("error")
    result["out"] = out
    return result


def pixels(result: dict, action: str) -> np.ndarray:
    entry = result["actions"][action]
    dtype = np.uint8 if entry["size"] == 1 else np.float32
    return np.fromfile(result["out"] / entry["file"], dtype).reshape(
        entry["height"], entry["width"], 4
    )


def test_gimp_procedures_match_the_command_line(work):
    photo = make_photo(work / "photo.png")
    start_bridge(work / "run")
    result = run_gimp(work, "clipping,hdr,sdr,selection,half")
    assert result["menu"] == ["<Image>/Filters/Enhance/HDR Studio"]
    image = read_image(photo)

    overlay = pixels(result, "clipping")
    np.testing.assert_array_equal(overlay, clip_overlay(image.code, mode="all"))

    hdr = result["actions"]["hdr"]
    assert hdr["precision"] == "float-linear" and hdr["layer"].startswith("HDR Studio – ")
    got = pixels(result, "hdr")[..., :3]
    want = expected(photo, None)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert got.max() > 1.0  # values above 1.0 survive in GIMP

    sdr = result["actions"]["sdr"]
    assert sdr["precision"] == "u8-non-linear"
    want = np.rint(np.clip(srgb_encode(expected(photo, None, "sdr")), 0, 1) * 255)
    np.testing.assert_array_equal(pixels(result, "sdr")[..., :3], want.astype(np.uint8))

    got = pixels(result, "selection")[..., :3]
    w = got.shape[1] // 2
    np.testing.assert_allclose(got[:, :w], expected(photo, None)[:, :w], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got[:, w:], image.linear[:, w:], rtol=1e-6, atol=1e-6)

    from hdr_studio.api import ReconstructRequest, reconstruct

    half = reconstruct(ReconstructRequest(input=photo, strength=0.5, passes=3)).pixels
    np.testing.assert_allclose(pixels(result, "half")[..., :3], half, rtol=1e-6, atol=1e-6)


@pytest.mark.slow
def test_gimp_round_trip_through_the_app(work):
    photo = make_photo(work / "photo.png")
    app = f"{sys.executable} -m hdr_studio gui --reconstruct classical --send-back"
    start_bridge(work / "run", "--app-command", app)
    result = run_gimp(work, "app")
    entry = result["actions"]["app"]
    assert entry["layer"] == "HDR Studio – Classical (no network)"
    np.testing.assert_allclose(
        pixels(result, "app")[..., :3], expected(photo, "classical"), rtol=1e-6, atol=1e-6
    )
