"""The search leans on nothing it checks: no module of crosscheck/search imports handprop
(function-level imports included), nor crosscheck.testing, which imports the search."""

from __future__ import annotations

import ast
from pathlib import Path

import crosscheck.search

SEARCH = Path(crosscheck.search.__file__).parent


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_the_search_does_not_import_handprop_or_the_pytest_helpers():
    modules = sorted(SEARCH.glob("*.py"))
    assert len(modules) >= 6
    for path in modules:
        imported = _imported(path)
        assert not {n for n in imported if n.split(".")[0] == "handprop"}, path.name
        assert "crosscheck.testing" not in imported, path.name
