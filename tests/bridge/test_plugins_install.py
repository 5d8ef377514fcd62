"""``hdr-studio plugins install|uninstall|package``: the files each host needs, the client
copied beside them, executable bits, archives laid out for each host."""

from __future__ import annotations

import os
import zipfile

import pytest

from hdr_studio.bridge import plugins
from hdr_studio.cli import main


def test_krita_install_uninstall(tmp_path, capsys):
    dest = tmp_path / "pykrita"
    assert main(["plugins", "install", "krita", "--dest", str(dest)]) == 0
    assert "Python Plugin Manager" in capsys.readouterr().out
    assert (dest / "hdr_studio_krita.desktop").read_text().count(
        "X-KDE-Library=hdr_studio_krita"
    ) == 1
    for name in ("__init__.py", "operations.py", "extension.py", "hdr_studio_client.py"):
        assert (dest / "hdr_studio_krita" / name).is_file()
    assert main(["plugins", "uninstall", "krita", "--dest", str(dest)]) == 0
    assert list(dest.iterdir()) == []


def test_gimp_install_is_executable_with_the_client(tmp_path, monkeypatch):
    monkeypatch.setenv("GIMP3_DIRECTORY", str(tmp_path / "gimp"))
    where = plugins.install("gimp")
    assert where == tmp_path / "gimp" / "plug-ins"
    script = where / "hdr-studio" / "hdr-studio.py"
    assert os.access(script, os.X_OK) and script.read_text().startswith("#!/usr/bin/env python3")
    assert (where / "hdr-studio" / "hdr_studio_client.py").is_file()
    import json

    listed = json.loads((where / "hdr-studio" / "methods.json").read_text())
    assert listed["default"] == "masked"  # GIMP's method choice, from this catalogue
    assert {"classical", "none", "masked"} <= {m["name"] for m in listed["methods"]}
    assert plugins.uninstall("gimp") == where and not (where / "hdr-studio").exists()


@pytest.mark.parametrize(
    ("host", "names"),
    [
        ("krita", {"hdr_studio_krita.desktop", "hdr_studio_krita/operations.py"}),
        ("gimp", {"hdr-studio/hdr-studio.py", "hdr-studio/hdr_studio_client.py"}),
    ],
)
def test_package_archives(tmp_path, host, names):
    out = tmp_path / f"{host}.zip"
    plugins.package(host, out)
    with zipfile.ZipFile(out) as z:
        listed = set(z.namelist())
        assert names <= listed and not any("__pycache__" in n for n in listed)
    first = out.read_bytes()
    plugins.package(host, out, force=True)
    assert out.read_bytes() == first  # reproducible
    unpacked = tmp_path / "unpacked"
    plugins.unpack(out, unpacked)
    if host == "gimp":
        assert os.access(unpacked / "hdr-studio" / "hdr-studio.py", os.X_OK)
    with pytest.raises(Exception, match="already exists"):
        plugins.package(host, out)


@pytest.mark.parametrize("host", ["krita", "gimp"])
def test_plugins_import_only_the_host_and_the_standard_library(tmp_path, host):
    """The hosts run plug-ins in their own Python: no numpy, no torch, no HDR Studio."""
    import ast
    import sys

    allowed = set(sys.stdlib_module_names) | {"krita", "PyQt5", "gi", "hdr_studio_client"}
    dest = plugins.install(host, tmp_path)
    files = list(dest.rglob("*.py"))
    assert files
    for f in files:
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{f.name} imports {name}"
