"""Smoke test of the self-contained bundle (`make package`; `make test` builds it once per
source state through packaging/bundle_cache.py and passes its path as HDR_STUDIO_BUNDLE):
unpacked into a temporary folder away from the checkout and the venv, run with a bare
environment, it reports its versions, analyses, reconstructs with the default network (the
checkout's pixels), serves the bridge, draws its window offscreen, and installs into and
uninstalls from ~/.local; it opens a camera raw file and a HEIC (LibRaw and libheif are
inside)."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.core.reader import read_image
from tests.helpers import SAMPLES

BUNDLE = os.environ.get("HDR_STUDIO_BUNDLE", "")
pytestmark = [
    pytest.mark.bundle,
    pytest.mark.slow,
    pytest.mark.skipif(
        not BUNDLE or not Path(BUNDLE).is_file(),
        reason="no bundle (make package builds one; make test passes it as HDR_STUDIO_BUNDLE)",
    ),
]


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundle")
    with tarfile.open(BUNDLE) as tar:
        tar.extractall(root, filter="tar")
    (release,) = root.glob("hdr-studio-*-linux-x86_64")
    return release


def run(release: Path, home: Path, *args: str, **env) -> subprocess.CompletedProcess:
    base = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(release / "hdr-studio" / "hdr-studio"), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=home,
    )


def test_the_release_folder(unpacked):
    names = {p.name for p in unpacked.iterdir()}
    assert {"hdr-studio", "install.sh", "uninstall.sh", "LICENSE", "THIRD-PARTY.md"} <= names
    assert {"LGPL-3.0.txt", "README.txt", "plugins", "share"} <= names
    assert sorted(p.name for p in (unpacked / "plugins").iterdir()) == [
        "hdr-studio-gimp-plugin.zip",
        "hdr-studio-krita-plugin.zip",
    ]


def test_version_analyze_reconstruct(unpacked, tmp_path):
    version = run(unpacked, tmp_path, "--version")
    assert version.returncode == 0, version.stderr
    assert "not installed" not in version.stdout and "torch 2." in version.stdout
    assert "networks run on: CPU" in version.stdout
    photo = tmp_path / "sunset.jpg"
    photo.write_bytes((SAMPLES / "sunset_lomiri.jpg").read_bytes())
    analyzed = run(unpacked, tmp_path, "analyze", str(photo), "--json")
    assert analyzed.returncode == 0, analyzed.stderr
    assert json.loads(analyzed.stdout)["over_any"] > 0
    models = run(unpacked, tmp_path, "models", "--json")
    assert all(m["available"] for m in json.loads(models.stdout)), models.stdout
    out = tmp_path / "out.exr"
    done = run(unpacked, tmp_path, "reconstruct", str(photo), "-o", str(out))
    assert done.returncode == 0, done.stderr
    got = read_image(out).linear
    want = reconstruct(ReconstructRequest(input=photo)).pixels
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)  # EXR stores half floats
    auto = tmp_path / "auto.exr"
    args = ("reconstruct", str(photo), "-o", str(auto), "--method", "none", "--curve", "auto")
    done = run(unpacked, tmp_path, *args)
    assert done.returncode == 0 and "estimated from the photo: sRGB^" in done.stderr, done.stderr


def test_bridge_health_and_window(unpacked, tmp_path):
    runtime = tmp_path / "run"
    proc = subprocess.Popen(
        [str(unpacked / "hdr-studio" / "hdr-studio"), "bridge", "serve"],
        env={
            "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "HDR_STUDIO_RUNTIME_DIR": str(runtime),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            status = run(
                unpacked,
                tmp_path,
                "bridge",
                "status",
                "--json",
                HDR_STUDIO_RUNTIME_DIR=str(runtime),
            )
            if status.returncode == 0:
                break
            time.sleep(0.3)
        assert status is not None and status.returncode == 0, status.stdout + status.stderr
        assert json.loads(status.stdout)["status"] == "ok"
        stop = run(unpacked, tmp_path, "bridge", "stop", HDR_STUDIO_RUNTIME_DIR=str(runtime))
        assert stop.returncode == 0 and proc.wait(30) == 0
    finally:
        proc.kill()
    photo = tmp_path / "sunset.jpg"
    photo.write_bytes((SAMPLES / "sunset_lomiri.jpg").read_bytes())
    shot = tmp_path / "window.png"
    gui = run(
        unpacked,
        tmp_path,
        "gui",
        str(photo),
        "--screenshot",
        str(shot),
        QT_QPA_PLATFORM="offscreen",
    )
    assert gui.returncode == 0, gui.stderr
    image = read_image(shot)
    assert image.width >= 1000 and float(image.code.std()) > 0.05  # a drawn window


def test_install_script_into_local(unpacked, tmp_path):
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "share")}

    def sh(script: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["sh", str(unpacked / script)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    done = sh("install.sh")
    assert done.returncode == 0, done.stderr
    command = tmp_path / ".local" / "bin" / "hdr-studio"
    assert command.is_symlink() and command.resolve().is_file()
    entry = tmp_path / "share" / "applications" / "org.hdrstudio.HDRStudio.desktop"
    assert f"Exec={tmp_path}/.local/lib/hdr-studio/hdr-studio" in entry.read_text()
    version = subprocess.run(
        [str(command), "--version"], env=env, capture_output=True, text=True, check=False
    )
    assert version.returncode == 0 and "hdr-studio 0." in version.stdout
    gone = sh("uninstall.sh")
    assert gone.returncode == 0, gone.stderr
    assert not command.exists() and not entry.exists()
    assert not (tmp_path / ".local" / "lib" / "hdr-studio").exists()


def test_raw_and_heic_open_in_the_bundle(unpacked, tmp_path):
    import pillow_heif

    from tests.helpers import ROOT

    kdc = ROOT / "tests" / "data" / "raw" / "RAW_KODAK_DC50.KDC"
    heic = tmp_path / "phone.heic"
    px = np.full((48, 64, 3), 240, np.uint8)
    pillow_heif.from_bytes(mode="RGB", size=(64, 48), data=px.tobytes()).save(heic)
    for path, size in ((kdc, (768, 512)), (heic, (64, 48))):
        done = run(unpacked, tmp_path, "analyze", str(path), "--json")
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert (report["width"], report["height"]) == size
    assert (
        json.loads(run(unpacked, tmp_path, "analyze", str(kdc), "--json").stdout)["over_source"]
        == "sensor"
    )
    out = tmp_path / "kodak.exr"
    done = run(unpacked, tmp_path, "reconstruct", str(kdc), "-o", str(out), "--method", "classical")
    assert done.returncode == 0 and read_image(out).width == 768, done.stderr
