"""The Krita plug-in in real Krita 5 (Debian ``krita``) run headless by ``kritarunner``:
installed from its zip, it starts the bridge itself, and each action's layer is compared
with ``hdr-studio``'s own result for the same photo. Skipped where Krita is not installed
(``.ci/run`` installs it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.bridge import plugins
from hdr_studio.core.clipping import clip_overlay
from hdr_studio.core.reader import read_image
from hdr_studio.core.transfer import srgb_encode
from tests.hosts.common import HDR_STUDIO, expected, make_photo, start_bridge, stop_bridge

pytestmark = [
    pytest.mark.hosts,
    pytest.mark.skipif(shutil.which("kritarunner") is None, reason="Krita is not installed"),
]
SCRIPT = Path(__file__).with_name("krita_actions.py")


def run_krita(tmp: Path, photo: Path, actions: str, method: str | None = None) -> dict:
    pykrita = tmp / "pykrita"
    if not pykrita.exists():
        archive = plugins.package("krita", tmp / "hdr-studio-krita-plugin.zip")
        plugins.unpack(archive, pykrita)  # what Import Python Plugin from File unpacks
        shutil.copy(SCRIPT, pykrita / SCRIPT.name)
    out = tmp / f"out-{actions.replace(',', '-')}"
    out.mkdir()
    env = {
        "HOME": str(tmp / "home"),
        "PATH": "/usr/bin:/bin",  # a venv on PATH breaks Krita's own Python
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(pykrita),
        "HDR_STUDIO_RUNTIME_DIR": str(tmp / "run"),
        "HDR_STUDIO_COMMAND": HDR_STUDIO,
    }
    args = [str(photo), str(out), actions] + ([method] if method else [])
    subprocess.run(
        ["kritarunner", "-s", "krita_actions", "-f", "main", *args],
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
    )
    result = json.loads((out / "result.json").read_text())
    assert result["ok"], result.get("error")
    result["out"] = out
    return result


def pixels(result: dict, action: str, dtype) -> np.ndarray:
    entry = result["actions"][action]
    data = np.fromfile(result["out"] / entry["file"], dtype)
    return data.reshape(entry["height"], entry["width"], 4)


def test_krita_actions_match_the_command_line(tmp_path):
    photo = make_photo(tmp_path / "photo.png")
    try:
        result = run_krita(tmp_path, photo, "clipping,hdr,sdr,selection,half")
    finally:
        stop_bridge(tmp_path / "run")
    assert result["health"]["status"] == "ok"  # the plug-in started the bridge itself
    assert result["document"] == {"depth": "U8", "profile": "sRGB-elle-V2-srgbtrc.icc"}
    image = read_image(photo)

    overlay = pixels(result, "clipping", np.uint8)
    want = clip_overlay(image.code, mode="all")
    np.testing.assert_array_equal(overlay[..., [2, 1, 0, 3]], want)  # Krita's U8 is BGRA
    assert result["actions"]["clipping"]["stats"]["over_any"] > 0.01

    hdr = result["actions"]["hdr"]
    assert (
        hdr["new_document"] and hdr["depth"] == "F32" and hdr["profile"] == "sRGB-elle-V2-g10.icc"
    )
    assert hdr["name"] == f"HDR Studio – {hdr['status']['method']}"
    assert hdr["progress_updates"] >= 1 and hdr["exported"]
    got = pixels(result, "hdr", np.float32)[..., :3]
    want = expected(photo, None)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert got.max() > 1.0  # values above 1.0 survive in Krita
    saved = read_image(result["out"] / "hdr.exr").linear
    np.testing.assert_allclose(saved, want, rtol=2e-3, atol=1e-3)  # EXR stores half floats

    sdr = result["actions"]["sdr"]
    assert not sdr["new_document"] and sdr["depth"] == "U8"
    got = pixels(result, "sdr", np.uint8)[..., [2, 1, 0]]
    want = np.rint(np.clip(srgb_encode(expected(photo, None, "sdr")), 0, 1) * 255)
    np.testing.assert_array_equal(got, want.astype(np.uint8))

    got = pixels(result, "selection", np.float32)[..., :3]
    w = got.shape[1] // 2
    np.testing.assert_allclose(got[:, :w], expected(photo, None)[:, :w], atol=1e-6)
    np.testing.assert_array_equal(got[:, w:], image.linear[:, w:])  # outside: untouched

    from hdr_studio.api import ReconstructRequest, reconstruct

    half = reconstruct(ReconstructRequest(input=photo, strength=0.5, passes=3)).pixels
    np.testing.assert_allclose(pixels(result, "half", np.float32)[..., :3], half, atol=1e-6)


@pytest.mark.slow
def test_krita_round_trip_through_the_app(tmp_path):
    """Open in HDR Studio: the bridge starts the real app (offscreen, scripted to
    reconstruct with classical and press Send back), the result comes back as a layer."""
    import sys

    photo = make_photo(tmp_path / "photo.png")
    app = f"{sys.executable} -m hdr_studio gui --reconstruct classical --send-back"
    bridge = start_bridge(tmp_path / "run", "--app-command", app)
    try:
        result = run_krita(tmp_path, photo, "app")
    finally:
        stop_bridge(tmp_path / "run")
        bridge.wait(30)
    entry = result["actions"]["app"]
    assert entry["returned"] and entry["name"] == "HDR Studio – Classical (no network)"
    assert entry["new_document"] and entry["depth"] == "F32"
    got = pixels(result, "app", np.float32)[..., :3]
    np.testing.assert_allclose(got, expected(photo, "classical"), atol=1e-6)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (Debian xvfb)")
def test_krita_window_has_the_menu_and_show_clipping_works(tmp_path):
    """Real Krita (its window, under Xvfb) with the plug-in enabled: Tools ▸ HDR Studio has
    the three actions, and triggering Show clipping from the window adds the layer (the
    plug-in starts the bridge itself). A probe plug-in does the clicking and screenshots."""
    import os

    home = tmp_path / "home"
    pykrita = home / ".local" / "share" / "krita" / "pykrita"
    plugins.install("krita", pykrita)
    shutil.copytree(Path(__file__).with_name("krita_gui_probe"), pykrita, dirs_exist_ok=True)
    (home / ".config").mkdir(parents=True)
    (home / ".config" / "kritarc").write_text(
        "[python]\nenable_hdr_studio_krita=true\nenable_hdr_studio_probe=true\n"
    )
    photo = make_photo(tmp_path / "photo.png")
    out = tmp_path / "out"
    out.mkdir()
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "PHOTO": str(photo),
        "OUT": str(out),
        "HDR_STUDIO_RUNTIME_DIR": str(tmp_path / "run"),
        "HDR_STUDIO_COMMAND": HDR_STUDIO,
    }
    try:
        subprocess.run(
            ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", "krita", "--nosplash"],
            env=env,
            capture_output=True,
            timeout=240,
            check=False,
        )
    finally:
        stop_bridge(tmp_path / "run")
    report = json.loads((out / "menu.json").read_text())
    assert "error" not in report, report
    assert report["submenu"] == "HDR Studio"
    assert report["actions"] == ["Show clipping", "Reconstruct highlights…", "Open in HDR Studio"]
    assert report["dialog"] == "Show clipping – HDR Studio"  # mode and thresholds asked first
    assert report["layers_after"] == ["Background", "Clipping (HDR Studio)"]
    assert (out / "krita.png").stat().st_size > 10_000
    if os.environ.get("HDR_STUDIO_README_SHOTS"):
        shutil.copy(out / "krita.png", Path(os.environ["HDR_STUDIO_README_SHOTS"]) / "krita.png")
