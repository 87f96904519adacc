"""The structure of crosscheck's imports: no cycle, and a checker independent of handprop.

Imports are read from the source (``ast``), function-level ones included, so a lazy
import inside a function counts like one at the top. ``TYPE_CHECKING`` blocks are left
out: they never run.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

import crosscheck

PACKAGE = Path(crosscheck.__file__).parent

INDEPENDENT = (
    "crosscheck.spec",
    "crosscheck.validation",
    "crosscheck.options",
    "crosscheck.errors",
    "crosscheck.conventions",
    "crosscheck.guard",
    "crosscheck.problem",
    "crosscheck.budget",
    "crosscheck.compare",
    "crosscheck.judge",
    "crosscheck.oracles",
    "crosscheck.strategies",
    "crosscheck.search",
)
"""The judging core and everything that decides what a candidate is judged against: none
may reach handprop, directly or through another crosscheck module."""

MEASURING = ("crosscheck.budget.calibrate",)
"""Tools that measure handprop (and torch, jax) on purpose, the error budget's calibration
(docs/ulp-bounds.md): inside a judging package but not part of the judging, so exempt
from the rule above, and nothing in crosscheck may import them."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, module: str) -> set[str]:
    """Every module ``module`` imports (absolute names; ``from a import b`` gives ``a`` and,
    if it is a module, ``a.b``), function-level imports included, TYPE_CHECKING excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


@functools.cache
def _graph() -> dict[str, set[str]]:
    """crosscheck module -> the crosscheck modules it imports, plus "handprop" if it does
    (read once per test process: the tests only read it)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        edges = set()
        for imported in _imports(path, name):
            if imported == "handprop" or imported.startswith("handprop."):
                edges.add("handprop")
            elif imported in paths and imported != name:
                edges.add(imported)
        graph[name] = edges
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among crosscheck modules, or None (a module importing its own
    package's ``__init__`` is not counted: Python runs the package first)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt == "handprop" or node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _reaches_handprop(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """The chain of imports from ``start`` (a module or a package: all its modules) to
    handprop, or None."""
    roots = [
        m for m in graph if (m == start or m.startswith(start + ".")) and m not in MEASURING
    ]
    seen: dict[str, str | None] = {r: None for r in roots}
    queue = list(roots)
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, ())):
            if nxt == "handprop":
                chain = [node]
                while seen[chain[-1]] is not None:
                    chain.append(seen[chain[-1]])
                return [*reversed(chain), "handprop"]
            if nxt not in seen:
                seen[nxt] = node
                queue.append(nxt)
    return None


def test_the_import_reader_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    src = tmp_path / "mod.py"
    src.write_text(
        "from typing import TYPE_CHECKING\n"
        "import a.b\n"
        "if TYPE_CHECKING:\n    import hidden\n"
        "def f():\n    from c import d\n    import handprop.backprop\n"
    )
    got = _imports(src, "pkg.mod")
    assert {"a.b", "c", "c.d", "handprop.backprop"} <= got
    assert "hidden" not in got


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"x.a": {"x.b"}, "x.b": {"x.c"}, "x.c": {"x.a"}}) == ["x.a", "x.b", "x.c", "x.a"]
    assert _cycle({"x.a": {"x.b"}, "x.b": set()}) is None
    assert _reaches_handprop({"x.a": {"x.b"}, "x.b": {"handprop"}}, "x.a") == [
        "x.a",
        "x.b",
        "handprop",
    ]


def test_no_import_cycle_inside_crosscheck() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("module", INDEPENDENT)
def test_the_checker_does_not_import_handprop(module: str) -> None:
    graph = _graph()
    assert any(m == module or m.startswith(module + ".") for m in graph), f"no module {module}"
    chain = _reaches_handprop(graph, module)
    assert chain is None, f"{module} reaches handprop: " + " -> ".join(chain or [])


@pytest.mark.parametrize("tool", MEASURING)
def test_nothing_in_crosscheck_imports_a_measuring_tool(tool: str) -> None:
    graph = _graph()
    assert tool in graph, f"no module {tool}"
    importers = sorted(m for m, edges in graph.items() if tool in edges)
    assert not importers, f"{tool} is imported by {', '.join(importers)}"


def test_importing_the_facade_loads_neither_handprop_nor_a_framework() -> None:
    code = (
        "import sys, crosscheck; "
        "print(sorted(m for m in ('handprop', 'torch', 'jax', 'hypothesis') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_facade_lists_what_users_call() -> None:
    for name in crosscheck.__all__:
        assert getattr(crosscheck, name) is not None, name
    assert callable(crosscheck.verify) and callable(crosscheck.check_gradients)
    assert issubclass(crosscheck.UsageError, ValueError)
    with pytest.raises(AttributeError):
        crosscheck.no_such_name  # noqa: B018


def test_verify_help_imports_no_numpy_and_offers_every_oracle() -> None:
    """`crosscheck verify --help` reads its choices from crosscheck.choices only (issue 14:
    process start; NumPy alone takes 0.3-1 s to import here), and those choices are the
    registry's and the modules' own."""
    code = (
        "import sys, contextlib, io\n"
        "from crosscheck.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out, "
        "contextlib.suppress(SystemExit):\n"
        "    main(['verify', '--help'])\n"
        "assert '--oracle' in out.getvalue()\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'torch', 'jax', 'hypothesis') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    from crosscheck import choices, oracles

    assert choices.ORACLE_NAMES == tuple(oracles.ORACLES)
    assert set(choices.ORACLE_ORDER) | set(choices.CONFIRM_ORDER) <= set(oracles.ORACLES)
