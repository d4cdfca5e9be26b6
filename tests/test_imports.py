"""The package's modules import one another without a circle.

Every import counts, wherever it stands: at the top, inside a function (the lazy imports of
cli.py) or under `if TYPE_CHECKING:` — a circle through any of them means two modules that can
only be understood together. Importing a package's module is not an import of the package's
`__init__` (Python runs it, but the module does not read it).
"""

from __future__ import annotations

import ast
from pathlib import Path

from leaky_dashboards.settings import ROOT

PACKAGE = "leaky_dashboards"


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name → file, for every module of `package` under `root`."""
    found = {}
    for file in sorted((root / package).rglob("*.py")):
        parts = file.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = file
    return found


def imports(name: str, file: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that module `name` (in `file`) imports."""
    here = name.split(".") if file.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in known:  # `from . import rules`: the module
                    found.add(f"{target}.{alias.name}")
                elif target in known:  # `from .rules import Context`: a name of the module
                    found.add(target)
    return found - {name}


def import_cycles(root: Path, package: str = PACKAGE) -> list[list[str]]:
    """Every group of modules that import one another in a circle (Tarjan's strongly connected
    components of more than one module), each sorted; none for a package in order."""
    known = modules(root, package)
    graph = {name: sorted(imports(name, file, known)) for name, file in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for name in graph:
        if name not in index:
            visit(name)
    return sorted(cycles)


def test_no_module_of_the_package_imports_itself_through_others() -> None:
    assert import_cycles(ROOT) == []


def test_a_circle_through_a_type_checking_or_a_function_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from .b import B\n")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .sub.b import B\n"
    )
    (package / "sub" / "b.py").write_text("def f():\n    from .. import a\nB = 1\n")
    (package / "c.py").write_text("from pkg import a\nfrom .sub import b\n")
    assert import_cycles(tmp_path, "pkg") == [["pkg.a", "pkg.sub.b"]]
