"""What a search's result looks like to people and programs: the printed text with its
reproduction, the JSON record, and the ``--report`` files."""

from __future__ import annotations

import json
import math
import shlex
from pathlib import Path
from typing import Any

import numpy as np

from crosscheck.formatting import fmt, plural
from crosscheck.problem import Problem
from crosscheck.search.result import DEFAULT_OPTIONS, Counterexample, VerifyResult

__all__ = [
    "counterexample_dict",
    "describe_counterexample",
    "format_result",
    "reproduction_call",
    "reproduction_command",
    "result_dict",
    "result_json",
    "write_report",
]


def reproduction_command(target: str, result: VerifyResult) -> str:
    """The ``crosscheck verify`` command that reruns the same search."""
    o = result.options
    parts = ["crosscheck", "verify", target, "--seed", str(result.seed)]
    if o.get("activations"):
        parts += ["--activations", ",".join(o["activations"])]
    if o.get("costs"):
        parts += ["--costs", ",".join(o["costs"])]
    if o.get("dtypes") and set(o["dtypes"]) != {"float32", "float64"}:
        parts += ["--dtypes", ",".join(o["dtypes"])]
    for key in ("max_depth", "max_width", "max_examples"):
        if o.get(key, DEFAULT_OPTIONS[key]) != DEFAULT_OPTIONS[key]:
            parts += ["--" + key.replace("_", "-"), str(o[key])]
    if o.get("oracle"):
        parts += ["--oracle", o["oracle"]]
    return " ".join(shlex.quote(p) for p in parts)


def reproduction_call(result: VerifyResult) -> str:
    """The ``crosscheck.verify(fn, ...)`` call that reruns the same search."""
    o = result.options
    args = ["fn", f"seed={result.seed}"]
    for key, default in DEFAULT_OPTIONS.items():
        value = o.get(key, default)
        if key == "dtypes" and value is not None and set(value) == set(default):
            continue
        if value != default:
            args.append(f"{key}={value!r}")
    return f"crosscheck.verify({', '.join(args)})"


def _architecture(p: Problem) -> str:
    hidden = ", ".join(p.activations[:-1]) or "none"
    return (
        f"L = {p.depth}, sizes (Q, N_1, ..., N_L) = {p.sizes}; hidden activations: {hidden}; "
        f"output: {p.activations[-1]}; cost: {p.cost}; dtype: {p.dtype}; P = {p.P}"
    )


def describe_counterexample(cx: Counterexample, *, target: str | None = None) -> str:
    """The standalone description of a counterexample: architecture, what failed where,
    both values, the ratio, which oracles agreed, and a pasteable reproduction."""
    p, o = cx.problem, cx.outcome
    lines = [
        f"minimal counterexample: {p.describe()}",
        f"  architecture: {_architecture(p)}",
        f"  drawn as: {cx.shrunk} (weight regime {cx.regime}, x {cx.x_kind}, y {cx.y_kind}; "
        "shrunk by Hypothesis)",
    ]
    if cx.reductions:
        lines.append(
            f"  then reduced by crosscheck in {len(cx.reductions)} steps (fewer examples, layers "
            "and units, simpler names and numbers; listed in the --report JSON)"
        )
    if o.error is not None:
        lines.append(f"  the function failed: {o.error}")
    else:
        failing = cx.failing_records()
        judge_v = o.verdicts[0]
        if failing:
            first = failing[0]
            worst = max(failing, key=lambda r: r.max_ratio)
            lines.append(f"  first differing element: {first.describe()}")
            if worst != first:
                lines.append(f"  worst element: {worst.describe()}")
            others = [r for r in failing if r not in (first, worst)]
            lines.extend(f"  also differing: {r.describe()}" for r in others)
        agree = [f"{judge_v.oracle} (budget ratio {fmt(judge_v.ratio)})"]
        if len(o.verdicts) > 1:
            agree.append(f"{o.verdicts[1].oracle} (budget ratio {fmt(o.verdicts[1].ratio)})")
            lines.append(f"  oracles that agree it is wrong: {' and '.join(agree)}")
        else:
            lines.append(f"  judged by {agree[0]}; {o.note}")
    lines.append("  reproduce this problem in Python:")
    code = p.to_code().splitlines()
    if target is not None:
        code += [
            "from crosscheck.verdict import check",
            "from crosscheck.search import load_target",
            f"fn = load_target({target!r})",
        ]
    else:
        code += ["from crosscheck.verdict import check", "fn = ...  # the function under test"]
    code.append("print(check(fn, problem).summary())")
    lines.extend(f"    {line}" for line in code)
    return "\n".join(lines)


