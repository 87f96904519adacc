"""Summarise a mutmut run (docs/mutation.md): the score per module and every mutant not
killed, as Markdown rows ``| file:line | mutant | status | - line | + line |``.

Run from the repository root after ``make mutation`` (it reads mutants/*.meta for the
results and each mutant's source from the mutated copy and its .spans file)::

    .venv/bin/python docs/mutation_survivors.py > /tmp/survivors.md
"""

from __future__ import annotations

import ast
import difflib
import json
from collections import Counter
from pathlib import Path

STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    37: "type check",
    None: "not checked",
}


def _functions(path: Path) -> dict[str, tuple[int, int]]:
    """Line span of every function, keyed as mutmut names it (``x_f``, ``xǁCǁf``)."""
    out: dict[str, tuple[int, int]] = {}
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[f"x_{node.name}"] = (node.lineno, node.end_lineno or node.lineno)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    span = (item.lineno, item.end_lineno or item.lineno)
                    out[f"x\u01c1{node.name}\u01c1{item.name}"] = span
    return out


def _diff(mutated: list[str], spans: dict, key: str, func: str) -> tuple[str, str]:
    """The lines a mutant removes and adds (what ``mutmut show`` prints, but read from the
    mutated copy: ``mutmut show`` takes seconds per mutant)."""
    a0, a1 = spans[f"{func}__mutmut_orig"]
    b0, b1 = spans[key]
    def body(lines: list[str]) -> list[str]:  # without the renamed def line
        return [ln for ln in lines if not ln.lstrip().startswith(("def x", "async def x"))]

    orig, mut = body(mutated[a0 - 1 : a1]), body(mutated[b0 - 1 : b1])
    minus, plus = [], []
    for ln in difflib.unified_diff(orig, mut, lineterm="", n=0):
        if ln.startswith("-") and not ln.startswith("---"):
            minus.append(ln[1:])
        elif ln.startswith("+") and not ln.startswith("+++"):
            plus.append(ln[1:])
    return "\n".join(minus), "\n".join(plus)


def _line(path: Path, span: tuple[int, int] | None, removed: str) -> int | None:
    if span is None or not removed:
        return span[0] if span else None
    lines = path.read_text().splitlines()
    first = removed.splitlines()[0]
    for i in range(span[0] - 1, span[1]):
        if lines[i] == first:
            return i + 1
    return span[0]


def _cell(code: str) -> str:
    code = " ⏎ ".join(s.strip() for s in code.splitlines())
    return "`" + code.replace("|", "\\|").replace("`", "'") + "`" if code else ""


def main() -> None:
    metas = sorted(Path("mutants").rglob("*.py.meta"))
    print("| module | killed | survived | no tests | timeout | not checked | total |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for meta in metas:
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        src = Path(str(meta.relative_to("mutants"))[: -len(".meta")])
        counts = Counter(STATUS.get(c, "suspicious") for c in codes.values())
        print(
            f"| {src} | {counts['killed']} | {counts['survived']} | {counts['no tests']} | "
            f"{counts['timeout']} | {counts['not checked']} | {len(codes)} |"
        )
        spans = _functions(src)
        mutated = (Path("mutants") / src).read_text().splitlines()
        mspans = json.loads((Path("mutants") / f"{src}.spans").read_text())["spans"]
        for name, code in codes.items():
            status = STATUS.get(code, "suspicious")
            if status in ("killed", "not checked"):
                continue
            key = name.split(".")[-1]
            func = key.rsplit("__mutmut_", 1)[0]
            minus, plus = _diff(mutated, mspans, key, func)
            rows.append(
                f"| {src}:{_line(src, spans.get(func), minus)} | {name.split('.', 1)[1]} | "
                f"{status} | {_cell(minus)} | {_cell(plus)} |"
            )
    print()
    print("| where | mutant | status | original | mutated |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
