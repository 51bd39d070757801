"""The package's shape, as issue #16 set it: files under the cap, no import cycle, the layers contract kept."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import ROOT

PACKAGE = ROOT / "broadsheet"
MAX_LINES = 800
CODE_SUFFIXES = (".py", ".html", ".js", ".css")
"""Hand-written code; data the package ships (language statistics, the calibration table) is not held to the cap."""


def test_no_file_of_the_package_is_over_the_cap() -> None:
    lengths = {path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
               for path in PACKAGE.rglob("*") if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts}
    assert lengths, f"no code found under {PACKAGE}"
    assert {name: lines for name, lines in lengths.items() if lines > MAX_LINES} == {}


def _imports_between_modules() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports: lazy imports inside functions and those under
    TYPE_CHECKING included (grimp reads every import statement), and a package's `__init__` importing its own
    submodules too."""
    graph = grimp.build_graph("broadsheet")
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per back edge that a depth-first search over the import graph meets: [a, b, ..., a]."""
    cycles: list[list[str]] = []
    state: dict[str, str] = {}  # "open" while on the search path, "done" once all it imports is searched
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for imported in sorted(imports.get(module, ())):
            if state.get(imported) == "open":
                cycles.append([*path[path.index(imported):], imported])
            elif imported not in state:
                visit(imported)
        path.pop()
        state[module] = "done"

    for module in sorted(imports):
        if module not in state:
            visit(module)
    return cycles


def test_the_cycle_search_finds_a_cycle_and_passes_a_tree() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_no_import_cycle_between_modules_of_the_package() -> None:
    cycles = [" -> ".join(cycle) for cycle in _cycles(_imports_between_modules())]
    assert cycles == []


def test_the_layers_contract_holds() -> None:
    """`lint-imports` reads pyproject.toml [tool.importlinter]: each layer imports only those below it, and the
    product imports no evaluation, samples or benchmarks."""
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    done = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout, done.stdout
