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


def import_cycles(package: str = "hdr_studio") -> list[list[str]]:
    """The groups of modules of ``package`` that import each other in a circle (directly or
    through others), imports inside functions and under TYPE_CHECKING included."""
    import grimp

    graph = grimp.build_graph(package, include_external_packages=False, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(start: str) -> None:  # Tarjan's strongly connected components, iteratively
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    cycles.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_imports_itself_in_a_circle():
    """Issue #30: no import circles anywhere (the app's window, menus and Batch dialog had
    two, the networks' registry and specs one). lint-imports checks the same per package
    (acyclic_siblings); this looks at single modules."""
    assert import_cycles() == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    pkg = tmp_path / "circle_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from circle_pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from circle_pkg import c\n")
    (pkg / "c.py").write_text("import circle_pkg.a\n")
    (pkg / "d.py").write_text("import circle_pkg.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("circle_pkg") == [["circle_pkg.a", "circle_pkg.b", "circle_pkg.c"]]


FRONT_ENDS = ("cli", "app", "bridge", "batch", "desktop.py")


def test_front_ends_import_nothing_from_core_or_inference():
    """Every operation has a front door in hdr_studio.api; a front end that reaches past it
    into the engine's layers (an import inside a function counts too) fails here, and in
    import-linter's contract of the same name."""
    for front in FRONT_ENDS:
        files = [PKG / front] if front.endswith(".py") else (PKG / front).rglob("*.py")
        for py in files:
            for node in ast.walk(ast.parse(py.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                bad = [
                    n for n in names if n.startswith(("hdr_studio.core", "hdr_studio.inference"))
                ]
                assert not bad, f"{py.relative_to(PKG)}:{node.lineno} imports {bad[0]}"
