"""Layering: hdr_studio.core imports neither Qt nor torch; only hdr_studio.app imports Qt.
(import-linter checks the same in CI; this test fails on its own too.)"""

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "hdr_studio"
QT = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_qt_and_no_torch_anywhere_in_its_source():
    for py in (PKG / "core").rglob("*.py"):
        bad = _imports(py) & {*QT, "torch"}
        assert not bad, f"{py} imports {bad}"


def test_nothing_outside_app_imports_qt():
    # resources/plugins: the GIMP and Krita plug-ins are data run by the hosts' own Python
    # (Krita's PyQt5); what they may import is checked in tests/bridge/test_plugins_install.py.
    for py in PKG.rglob("*.py"):
        if (PKG / "app") in py.parents or (PKG / "resources" / "plugins") in py.parents:
            continue
        bad = _imports(py) & set(QT)
        assert not bad, f"{py} imports {bad}"


def test_importing_and_using_core_loads_neither_qt_nor_torch():
    code = (
        "import sys, numpy as np\n"
        "import hdr_studio.cli\n"
        "from hdr_studio.core import reader, clipping, decompose, classical, export\n"
        "from hdr_studio.core import tonemap, chromaticity\n"
        "clipping.clip_stats(np.zeros((4, 4, 3), np.float32))\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'pyqtgraph')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
