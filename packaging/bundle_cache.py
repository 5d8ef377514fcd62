"""The bundle for the smoke test, built once per source state and cached on the machine.

    .venv/bin/python packaging/bundle_cache.py     # prints the tarball's path

The key hashes everything that goes into the bundle: the package's files, the packaging
folder, pyproject.toml and the installed distributions' versions. A cache hit costs a
second; a miss runs ``packaging/build_bundle.py`` (about 2–3 minutes on 2 cores). Old
entries beyond the newest three are removed. Cache: ``$HDR_STUDIO_BUNDLE_CACHE`` or
``/var/cache/hdr-studio/bundles`` (``~/.cache/hdr-studio/bundles`` when that is not
writable). Prints nothing and exits 0 when PyInstaller is missing (the smoke test skips).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def key() -> str:
    h = hashlib.sha256()
    files = [ROOT / "pyproject.toml"]
    for folder in (ROOT / "hdr_studio", ROOT / "packaging"):
        files += [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for p in sorted(files):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    for d in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
        h.update(f"{d.metadata['Name']}=={d.version}\n".encode())
    return h.hexdigest()[:20]


def cache_dir() -> Path:
    if os.environ.get("HDR_STUDIO_BUNDLE_CACHE"):
        return Path(os.environ["HDR_STUDIO_BUNDLE_CACHE"])
    system = Path("/var/cache/hdr-studio/bundles")
    try:
        system.mkdir(parents=True, exist_ok=True)
        if os.access(system, os.W_OK):
            return system
    except OSError:
        pass
    return Path.home() / ".cache" / "hdr-studio" / "bundles"


def main() -> int:
    if importlib.util.find_spec("PyInstaller") is None:
        print("note: PyInstaller not installed; no bundle", file=sys.stderr)
        return 0
    entry = cache_dir() / key()
    tarballs = sorted(entry.glob("hdr-studio-*-linux-x86_64.tar.gz"))
    if not tarballs:
        tmp = entry.with_name(entry.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        work = tmp / "work"
        subprocess.run(
            [sys.executable, str(ROOT / "packaging" / "build_bundle.py"),
             "--dist", str(tmp), "--work", str(work)],
            check=True, stdout=sys.stderr,
        )  # fmt: skip
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
        tarballs = sorted(entry.glob("hdr-studio-*-linux-x86_64.tar.gz"))
    entries = sorted(
        (p for p in entry.parent.iterdir() if p.is_dir() and not p.name.endswith(".tmp")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in entries[:-3]:
        shutil.rmtree(old, ignore_errors=True)
    print(tarballs[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
