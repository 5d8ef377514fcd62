"""Installing the host plug-ins: each plug-in's files ship in the package
(``hdr_studio/resources/plugins/<host>``) and get a copy of the bridge client
(:mod:`hdr_studio.bridge.client`, standard library only) beside them.

* Krita: ``hdr_studio_krita.desktop`` + the ``hdr_studio_krita`` package in the user's
  ``pykrita`` folder (``$XDG_DATA_HOME/krita/pykrita``); the zip is what Krita's
  *Tools ▸ Scripts ▸ Import Python Plugin from File* takes.
* GIMP 3: the ``hdr-studio`` folder (``hdr-studio.py``, executable, and the client) in the
  user's plug-in folder (``$GIMP3_DIRECTORY/plug-ins`` or ``~/.config/GIMP/3.0/plug-ins``);
  the zip unpacks into that folder.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import zipfile
from pathlib import Path

from hdr_studio.api.errors import OutputError
from hdr_studio.api.files import atomic_path
from hdr_studio.api.resources import package_resource

CLIENT_NAME = "hdr_studio_client.py"
COMMAND_NAME = "hdr_studio_command.json"  # the client's COMMAND_FILE
#: host → (top-level entries of the plug-in, folder that receives the client copy)
LAYOUT = {
    "krita": (("hdr_studio_krita.desktop", "hdr_studio_krita"), "hdr_studio_krita"),
    "gimp": (("hdr-studio",), "hdr-studio"),
}
NEXT_STEPS = {
    "krita": "Next: restart Krita, enable 'HDR Studio' in Settings ▸ Configure Krita ▸ Python "
    "Plugin Manager, restart Krita again; the actions are under Tools ▸ HDR Studio.",
    "gimp": "Next: restart GIMP; the procedures are under Filters ▸ Enhance ▸ HDR Studio.",
}


def user_folder(host: str) -> Path:
    """The host's per-user plug-in folder on this system."""
    if host == "krita":
        data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(data) / "krita" / "pykrita"
    gimp = os.environ.get("GIMP3_DIRECTORY")
    if gimp:
        return Path(gimp) / "plug-ins"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "GIMP" / "3.0" / "plug-ins"


def _files(host: str) -> list[tuple[Path, str]]:
    """(source file, path inside the plug-in folder) for every file of ``host``'s plug-in."""
    if host not in LAYOUT:
        raise ValueError(f"unknown host {host!r}")
    root = package_resource("plugins", host)
    entries, client_dir = LAYOUT[host]
    out: list[tuple[Path, str]] = []
    for entry in entries:
        src = root / entry
        if src.is_dir():
            for f in sorted(src.rglob("*")):
                if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
                    out.append((f, str(f.relative_to(root))))
        else:
            out.append((src, entry))
    out.append((Path(__file__).with_name("client.py"), f"{client_dir}/{CLIENT_NAME}"))
    return out


def methods_file(host: str) -> tuple[str, bytes] | None:
    """GIMP registers its procedures before any bridge runs: the method list it offers as a
    choice is written beside the plug-in (``methods.json``) from this installation's
    catalogue (the bridge still checks every request)."""
    if host != "gimp":
        return None
    import json

    from hdr_studio.api.catalogue import catalogue, default_method

    methods = [
        {"name": m.name, "label": m.label, "kind": m.kind.value} for m in catalogue() if m.available
    ]
    text = json.dumps({"default": default_method(), "methods": methods}, indent=1)
    return "hdr-studio/methods.json", text.encode()


def _contents(host: str) -> list[tuple[str, bytes]]:
    """(path inside the plug-in folder, bytes) of every file ``host``'s plug-in needs."""
    out = [(rel, src.read_bytes()) for src, rel in _files(host)]
    extra = methods_file(host)
    if extra is not None:
        out.append(extra)
    return out


def install_command() -> list[str]:
    """The absolute command of this installation, for a plug-in to start its bridge with
    whatever PATH its host has: the bundle's binary, the ``hdr-studio`` script this command
    was run as (a venv's, pipx's), the script beside this Python, else this Python with
    ``-m hdr_studio``."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).absolute())]
    for script in (Path(sys.argv[0]), Path(sys.executable).with_name("hdr-studio")):
        if script.name == "hdr-studio" and script.is_file() and os.access(script, os.X_OK):
            return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "hdr_studio"]


def _mode(rel: str) -> int:
    return 0o755 if rel.endswith("hdr-studio.py") else 0o644


def install(host: str, dest: Path | None = None) -> Path:
    """Copy ``host``'s plug-in into ``dest`` (default the user's folder), replacing an
    older copy of the same plug-in, with this installation's command recorded beside the
    client (:func:`install_command`); returns the folder."""
    dest = Path(dest) if dest else user_folder(host)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        uninstall(host, dest)
        command = json.dumps({"command": install_command()}, indent=1).encode()
        recorded = (f"{LAYOUT[host][1]}/{COMMAND_NAME}", command)
        for rel, data in [*_contents(host), recorded]:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(_mode(rel))
    except OSError as exc:
        raise OutputError(f"{dest}: cannot install the {host} plug-in ({exc.strerror})") from None
    return dest


def uninstall(host: str, dest: Path | None = None) -> Path | None:
    """Remove ``host``'s plug-in from ``dest``; the folder when something was removed."""
    dest = Path(dest) if dest else user_folder(host)
    removed = False
    for entry in LAYOUT[host][0]:
        target = dest / entry
        if target.is_dir():
            shutil.rmtree(target)
            removed = True
        elif target.exists():
            target.unlink()
            removed = True
    return dest if removed else None


def package(host: str, out: Path, force: bool = False) -> Path:
    """The plug-in as an installable zip (Krita's import, GIMP's plug-in folder layout),
    written atomically; entries carry fixed times so the same sources give the same bytes."""
    out = Path(out)
    if out.exists() and not force:
        raise OutputError(f"{out}: already exists (use --force to overwrite)")
    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist")
    with atomic_path(out, force=force) as tmp, zipfile.ZipFile(tmp, "w") as z:
        for rel, data in _contents(host):
            info = zipfile.ZipInfo(rel, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | _mode(rel)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out


def unpack(archive: Path, dest: Path) -> None:
    """Unpack a plug-in zip keeping the executable bits (tests and install scripts)."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            target = dest / info.filename
            if not target.resolve().is_relative_to(dest.resolve()):
                raise OutputError(f"{archive}: entry {info.filename} leaves the folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
            target.chmod((info.external_attr >> 16) & 0o777 or 0o644)


__all__ = ["install", "package", "uninstall", "unpack", "user_folder"]
