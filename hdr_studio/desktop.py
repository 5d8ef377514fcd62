"""``hdr-studio desktop install|uninstall``: the application menu entry, icons, AppStream
metainfo and file associations ("Open with HDR Studio") for the current user, in
``$XDG_DATA_HOME`` (default ``~/.local/share``); the desktop and icon caches are refreshed
where their tools exist."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from hdr_studio.api.errors import OutputError
from hdr_studio.api.formats import mime_types
from hdr_studio.api.resources import package_resource

APP_ID = "org.hdrstudio.HDRStudio"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def icon_file(size: int | None = None) -> Path:
    """The shipped icon: the SVG, or the PNG of ``size`` pixels."""
    name = "hdr-studio.svg" if size is None else f"hdr-studio-{size}.png"
    return package_resource("icons", name)


def _targets(root: Path) -> dict[Path, Path]:
    """Installed path → shipped source."""
    out = {
        root / "applications" / f"{APP_ID}.desktop": package_resource(
            "desktop", f"{APP_ID}.desktop"
        ),
        root / "metainfo" / f"{APP_ID}.metainfo.xml": package_resource(
            "desktop", f"{APP_ID}.metainfo.xml"
        ),
        root / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg": icon_file(),
    }
    for s in ICON_SIZES:
        out[root / "icons" / "hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png"] = icon_file(s)
    return out


def _executable() -> str:
    """The command the menu entry runs: this installation's ``hdr-studio``."""
    beside = Path(sys.executable).with_name("hdr-studio")
    if beside.exists():
        return str(beside)
    return shutil.which("hdr-studio") or "hdr-studio"


def _refresh(root: Path) -> None:
    for cmd in (
        ["update-desktop-database", str(root / "applications")],
        ["gtk-update-icon-cache", "-f", "-t", str(root / "icons" / "hicolor")],
    ):
        if shutil.which(cmd[0]):
            subprocess.run(cmd, check=False, capture_output=True)


def desktop_entry(shipped: str, executable: str) -> str:
    """The menu entry to install: the shipped one running ``executable``, offered for every
    type :mod:`hdr_studio.core.formats` reads (the one list the app and batch use too)."""
    text = shipped.replace("Exec=hdr-studio ", f"Exec={executable} ")
    lines = [
        "MimeType=" + ";".join(mime_types()) + ";" if line.startswith("MimeType=") else line
        for line in text.splitlines()
    ]
    return "\n".join(lines) + "\n"


def install(root: Path | None = None) -> list[Path]:
    """Install entry, icons and metainfo under ``root`` (default the user's data folder)."""
    root = root or data_home()
    written = []
    try:
        for dst, src in _targets(root).items():
            dst.parent.mkdir(parents=True, exist_ok=True)
            if dst.suffix == ".desktop":
                dst.write_text(desktop_entry(src.read_text(), _executable()))
            else:
                shutil.copyfile(src, dst)
            written.append(dst)
    except OSError as exc:
        raise OutputError(f"cannot install into {root}: {exc.strerror}") from None
    _refresh(root)
    return written


def uninstall(root: Path | None = None) -> list[Path]:
    """Remove what :func:`install` put under ``root``."""
    root = root or data_home()
    removed = []
    for dst in _targets(root):
        if dst.exists():
            dst.unlink()
            removed.append(dst)
    _refresh(root)
    return removed
