"""``make package``: the self-contained Linux bundle and the plug-in archives.

    .venv/bin/python packaging/build_bundle.py [--dist DIR] [--work DIR]

1. PyInstaller one-folder build of ``packaging/hdr-studio.spec`` (CPU torch, Qt, OpenImageIO,
   the weights);
2. the release folder ``hdr-studio-VERSION-linux-x86_64/``: the program folder, ``install.sh``
   / ``uninstall.sh`` (``~/.local``: program, command link, menu entry, icons, file types),
   the desktop entry and metainfo, the GIMP and Krita plug-in zips, the licences;
3. ``dist/hdr-studio-VERSION-linux-x86_64.tar.gz`` and the plug-in zips beside it;
4. a size report (``dist/SIZE.txt``): the bundle, unpacked and packed, and its largest parts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INSTALL = r"""#!/bin/sh
# Install HDR Studio for this user into ~/.local (no root needed):
#   ~/.local/lib/hdr-studio/   the program          ~/.local/bin/hdr-studio   the command
#   the menu entry, icons and file types (hdr-studio desktop install --user)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
rm -rf "$PREFIX/lib/hdr-studio.new"
mkdir -p "$PREFIX/lib" "$PREFIX/bin"
cp -a "$HERE/hdr-studio" "$PREFIX/lib/hdr-studio.new"
rm -rf "$PREFIX/lib/hdr-studio"
mv "$PREFIX/lib/hdr-studio.new" "$PREFIX/lib/hdr-studio"
ln -sfn "$PREFIX/lib/hdr-studio/hdr-studio" "$PREFIX/bin/hdr-studio"
"$PREFIX/lib/hdr-studio/hdr-studio" desktop install --user
echo "HDR Studio installed: $PREFIX/bin/hdr-studio (in the application menu too)."
echo "Plug-ins: $PREFIX/bin/hdr-studio plugins install krita|gimp"
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "Note: add $PREFIX/bin to PATH." ;; esac
"""

UNINSTALL = r"""#!/bin/sh
# Remove what install.sh added.
set -eu
PREFIX=${PREFIX:-$HOME/.local}
if [ -x "$PREFIX/lib/hdr-studio/hdr-studio" ]; then
    "$PREFIX/lib/hdr-studio/hdr-studio" desktop uninstall --user || true
fi
rm -rf "$PREFIX/lib/hdr-studio"
[ -L "$PREFIX/bin/hdr-studio" ] && rm -f "$PREFIX/bin/hdr-studio"
echo "HDR Studio removed from $PREFIX."
"""

README = """HDR Studio {version} for Linux x86-64 (self-contained: Python, CPU PyTorch, Qt,
OpenImageIO and the trained networks are inside).

  ./install.sh                 install for this user into ~/.local (menu entry, icons, file types)
  ./hdr-studio/hdr-studio      or run it from here: hdr-studio gui, reconstruct, analyze, batch...
  ./uninstall.sh               remove it again

GIMP 3 and Krita plug-ins: plugins/*.zip, or after installing:
  hdr-studio plugins install krita    hdr-studio plugins install gimp

Licences: LICENSE (HDR Studio, GPL-3.0-or-later), THIRD-PARTY.md and LGPL-3.0.txt (Qt/PySide6
and the other parts), the sample photos' and weights' notes inside hdr-studio/_internal/
hdr_studio/resources/.
"""


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def main() -> int:
    from hdr_studio import __version__
    from hdr_studio.bridge import plugins

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", default=str(ROOT / "dist"))
    ap.add_argument("--work", default=str(ROOT / "build" / "pyinstaller"))
    args = ap.parse_args()
    dist, work = Path(args.dist), Path(args.work)
    dist.mkdir(parents=True, exist_ok=True)
    name = f"hdr-studio-{__version__}-linux-x86_64"
    t0 = time.monotonic()
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
            str(ROOT / "packaging" / "hdr-studio.spec"),
        ],
        check=True,
    )  # fmt: skip
    built = time.monotonic() - t0

    release = work / name
    shutil.rmtree(release, ignore_errors=True)
    release.mkdir(parents=True)
    shutil.copytree(work / "dist" / "hdr-studio", release / "hdr-studio", symlinks=True)
    for script, text in (("install.sh", INSTALL), ("uninstall.sh", UNINSTALL)):
        (release / script).write_text(text)
        (release / script).chmod(0o755)
    (release / "README.txt").write_text(README.format(version=__version__))
    shutil.copy(ROOT / "LICENSE", release / "LICENSE")
    for f in (ROOT / "hdr_studio" / "resources" / "licenses").iterdir():
        shutil.copy(f, release / f.name)
    share = release / "share"
    share.mkdir()
    for f in (ROOT / "hdr_studio" / "resources" / "desktop").iterdir():
        shutil.copy(f, share / f.name)
    shutil.copy(ROOT / "hdr_studio" / "resources" / "icons" / "hdr-studio.svg", share)
    (release / "plugins").mkdir()
    for host in ("krita", "gimp"):
        archive = dist / f"hdr-studio-{host}-plugin-{__version__}.zip"
        plugins.package(host, archive, force=True)
        shutil.copy(archive, release / "plugins" / f"hdr-studio-{host}-plugin.zip")

    tarball = dist / f"{name}.tar.gz"
    tmp = tarball.with_suffix(".tmp")
    t1 = time.monotonic()
    with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
        tar.add(release, arcname=name)
    os.replace(tmp, tarball)
    packed = time.monotonic() - t1

    internal = release / "hdr-studio" / "_internal"
    parts = sorted(
        ((du(p) if p.is_dir() else p.stat().st_size, p.name) for p in internal.iterdir()),
        reverse=True,
    )
    lines = [
        f"{tarball.name}: {tarball.stat().st_size / 1e6:.0f} MB packed, "
        f"{du(release) / 1e6:.0f} MB unpacked (PyInstaller {built:.0f} s, tar.gz {packed:.0f} s)",
        "largest parts of hdr-studio/_internal:",
        *(f"  {size / 1e6:8.1f} MB  {part}" for size, part in parts[:15]),
    ]
    (dist / "SIZE.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
