"""Desktop integration: the entry and metainfo pass the freedesktop validators, the icon
exists at every size, and `hdr-studio desktop install|uninstall` puts them in place and takes
them away again."""

from __future__ import annotations

import configparser
import shutil
import subprocess

import pytest

from hdr_studio import desktop
from hdr_studio.cli import main
from hdr_studio.core.resources import package_resource

ENTRY = package_resource("desktop", f"{desktop.APP_ID}.desktop")
META = package_resource("desktop", f"{desktop.APP_ID}.metainfo.xml")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # `make test` installs it on Debian when run as root
        pytest.skip(f"{name} is not installed")
    return path


def test_desktop_entry_validates_and_offers_every_format():
    r = subprocess.run(
        [_tool("desktop-file-validate"), str(ENTRY)], capture_output=True, text=True, check=False
    )
    assert r.returncode == 0 and "error" not in r.stdout.lower(), r.stdout
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(ENTRY)
    mimes = set(cp["Desktop Entry"]["MimeType"].strip(";").split(";"))
    for m in (
        "image/jpeg",
        "image/png",
        "image/tiff",
        "image/x-exr",
        "image/vnd.radiance",
        "image/webp",
        "image/avif",
        "image/jxl",
    ):
        assert m in mimes
    assert cp["Desktop Entry"]["Icon"] == desktop.APP_ID


def test_metainfo_validates():
    r = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(META)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    text = META.read_text()
    assert "<screenshot" in text and "<release " in text and "content_rating" in text


def test_icon_sizes():
    from PIL import Image

    assert desktop.icon_file().read_text().startswith("<?xml")
    for s in desktop.ICON_SIZES:
        with Image.open(desktop.icon_file(s)) as im:
            assert im.size == (s, s) and im.mode == "RGBA"


def test_install_and_uninstall_for_the_user(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["desktop", "install", "--user"]) == 0
    assert "application menu" in capsys.readouterr().out
    entry = tmp_path / "applications" / f"{desktop.APP_ID}.desktop"
    lines = entry.read_text().splitlines()
    exec_line = next(line for line in lines if line.startswith("Exec="))
    assert exec_line.endswith(" gui %f") and exec_line.split("=")[1].startswith("/")
    assert (tmp_path / "metainfo" / f"{desktop.APP_ID}.metainfo.xml").is_file()
    for s in desktop.ICON_SIZES:
        assert (
            tmp_path / "icons/hicolor" / f"{s}x{s}" / "apps" / f"{desktop.APP_ID}.png"
        ).is_file()
    assert (tmp_path / "icons/hicolor/scalable/apps" / f"{desktop.APP_ID}.svg").is_file()
    if shutil.which("desktop-file-validate"):
        r = subprocess.run(
            ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
        )
        assert r.returncode == 0, r.stdout
    assert main(["desktop", "uninstall"]) == 0
    assert not entry.exists()
    assert not list((tmp_path / "icons").rglob(f"{desktop.APP_ID}.*"))
