"""The report from every pair's results: the summary cells (pair x dtype), the breakdowns,
closest to the truth, skips, errors and the worst cases (``docs/report-schema.md``)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from crosscheck.report.records import (
    DIMENSIONS,
    DTYPES,
    IMPLEMENTATIONS,
    POSITIONS,
    ROW_KINDS,
    SCHEMA,
    SCHEMA_VERSION,
    STATUSES,
    TRUTH,
    ExampleInfo,
    PairResult,
    Row,
    inconclusive_threshold,
    pair_label,
    pair_order,
    rows_inconclusive,
    width_bucket,
)

__all__ = ["MEDIAN_METHOD", "P99_METHOD", "WORST", "build_report", "overall_status", "worst_key"]

P99_METHOD = "higher"
"""``numpy.percentile`` method of the p99 column: the smallest observed value with at
least 99 % of the examples at or below it (no interpolation: an actual example's ratio)."""

MEDIAN_METHOD = "higher"
"""``numpy.percentile`` method of the median power: the upper median, an observed value
(the weaker of the two middle ones when the count is even)."""

WORST = 10
"""Worst cases listed, each with a reproduction command."""


def _num(x: float | None) -> float | str | None:
    """A JSON-safe number: floats as they are, non-finite as the strings inf/-inf/nan."""
    if x is None:
        return None
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _dtype_order(outcomes: Iterable[PairResult]) -> list[str]:
    seen = {o.example.dtype for o in outcomes}
    return [d for d in DTYPES if d in seen] + sorted(seen - set(DTYPES))


def _rows_for(o: PairResult, dimension: str | None, value: str | None) -> tuple[Row, ...]:
    if dimension == "position":
        return tuple(r for r in o.rows if r.position == value)
    if dimension == "row_kind":
        return tuple(r for r in o.rows if r.row_kind == value)
    return o.rows


def _values_of(o: PairResult, dimension: str) -> tuple[str, ...]:
    ex = o.example
    if dimension == "activation":
        return tuple(dict.fromkeys(ex.activations))
    if dimension == "cost":
        return (ex.cost,)
    if dimension == "depth":
        return (str(ex.depth),)
    if dimension == "width":
        return (width_bucket(ex.width),)
    if dimension == "position":
        return ex.positions()
    if dimension == "row_kind":
        return ROW_KINDS
    raise ValueError(f"dimension: expected one of {DIMENSIONS}, got {dimension!r}")


def _value_order(dimension: str, values: Iterable[str]) -> list[str]:
    from crosscheck.spec import ACTIVATION_ORDER, COST_ORDER

    order: Sequence[str] = {
        "activation": ACTIVATION_ORDER,
        "cost": COST_ORDER,
        "position": POSITIONS,
        "row_kind": ROW_KINDS,
    }.get(dimension, ())
    vals = set(values)
    known = [v for v in order if v in vals]
    rest = sorted(vals - set(known), key=_numeric_key)  # depth "10" after "9"
    return known + rest


def _numeric_key(value: str) -> tuple[int, str]:
    """Depths and width buckets ("3-4") by their first number, anything else after."""
    head = value.split("-", 1)[0]
    return (int(head), value) if head.isdigit() else (1 << 62, value)


def _cell(outcomes: Sequence[PairResult], dimension: str | None, value: str | None) -> dict:
    """Statistics of one cell: per example, the maximum over its rows in the cell; then
    the maximum and p99 over the examples; the inconclusive examples; the median and
    worst power (``docs/report-schema.md``, "Cells")."""
    per_example: list[tuple[float, float, float]] = []
    powers: list[float] = []
    skipped = errors = inconclusive = 0
    for o in outcomes:
        if o.status == "skipped":
            skipped += 1
        elif o.status == "error":
            errors += 1
        else:
            rows = _rows_for(o, dimension, value)
            if rows:
                per_example.append(
                    (
                        max(r.max_abs for r in rows),
                        max(r.max_rel for r in rows),
                        max(r.max_ratio for r in rows),
                    )
                )
                inconclusive += rows_inconclusive(rows, o.example.dtype)
                finite = [r.power for r in rows if math.isfinite(r.power)]
                if finite:
                    powers.append(max(finite))
    n = len(per_example)
    if n:
        ratios = np.array([e[2] for e in per_example], dtype=np.float64)
        max_ratio = float(ratios.max())
        p99 = float(np.percentile(ratios, 99, method=P99_METHOD))
        max_abs = max(e[0] for e in per_example)
        max_rel = max(e[1] for e in per_example)
    else:
        max_ratio = p99 = max_abs = max_rel = None
    power_median = power_max = None
    if powers:
        power_median = float(np.percentile(powers, 50, method=MEDIAN_METHOD))
        power_max = max(powers)
    if errors or (max_ratio is not None and not max_ratio <= 1.0):
        verdict = "FAIL"
    elif n == 0:
        verdict = "no data"
    else:
        verdict = "pass"
    return {
        "examples": n,
        "skipped": skipped,
        "errors": errors,
        "inconclusive": inconclusive,
        "max_abs": _num(max_abs),
        "max_rel": _num(max_rel),
        "max_ratio": _num(max_ratio),
        "p99_ratio": _num(p99),
        "power_median": _num(power_median),
        "power_max": _num(power_max),
        "verdict": verdict,
    }


def overall_status(summary: Sequence[Mapping[str, Any]]) -> str:
    """The report's status from its summary cells: ``"FAIL"`` if a cell FAILs, else
    ``"INCONCLUSIVE"`` if a cell has no conclusive pass (nothing compared, or every
    example inconclusive: that pair and dtype was never checked with enough power), else
    ``"PASS"``; ``"NO DATA"`` when there are no cells at all."""
    if not summary:
        return "NO DATA"
    if any(c["verdict"] == "FAIL" for c in summary):
        return "FAIL"
    if any(c["examples"] == 0 or c["inconclusive"] >= c["examples"] for c in summary):
        return "INCONCLUSIVE"
    return "PASS"


def _closest(outcomes: Sequence[PairResult]) -> tuple[list[dict], dict[tuple[str, str], dict]]:
    """Per dtype: on examples where every implementation was compared with the truth,
    how often each had the (strictly) smallest max budget ratio, and how often the
    smallest was shared (a tie). Also, per (implementation, dtype), its wins/ties."""
    by_example: dict[int, dict[str, PairResult]] = defaultdict(dict)
    for o in outcomes:
        if o.oracle == TRUTH and o.candidate in IMPLEMENTATIONS and o.status == "compared":
            by_example[o.example.id][o.candidate] = o
    table = []
    per_impl: dict[tuple[str, str], dict] = {}
    for dt in _dtype_order(outcomes):
        wins = dict.fromkeys(IMPLEMENTATIONS, 0)
        tied = dict.fromkeys(IMPLEMENTATIONS, 0)
        ties = n = 0
        for group in by_example.values():
            if len(group) != len(IMPLEMENTATIONS):
                continue
            if next(iter(group.values())).example.dtype != dt:
                continue
            n += 1
            ratios = {impl: group[impl].max_ratio for impl in IMPLEMENTATIONS}
            best = min(ratios.values())
            winners = [impl for impl, r in ratios.items() if r == best]
            if len(winners) == 1:
                wins[winners[0]] += 1
            else:
                ties += 1
                for impl in winners:
                    tied[impl] += 1
        if n == 0:
            continue
        table.append({"dtype": dt, "examples": n, "wins": wins, "ties": ties})
        for impl in IMPLEMENTATIONS:
            per_impl[(impl, dt)] = {"of": n, "wins": wins[impl], "tied": tied[impl]}
    return table, per_impl


def build_report(
    outcomes: Sequence[PairResult],
    *,
    options: Mapping[str, Any],
    oracles: Mapping[str, Mapping[str, Any]],
    reproduce: Callable[[ExampleInfo], str],
    trajectory: Mapping[str, Any] | None = None,
    code: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """The report (``report.json``'s content) from the results of every example and pair.

    ``options`` records what produced the examples (``docs/report-schema.md``);
    ``oracles`` ``{name: {"kind", "available", "reason"}}``; ``reproduce(example)`` gives
    the command that reproduces an example (listed with the worst cases); ``trajectory``
    is :func:`crosscheck.report.trajectory_section.trajectory_summary`'s section or None;
    ``code`` ``{example id: Problem.to_code()}`` for (at least) the worst cases' examples
    (:class:`crosscheck.report.worst.WorstCode`), attached to them as ``code``. Depends
    only on the *set* of results: they are sorted by example id and pair first.
    """
    pairs = pair_order(outcomes)
    pair_index = {p: i for i, p in enumerate(pairs)}
    outs = sorted(outcomes, key=lambda o: (o.example.id, pair_index[(o.candidate, o.oracle)]))
    dtypes = _dtype_order(outs)
    closest_table, closest = _closest(outs)
    breakdowns: dict[str, list[dict]] = {}
    breakdown_examples: dict[str, list[dict]] = {}
    for dim in DIMENSIONS:
        breakdowns[dim], breakdown_examples[dim] = _breakdown(outs, dim, pairs, dtypes)
    per_oracle: dict[str, dict[str, int]] = {}
    for o in outs:
        counts = per_oracle.setdefault(o.pair, dict.fromkeys(STATUSES, 0))
        counts[o.status] += 1
    summary = _summary(outs, pairs, dtypes, closest)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "options": dict(options),
        "definitions": dict(_DEFINITIONS),
        "examples": len({o.example.id for o in outs}),
        "oracles": {k: dict(v) for k, v in oracles.items()},
        "pairs": [pair_label(c, o) for c, o in pairs],
        "counts": per_oracle,
        "summary": summary,
        "status": overall_status(summary),
        "inconclusive_above": {dt: inconclusive_threshold(dt) for dt in dtypes},
        "closest_to_truth": closest_table,
        "breakdowns": breakdowns,
        "breakdown_examples": breakdown_examples,
        "skips": _skips(outs, pairs),
        "errors": [
            {"pair": o.pair, "dtype": o.example.dtype, "id": o.example.id, "note": o.note}
            for o in outs
            if o.status == "error"
        ],
        "worst": _worst(outs, pair_index, reproduce, code or {}),
        "trajectory": dict(trajectory) if trajectory is not None else None,
    }


_DEFINITIONS: dict[str, str] = {
    "budget_ratio": "|candidate - oracle| / (K u S [+ the oracle's own error bound]) "
    "per gradient element (crosscheck/budget.py, docs/error-budget.md); <= 1 for "
    "correct code",
    "cell": "per example, the maximum over the cell's elements; then the maximum and "
    "the p99 over the examples",
    "p99_method": f"numpy.percentile(q=99, method={P99_METHOD!r})",
    "verdict": "pass: examples > 0, max budget ratio <= 1 and no errors; FAIL: any "
    "ratio > 1 or any error; no data: nothing compared (skips are never passes)",
    "inconclusive": "examples within the budget on the cell's rows where some layer's "
    "bias row or weight rows has power worse than inconclusive_above[dtype] "
    "(crosscheck.judge.INCONCLUSIVE_ABOVE); counted apart, the verdict stays pass",
    "power": "per layer and row kind, the smallest relative error of the whole block that "
    "is flagged: min over the block of tolerance / |reference| (docs/error-budget.md, "
    "'Power'); an example's power in a cell is its weakest (largest) finite block power",
    "power_cell": "power_median: numpy.percentile(q=50, method='higher') of the examples' "
    "power; power_max: the worst (largest); blocks whose reference is exactly 0 do not count",
    "status": "FAIL: a summary cell FAILs; INCONCLUSIVE: none FAILs but some summary cell "
    "has no conclusive pass (nothing compared, or every example inconclusive); PASS "
    "otherwise",
    "position": "first = w^0, hidden = w^1 .. w^(L-2), output = w^(L-1) (a depth-1 "
    "net's only layer is 'output')",
    "closest": "examples where handprop, torch and jax were all compared with the "
    "truth: wins = strictly smallest max budget ratio; ties = smallest shared",
}
"""The report's ``definitions``: one line per measure."""


def _summary(
    outs: Sequence[PairResult],
    pairs: Sequence[tuple[str, str]],
    dtypes: Sequence[str],
    closest: Mapping[tuple[str, str], dict],
) -> list[dict]:
    """The summary cells: pair x dtype, with closest-to-truth on rows against the truth."""
    groups: dict[tuple[str, str, str], list[PairResult]] = defaultdict(list)
    for o in outs:
        groups[(o.candidate, o.oracle, o.example.dtype)].append(o)
    summary = []
    for cand, orc in pairs:
        for dt in dtypes:
            group = groups.get((cand, orc, dt))
            if not group:
                continue
            cell = {"pair": pair_label(cand, orc), "candidate": cand, "oracle": orc, "dtype": dt}
            cell.update(_cell(group, None, None))
            cell["closest"] = closest.get((cand, dt)) if orc == TRUTH else None
            summary.append(cell)
    return summary


def _breakdown(
    outs: Sequence[PairResult],
    dim: str,
    pairs: Sequence[tuple[str, str]],
    dtypes: Sequence[str],
) -> tuple[list[dict], list[dict]]:
    """The cells of one dimension (value x pair x dtype) and the examples per value."""
    by_value: dict[str, list[PairResult]] = defaultdict(list)
    for o in outs:
        for v in _values_of(o, dim):
            by_value[v].append(o)
    cells = []
    counts = []
    for v in _value_order(dim, by_value):
        for dt in dtypes:
            n_ex = len({o.example.id for o in by_value[v] if o.example.dtype == dt})
            if n_ex:
                counts.append({"value": v, "dtype": dt, "examples": n_ex})
        sub: dict[tuple[str, str, str], list[PairResult]] = defaultdict(list)
        for o in by_value[v]:
            sub[(o.candidate, o.oracle, o.example.dtype)].append(o)
        for cand, orc in pairs:
            for dt in dtypes:
                group = sub.get((cand, orc, dt))
                if not group:
                    continue
                cell = {"value": v, "pair": pair_label(cand, orc), "candidate": cand,
                        "oracle": orc, "dtype": dt}
                cell.update(_cell(group, dim, v))
                cells.append(cell)
    return cells, counts


def _skips(outs: Sequence[PairResult], pairs: Sequence[tuple[str, str]]) -> list[dict]:
    """The skipped results counted per pair, dtype and reason."""
    skips: Counter[tuple[str, str, str]] = Counter()
    for o in outs:
        if o.status == "skipped":
            skips[(o.pair, o.example.dtype, o.note)] += 1
    return [
        {"pair": p, "dtype": d, "reason": r, "count": c}
        for (p, d, r), c in sorted(
            skips.items(),
            key=lambda kv: (pairs.index(tuple(kv[0][0].split(" vs "))), kv[0][1], kv[0][2]),
        )
    ]


def worst_key(o: PairResult, pair_index: int) -> tuple[float, int, int]:
    """The order of the worst cases: largest budget ratio first (errors: inf), then
    example id, then pair order."""
    return (-o.max_ratio, o.example.id, pair_index)


def _worst(
    outs: Sequence[PairResult],
    pair_index: Mapping[tuple[str, str], int],
    reproduce: Callable[[ExampleInfo], str],
    code: Mapping[int, str],
) -> list[dict]:
    """The :data:`WORST` results with the largest budget ratio (errors first)."""
    ranked = sorted(
        (o for o in outs if o.status != "skipped"),
        key=lambda o: worst_key(o, pair_index[(o.candidate, o.oracle)]),
    )
    worst = []
    for rank, o in enumerate(ranked[:WORST], start=1):
        entry: dict[str, Any] = {
            "rank": rank,
            "pair": o.pair,
            "dtype": o.example.dtype,
            "id": o.example.id,
            "test": o.example.test,
            "problem": o.example.describe(),
            "problem_sha": o.example.digest,
            "status": o.status,
            "note": o.note,
            "max_ratio": _num(o.max_ratio),
            "reproduce": reproduce(o.example),
            "candidate": o.candidate,
            "oracle": o.oracle,
            "inconclusive": o.inconclusive,
            "power": _num(o.power) if o.rows else None,
            "code": code.get(o.example.id),
        }
        if o.rows:
            r = max(o.rows, key=lambda r: (r.max_ratio, r.max_abs))
            entry.update(
                layer=r.layer, position=r.position, row_kind=r.row_kind, index=[r.row, r.col],
                value=_num(r.value), reference=_num(r.reference), tolerance=_num(r.tolerance),
                max_abs=_num(r.max_abs), max_rel=_num(r.max_rel),
                row_power=_num(r.power), row_power_median=_num(r.power_median),
            )
        worst.append(entry)
    return worst
