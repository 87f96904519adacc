"""The verdict per cell of a ``--keep-going`` search, as a matrix: rows the cost and output
activation, columns the hidden activation (``-``: no hidden layer), one verdict per dtype
in each cell; as text, markdown and HTML."""

from __future__ import annotations

import html
from typing import Any

from crosscheck import spec

__all__ = ["SYMBOLS", "cell_status", "matrix_html", "matrix_markdown", "matrix_rows", "matrix_text"]

SYMBOLS = {"pass": ".", "fail": "X", "inconclusive": "?", "unsupported": "u", "": " "}
"""One character per verdict in the text matrix (blank: not judged)."""


def cell_status(counts: dict[str, int] | None) -> str:
    """A cell's verdict from its counts: ``fail`` if any problem failed, else ``pass`` if
    any passed conclusively, ``inconclusive``, ``unsupported`` (every problem declined),
    or ``""`` (nothing judged)."""
    counts = counts or {}
    for status in ("fail", "pass", "inconclusive", "unsupported"):
        if counts.get(status):
            return status
    return ""


def _split(key: str) -> tuple[str, str, str]:
    hidden, cost_output, dtype = (part.strip() for part in key.split("|"))
    return hidden, cost_output, dtype


def matrix_rows(matrix: dict[str, dict[str, int]]) -> tuple[list[str], list[str], list[str]]:
    """The matrix's rows (cost/output), columns (hidden, ``-`` first) and dtypes, in the
    spec's order."""
    keys = [_split(k) for k in matrix]
    order = {name: i for i, name in enumerate(spec.ACTIVATION_ORDER)}
    costs = {name: i for i, name in enumerate(spec.COST_ORDER)}
    rows = sorted({k[1] for k in keys}, key=lambda co: (costs[co.split("/")[0]],
                                                       order[co.split("/")[1]]))
    cols = sorted({k[0] for k in keys}, key=lambda h: -1 if h == "-" else order[h])
    dtypes = sorted({k[2] for k in keys}, key=lambda d: d != "float64")
    return rows, cols, dtypes


def _status(matrix: dict[str, dict[str, int]], h: str, co: str, d: str) -> str:
    return cell_status(matrix.get(f"{h} | {co} | {d}"))


def matrix_text(matrix: dict[str, dict[str, int]]) -> list[str]:
    """The matrix as fixed-width text lines, one symbol per dtype in each cell."""
    rows, cols, dtypes = matrix_rows(matrix)
    legend = ", ".join(f"{s!r} {w}" for w, s in SYMBOLS.items() if w) + ", blank not judged"
    lines = [
        f"verdict per cell (rows: cost/output; columns: hidden activation, '-' no hidden "
        f"layer; in each cell {' then '.join(dtypes)}: {legend}):"
    ]
    width = max(len(r) for r in rows) + 4
    colw = [max(len(c), len(dtypes)) + 1 for c in cols]
    header = "".join(c.ljust(w) for c, w in zip(cols, colw, strict=True))
    lines.append((" " * width + header).rstrip())
    for co in rows:
        cells = [
            "".join(SYMBOLS[_status(matrix, h, co, d)] for d in dtypes).ljust(w)
            for h, w in zip(cols, colw, strict=True)
        ]
        lines.append(f"  {co}".ljust(width) + "".join(cells).rstrip())
    return lines


def matrix_markdown(matrix: dict[str, dict[str, int]]) -> str:
    """The matrix as one markdown table per dtype (words in the cells)."""
    rows, cols, dtypes = matrix_rows(matrix)
    out = []
    for d in dtypes:
        out += [f"**{d}**", "", "| cost/output | " + " | ".join(cols) + " |",
                "| --- |" + " --- |" * len(cols)]
        for co in rows:
            words = [_status(matrix, h, co, d) or " " for h in cols]
            words = [f"**{w.upper()}**" if w == "fail" else w for w in words]
            out.append(f"| {co} | " + " | ".join(words) + " |")
        out.append("")
    return "\n".join(out)


_COLOURS = {
    "pass": "#d4edda",
    "fail": "#f8d7da",
    "inconclusive": "#fff3cd",
    "unsupported": "#e2e3e5",
    "": "#ffffff",
}


def matrix_html(matrix: dict[str, dict[str, int]], failures: dict[str, Any] | None = None) -> str:
    """The matrix as HTML tables (one per dtype), failing cells linking to their
    counterexample (``failures``: cell -> anchor)."""
    rows, cols, dtypes = matrix_rows(matrix)
    failures = failures or {}
    parts = []
    for d in dtypes:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = []
        for co in rows:
            tds = []
            for h in cols:
                status = _status(matrix, h, co, d)
                text = html.escape(status or "")
                anchor = failures.get(f"{h} | {co} | {d}")
                if anchor:
                    text = f'<a href="#{anchor}">{text}</a>'
                tds.append(f'<td style="background:{_COLOURS[status]}">{text}</td>')
            body.append(f"<tr><th>{html.escape(co)}</th>{''.join(tds)}</tr>")
        parts.append(
            f"<h3>{d}</h3><table><tr><th>cost/output \\ hidden</th>{head}</tr>"
            + "".join(body)
            + "</table>"
        )
    return "\n".join(parts)
