"""What a search's result looks like to programs and in files: the JSON record and the
``--report`` files (``verify.json``, ``verify.md``, ``verify.html``)."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from crosscheck.search.cells import cell_status, matrix_html, matrix_markdown
from crosscheck.search.explain import (
    check_arguments,
    describe_counterexample,
    format_result,
    reproduction_command,
)
from crosscheck.search.result import Counterexample, VerifyResult

__all__ = ["counterexample_dict", "result_dict", "result_json", "write_report"]


def _jsonable(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def counterexample_dict(cx: Counterexample) -> dict[str, Any]:
    """A JSON-ready record of a counterexample."""
    p = cx.problem
    sev = cx.severity
    return {
        "kind": cx.kind,
        "cell": cx.cell,
        "describe": p.describe(),
        "sizes": list(p.sizes),
        "depth": p.depth,
        "activations": list(p.activations),
        "cost": p.cost,
        "dtype": str(p.dtype),
        "P": p.P,
        "regime": cx.regime,
        "layer_regimes": list(cx.layer_regimes),
        "x_kind": cx.x_kind,
        "y_kind": cx.y_kind,
        "block": cx.block,
        "stratum": cx.stratum._asdict(),
        "shrunk": cx.shrunk,
        "reductions": list(cx.reductions),
        "error": cx.outcome.error,
        "traceback": cx.outcome.traceback or None,
        "flags": list(cx.outcome.flags),
        "severity": None if sev is None else {
            "kind": sev.kind,
            "words": sev.words,
            "ratio": sev.ratio,
            "relative": sev.relative,
            "typical_failed": sev.typical[0],
            "typical_judged": sev.typical[1],
        },
        "oracles": list(cx.outcome.oracles),
        "ratios": {v.oracle: v.ratio for v in cx.outcome.verdicts if v.skipped is None},
        "note": cx.outcome.note,
        "records": [
            {
                "layer": r.layer,
                "row_kind": r.row_kind,
                "index": list(r.index),
                "value": r.value,
                "reference": r.reference,
                "tolerance": r.tolerance,
                "ratio": r.max_ratio,
                "max_abs": r.max_abs,
                "max_rel": r.max_rel,
            }
            for r in cx.failing_records()
        ],
        "weights": [w.astype(np.float64).tolist() for w in p.weights],
        "X": p.X.astype(np.float64).tolist(),
        "Y": p.Y.astype(np.float64).tolist(),
    }


def result_dict(result: VerifyResult, *, target: str | None = None) -> dict[str, Any]:
    """A JSON-ready record of a run (timings under ``"timing"``)."""
    tgt = target or result.target
    cx = result.counterexample
    matrix = None
    if result.matrix is not None:
        matrix = {c: {"status": cell_status(n), **n} for c, n in result.matrix.items()}
    return _jsonable(
        {
            "target": tgt,
            "status": result.status,
            "passed": result.passed,
            "convention": result.convention,
            "inconclusive": result.inconclusive,
            "cells": result.cells,
            "matrix": matrix,
            "power": result.power,
            "extent": result.extent,
            "examples": result.examples,
            "examples_until_caught": result.examples_until_caught,
            "worst_ratio": result.worst_ratio,
            "worst_problem": result.worst_problem,
            "skipped": result.skipped,
            "unsupported": result.unsupported or {},
            "flags": result.flags or {},
            "disputed": list(result.disputed),
            "oracle": result.oracle,
            "confirming": list(result.confirming),
            "seed": result.seed,
            "options": result.options,
            "command": reproduction_command(tgt, result),
            "counterexample": None if cx is None else counterexample_dict(cx),
            "failures": [counterexample_dict(c) for c in result.failures[1:]],
            "coverage": result.coverage,
            "timing": {"seconds": round(result.seconds, 3), "calls": result.calls, **result.timing},
        }
    )


def result_json(result: VerifyResult, *, target: str | None = None) -> str:
    """:func:`result_dict` as indented JSON."""
    return json.dumps(result_dict(result, target=target), indent=2) + "\n"


def _markdown(result: VerifyResult, text: str, target: str) -> str:
    out = ["# crosscheck verify", "", "```", text, "```", ""]
    if result.matrix is not None:
        out += ["## Verdict per cell", "", matrix_markdown(result.matrix)]
        for c in result.failures:
            out += [f"### {c.cell}", "", "```", _full(c, result, target), "```", ""]
    return "\n".join(out)


def _full(cx: Counterexample, result: VerifyResult, target: str) -> str:
    return describe_counterexample(cx, target=target, check_args=check_arguments(result))


def _html(result: VerifyResult, text: str, target: str) -> str:
    anchors = {c.cell: f"cell-{i}" for i, c in enumerate(result.failures) if c.cell}
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>crosscheck verify {html.escape(target)}</title>",
        "<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse}"
        " td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%} pre{background:#f6f8fa;"
        "padding:1em;overflow-x:auto}</style></head><body>",
        f"<h1>crosscheck verify {html.escape(target)}</h1>",
        f"<p>status: <b>{html.escape(result.status)}</b></p>",
    ]
    if result.matrix is not None:
        parts += ["<h2>Verdict per cell</h2>", matrix_html(result.matrix, anchors)]
        for i, c in enumerate(result.failures):
            parts.append(f"<h3 id='cell-{i}'>{html.escape(c.cell or '')}</h3>")
            parts.append(f"<pre>{html.escape(_full(c, result, target))}</pre>")
    parts += ["<h2>Output</h2>", f"<pre>{html.escape(text)}</pre>", "</body></html>"]
    return "\n".join(parts) + "\n"


def write_report(directory: str | Path, result: VerifyResult, target: str) -> list[Path]:
    """Write ``directory/verify.json`` (:func:`result_json`), ``verify.md`` and
    ``verify.html`` (the printed text and, with ``keep_going``, the verdict per cell)
    atomically; returns their paths."""
    from crosscheck.atomic import write_many

    out = Path(directory)
    text = format_result(result, target=target)
    files = {
        out / "verify.json": result_json(result, target=target),
        out / "verify.md": _markdown(result, text, target),
        out / "verify.html": _html(result, text, target),
    }
    write_many({k: v.encode() for k, v in files.items()})
    return list(files)
