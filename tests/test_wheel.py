"""An installed (non-editable) copy finds its weights: build a wheel, install it into a fresh
venv outside the checkout, and check that every network is available and the default one
gives the checkout's pixels.

The fresh venv borrows the dependencies (numpy, torch, OpenImageIO…) from this test's own
environment through a path file, so the test installs nothing from a package index; the
HDR Studio package itself comes only from the wheel (checked)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest

from hdr_studio.api import ReconstructRequest, reconstruct
from hdr_studio.core.reader import read_image
from tests.helpers import ROOT, SAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    # A clean copy of the sources: an in-tree build/ left by an earlier build would carry
    # deleted modules into the wheel.
    src = work / "src"
    skip = (".git", ".venv", "build", "dist", "data", "runs", "*.egg-info", "__pycache__")
    skip += (".pytest_cache", ".ruff_cache", "out", "_work", "_artifacts", ".whl", ".gl")
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*skip))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(src),
        ],
        check=True,
        capture_output=True,
        cwd=work,
    )
    (wheel,) = dist.glob("hdr_studio-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("manifest.json", "masked.safetensors", "masked.md", "hybrid.safetensors"):
        assert f"hdr_studio/resources/models/{f}" in names
    assert "hdr_studio/training/configs/masked.json" in names
    for f in (
        "samples/sunset_lomiri.jpg",
        "samples/LICENSES.md",
        "licenses/THIRD-PARTY.md",
        "licenses/LGPL-3.0.txt",
        "icons/hdr-studio-16.png",
        "curves/curve_prior.safetensors",
        "curves/curve_prior.md",
        "desktop/org.hdrstudio.HDRStudio.desktop",
        "plugins/krita/hdr_studio_krita.desktop",
        "plugins/krita/hdr_studio_krita/extension.py",
        "plugins/gimp/hdr-studio/hdr-studio.py",
    ):
        assert f"hdr_studio/resources/{f}" in names, f
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    # The camera raw and HEIC readers are extras, and [app] brings them.
    wheel_meta = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        .decode()
    )
    for extra in ("raw", "heif"):
        assert f"Provides-Extra: {extra}" in wheel_meta
    assert "rawpy" in wheel_meta and "pillow-heif" in wheel_meta
    assert not any("__pycache__" in n for n in names if "/plugins/" in n)
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    # Dependencies from this environment, after the venv's own site-packages.
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        cwd=work,
    )
    return env_dir


def _clean_env() -> dict[str, str]:
    """This environment without what would point the installed copy elsewhere."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HDR_STUDIO_MODELS")}


def _run(env_dir: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**_clean_env(), **(env or {})}
    return subprocess.run(
        [str(env_dir / "bin" / "hdr-studio"), *args],
        capture_output=True,
        text=True,
        cwd=env_dir.parent,  # outside the checkout
        env=env,
        check=False,
        timeout=300,
    )


def test_installed_wheel_has_every_network_and_the_checkouts_pixels(installed, tmp_path):
    where = subprocess.check_output(
        [installed / "bin" / "python", "-c", "import hdr_studio; print(hdr_studio.__file__)"],
        text=True,
        cwd=installed.parent,
        env=_clean_env(),  # a PYTHONPATH of the caller's would name another copy
    )
    assert str(installed) in where and str(ROOT) not in where
    r = _run(installed, "--version")
    assert r.returncode == 0 and "hdr-studio" in r.stdout
    r = _run(installed, "models", "--json")
    assert r.returncode == 0, r.stderr
    rows = {m["name"]: m for m in json.loads(r.stdout)}
    assert all(rows[n]["available"] for n in ("masked", "drht", "hybrid", "declipnet"))
    src = SAMPLES / "seeding_lomiri.jpg"
    out = tmp_path / "wheel.exr"
    r = _run(installed, "reconstruct", str(src), "-o", str(out), "--device", "cpu")
    assert r.returncode == 0, r.stderr
    assert "method masked" in r.stdout  # the default network, found in the installed package
    mine = reconstruct(ReconstructRequest(input=src, device="cpu")).pixels
    theirs = read_image(out).linear
    np.testing.assert_allclose(theirs, mine.astype(np.float16).astype(np.float32), rtol=2e-3)
    auto = tmp_path / "auto.exr"
    args = ("reconstruct", str(src), "-o", str(auto), "--method", "none", "--curve", "auto")
    r = _run(installed, *args, env={"HDR_STUDIO_CURVES": str(tmp_path / "curves")})
    assert r.returncode == 0 and "estimated from the photo: sRGB^" in r.stderr, r.stderr


def test_installed_app_shows_its_window(installed, tmp_path):
    """`gui --screenshot` offscreen from the installed wheel: the window opens a photo, draws
    it and saves the screenshot (icons and weights found in the installed package)."""
    shot = tmp_path / "window.png"
    env_extra = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = _run(
        installed,
        "gui",
        str(SAMPLES / "seeding_lomiri.jpg"),
        "--screenshot",
        str(shot),
        env=env_extra,
    )
    assert r.returncode == 0, r.stderr
    assert shot.stat().st_size > 50_000


def test_installed_wheel_writes_its_samples(installed, tmp_path):
    r = _run(installed, "samples", "-o", str(tmp_path / "samples"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "samples" / "sunset_lomiri.jpg").stat().st_size > 100_000
    assert "CC-BY-4.0" in (tmp_path / "samples" / "LICENSES.md").read_text()


def test_installed_wheel_installs_the_plugins(installed, tmp_path):
    """The plug-ins and the client they carry travel inside the wheel."""
    for host, files in (
        ("krita", ("hdr_studio_krita.desktop", "hdr_studio_krita/operations.py")),
        ("gimp", ("hdr-studio/hdr-studio.py", "hdr-studio/methods.json")),
    ):
        dest = tmp_path / host
        r = _run(installed, "plugins", "install", host, "--dest", str(dest))
        assert r.returncode == 0, r.stderr
        for f in files:
            assert (dest / f).is_file(), f
        client = next(dest.rglob("hdr_studio_client.py"))
        assert "class Client" in client.read_text()