def format_result(result: VerifyResult, *, target: str | None = None) -> str:
    """The text ``crosscheck verify`` prints (``target`` as given on the command line)."""
    tgt = target or result.target
    conf = ", ".join(result.confirming) or "none"
    head = [
        f"crosscheck verify {tgt}",
        f"judged by {result.oracle}; a discrepancy must be confirmed by the first of "
        f"({conf}) that can answer; seed {result.seed}",
    ]
    skipped = f"; {result.skipped} draws skipped (no oracle could judge)" if result.skipped else ""
    disputed = (
        f"; {len(result.disputed)} oracle disagreements (not counted against the function)"
        if result.disputed
        else ""
    )
    if result.passed:
        weak = (
            f"; {result.inconclusive} judged with too little power (inconclusive)"
            if result.inconclusive
            else ""
        )
        word = "PASSED" if result.status == "pass" else "INCONCLUSIVE"
        head += [
            f"{word}: {plural(result.examples, 'example')}, no discrepancy beyond the error "
            f"budget{weak}{skipped}{disputed}",
            f"worst budget ratio {fmt(result.worst_ratio)} (a correct gradient stays below 1)"
            + (f" on {result.worst_problem}" if result.worst_problem else ""),
            *power_lines(result),
        ]
        if result.inconclusive_cells:
            head.append(
                "judged only with too little power: "
                + ", ".join(result.inconclusive_cells)
                + " (more examples, float64, smaller nets or milder weight regimes would help)"
            )
        return "\n".join(head)
    cx = result.counterexample
    assert cx is not None
    what = "an error" if cx.kind == "error" else "a discrepancy beyond the error budget"
    head += [
        f"FAILED after {plural(result.examples_until_caught or 0, 'example')}: {what} "
        f"(in the block {cx.stratum.describe()}; shrunk by Hypothesis)",
        describe_counterexample(cx, target=target),
        "rerun the search:",
        f"  {reproduction_command(tgt, result)}"
        if target is not None
        else f"  {reproduction_call(result)}",
    ]
    return "\n".join(head)


def power_lines(result: VerifyResult) -> list[str]:
    """What the search covered and how much it could see: the range of sizes drawn, and
    per layer position and row kind the smallest relative error of a whole block that
    was flagged (median and worst over the problems)."""
    lines = []
    e = result.extent
    if e:
        ranges = ", ".join(
            f"{label} {lo}" + (f"-{hi}" if hi != lo else "")
            for label, (lo, hi) in (
                ("depth", e["depth"]),
                ("widest layer", e["width"]),
                ("P", e["P"]),
                ("Q", e["Q"]),
            )
        )
        lines.append(f"covered: {ranges}; dtypes {', '.join(result.options['dtypes'])}")
    if result.power:
        lines.append(
            "power (the smallest relative error of a whole block that is flagged, median / "
            "worst over the problems):"
        )
        for dtype, positions in result.power.items():
            parts = [
                f"{position} {kind} {fmt(median)} / {fmt(worst)}"
                for position, kinds in positions.items()
                for kind, (median, worst) in kinds.items()
            ]
            lines.append(f"  {dtype}: " + "; ".join(parts))
    return lines


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
    return {
        "kind": cx.kind,
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
    return _jsonable(
        {
            "target": tgt,
            "status": result.status,
            "passed": result.passed,
            "inconclusive": result.inconclusive,
            "cells": result.cells,
            "power": result.power,
            "extent": result.extent,
            "examples": result.examples,
            "examples_until_caught": result.examples_until_caught,
            "worst_ratio": result.worst_ratio,
            "worst_problem": result.worst_problem,
            "skipped": result.skipped,
            "disputed": list(result.disputed),
            "oracle": result.oracle,
            "confirming": list(result.confirming),
            "seed": result.seed,
            "options": result.options,
            "command": reproduction_command(tgt, result),
            "counterexample": None if cx is None else counterexample_dict(cx),
            "coverage": result.coverage,
            "timing": {"seconds": round(result.seconds, 3), "calls": result.calls, **result.timing},
        }
    )


def result_json(result: VerifyResult, *, target: str | None = None) -> str:
    """:func:`result_dict` as indented JSON."""
    return json.dumps(result_dict(result, target=target), indent=2) + "\n"


def write_report(directory: str | Path, result: VerifyResult, target: str) -> list[Path]:
    """Write ``directory/verify.json`` (:func:`result_json`) and ``verify.md`` (the printed
    text) atomically; returns their paths."""
    from crosscheck.atomic import write_many

    out = Path(directory)
    text = format_result(result, target=target)
    md = f"# crosscheck verify\n\n```\n{text}\n```\n"
    files = {out / "verify.json": result_json(result, target=target), out / "verify.md": md}
    write_many({k: v.encode() for k, v in files.items()})
    return list(files)
