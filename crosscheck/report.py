"""``crosscheck report`` and ``crosscheck merge``: the oracles over generated problems.

The flow (``docs/report-schema.md`` documents every file and field):

1. :func:`crosscheck.generate.generate` draws ``--examples`` problems with Hypothesis and
   ``--seed`` (ids 0 .. n-1; ``--shard K/N`` keeps the ids ``i % N == K - 1``);
2. :func:`evaluate` runs every pair of :data:`PAIRS` on each problem: handprop against
   torch, jax, the mpmath truth and finite differences, and torch and jax against the
   truth. Judgement is :func:`crosscheck.judge.judge`'s, nothing else: per layer and row
   kind (bias row 0, weight rows) the max |Δ|, max relative |Δ| and max budget ratio
   ``|Δ| / (K u S)`` (:mod:`crosscheck.budget`), < 1 for correct code. Each pair of each
   example gives one :class:`Outcome`: ``compared`` (with its :class:`Row` records),
   ``skipped`` (oracle unavailable, problem over the oracle's size cap, a relu kink:
   counted and shown, never a pass) or ``error`` (a candidate that raised or returned
   no valid gradient, or an oracle that raised);
3. :func:`build_report` aggregates the outcomes into the report (a JSON-ready dict): the
   summary cells (pair x dtype), the same broken down by activation, cost, depth, layer
   position and row kind, which implementation was closest to the truth, the skips, the
   errors and the :data:`WORST` worst cases. Aggregates are maxima and an order
   statistic (p99 with NumPy's ``method="higher"``), never sums of floats, so they do
   not depend on the order of the examples: merged shards give the same numbers;
4. the files go to ``--out`` (``reports/``), each written atomically
   (:mod:`crosscheck.atomic`): ``report.json`` (:func:`report_json`), ``report.csv``
   (:func:`results_csv`, one row per example x pair x layer x row kind; floats written
   with ``repr`` so :func:`read_results_csv` gets the same numbers back, which is what
   ``merge`` reads), ``report.md`` and ``report.html`` (:mod:`crosscheck.render`), and
   ``meta.json`` (timings, versions, platform: the only file that changes between two
   runs with the same options).

torch, jax and matplotlib are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from crosscheck import atomic

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_EXAMPLES",
    "DIMENSIONS",
    "IMPLEMENTATIONS",
    "PAIRS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "WORST",
    "Evaluation",
    "ExampleInfo",
    "Outcome",
    "ReportFileError",
    "Row",
    "build_report",
    "configure_merge",
    "configure_report",
    "evaluate",
    "example_info",
    "load_report",
    "outcome_from_verdict",
    "pair_label",
    "read_results_csv",
    "render_files",
    "report_json",
    "results_csv",
    "run_merge",
    "run_metadata",
    "run_report",
    "trajectory_summary",
    "write_report_files",
]

SCHEMA = "crosscheck-report"
SCHEMA_VERSION = "1"
"""Version of ``report.json``'s layout. A string, so that tools which rescale numbers
leave it alone; ``crosscheck check`` refuses any other version (exit 2)."""

DEFAULT_EXAMPLES = 2500
"""Examples in the default report: about 2 minutes on 2 shared cores (measured)."""

PAIRS: tuple[tuple[str, str], ...] = (
    ("handprop", "torch"),
    ("handprop", "jax"),
    ("handprop", "mpmath"),
    ("handprop", "finite_differences"),
    ("torch", "mpmath"),
    ("jax", "mpmath"),
)
"""(candidate, oracle) pairs evaluated on every example, in report order."""

IMPLEMENTATIONS: tuple[str, ...] = ("handprop", "torch", "jax")
"""The implementations compared against the truth for "closest to the truth"."""

TRUTH = "mpmath"

DIMENSIONS: tuple[str, ...] = ("activation", "cost", "depth", "position", "row_kind")
"""The breakdowns. ``activation``, ``cost``, ``depth`` are properties of the example (an
example counts under every activation it uses); ``position`` (first, hidden, output
layer) and ``row_kind`` (bias, weights) select the example's rows."""

POSITIONS: tuple[str, ...] = ("first", "hidden", "output")
ROW_KINDS: tuple[str, ...] = ("bias", "weights")
DTYPES: tuple[str, ...] = ("float32", "float64")
STATUSES: tuple[str, ...] = ("compared", "skipped", "error")

P99_METHOD = "higher"
"""``numpy.percentile`` method of the p99 column: the smallest observed value with at
least 99 % of the examples at or below it (no interpolation: an actual example's ratio)."""

WORST = 10
"""Worst cases listed, each with a reproduction command."""

CSV_COLUMNS: tuple[str, ...] = (
    "id", "test", "dtype", "sizes", "depth", "P", "activations", "cost", "regime",
    "x_kind", "y_kind", "candidate", "oracle", "status", "note", "layer", "position",
    "row_kind", "max_abs", "max_rel", "max_ratio", "row", "col", "value", "reference",
    "tolerance",
)
"""Columns of ``report.csv`` (``docs/report-schema.md``)."""


# --------------------------------------------------------------------------- records


class ExampleInfo(NamedTuple):
    """What an example is, as the report needs it (no arrays).

    ``sizes`` = (Q, N_1, ..., N_L); ``activations`` one name per layer 1..L; ``regime``,
    ``x_kind``, ``y_kind`` as drawn (``"-"`` when unknown); ``test`` the pytest node that
    ran it (pytest plugin reports only, else ``""``).
    """

    id: int
    dtype: str
    sizes: tuple[int, ...]
    P: int
    activations: tuple[str, ...]
    cost: str
    regime: str = "-"
    x_kind: str = "-"
    y_kind: str = "-"
    test: str = ""

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return len(self.sizes) - 1

    @property
    def width(self) -> int:
        """The widest layer N_l, l = 1..L (the input's Q excluded)."""
        return max(self.sizes[1:])

    def describe(self) -> str:
        """One line, as :meth:`crosscheck.problem.Problem.describe`."""
        return (
            f"sizes={'-'.join(map(str, self.sizes))} activations={','.join(self.activations)} "
            f"cost={self.cost} dtype={self.dtype} P={self.P}"
        )

    def positions(self) -> tuple[str, ...]:
        """The layer positions this example has (see :func:`position`)."""
        return tuple(sorted({position(l, self.depth) for l in range(self.depth)},
                            key=POSITIONS.index))


class Row(NamedTuple):
    """One layer's bias row or weight rows of one comparison (a
    :class:`crosscheck.compare.Discrepancy`, plus its layer position). ``row``, ``col``:
    the index in ``weights[layer]`` of the worst budget ratio; ``value``/``reference``
    the two gradients there; ``tolerance`` = K u S (+ the oracle's own bound) there."""

    layer: int
    position: str
    row_kind: str
    max_abs: float
    max_rel: float
    max_ratio: float
    row: int
    col: int
    value: float
    reference: float
    tolerance: float


class Outcome(NamedTuple):
    """One pair (candidate vs oracle) on one example. ``status`` is ``"compared"`` (then
    ``rows`` has two records per layer), ``"skipped"`` or ``"error"`` (``note`` says
    why)."""

    example: ExampleInfo
    candidate: str
    oracle: str
    status: str
    note: str
    rows: tuple[Row, ...]

    @property
    def pair(self) -> str:
        """``"candidate vs oracle"``."""
        return pair_label(self.candidate, self.oracle)

    @property
    def max_ratio(self) -> float:
        """Worst budget ratio over the rows (inf for an error, 0 when nothing compared)."""
        if self.status == "error":
            return math.inf
        return max((r.max_ratio for r in self.rows), default=0.0)


class Evaluation(NamedTuple):
    """The outcomes of one example (one per pair) and the seconds spent per oracle."""

    outcomes: list[Outcome]
    seconds: dict[str, float]


def pair_label(candidate: str, oracle: str) -> str:
    """``"handprop vs torch"``."""
    return f"{candidate} vs {oracle}"


def position(layer: int, depth: int) -> str:
    """``"output"`` for the last weight layer (w^{L-1}, also when L = 1), ``"first"``
    for w^0 of a deeper net, ``"hidden"`` in between."""
    if layer == depth - 1:
        return "output"
    return "first" if layer == 0 else "hidden"


def _finite_or_inf(x: float) -> float:
    x = float(x)
    return math.inf if math.isnan(x) else x


def example_info(example: Any) -> ExampleInfo:
    """The :class:`ExampleInfo` of a :class:`crosscheck.generate.Example`."""
    p, info = example.drawn.problem, example.drawn.info
    return ExampleInfo(
        id=int(example.id),
        dtype=str(p.dtype),
        sizes=tuple(int(s) for s in p.sizes),
        P=int(p.P),
        activations=tuple(p.activations),
        cost=p.cost,
        regime=info.regime,
        x_kind=info.x_kind,
        y_kind=info.y_kind,
    )


def outcome_from_verdict(info: ExampleInfo, candidate: str, oracle: str, verdict: Any) -> Outcome:
    """The :class:`Outcome` of a :class:`crosscheck.judge.Verdict`."""
    if verdict.error is not None:
        return Outcome(info, candidate, oracle, "error", f"{candidate}: {verdict.error}", ())
    if verdict.skipped is not None:
        return Outcome(info, candidate, oracle, "skipped", verdict.skipped, ())
    rows = tuple(
        Row(
            layer=r.layer,
            position=position(r.layer, info.depth),
            row_kind=r.row_kind,
            max_abs=_finite_or_inf(r.max_abs),
            max_rel=_finite_or_inf(r.max_rel),
            max_ratio=_finite_or_inf(r.max_ratio),
            row=int(r.index[0]),
            col=int(r.index[1]),
            value=float(r.value),
            reference=float(r.reference),
            tolerance=float(r.tolerance),
        )
        for r in verdict.comparison.records
    )
    return Outcome(info, candidate, oracle, "compared", "", rows)


# --------------------------------------------------------------------------- evaluation


def evaluate(example: Any, pairs: Sequence[tuple[str, str]] = PAIRS) -> Evaluation:
    """Judge every pair on one :class:`crosscheck.generate.Example`.

    Each oracle runs once per example (:func:`crosscheck.judge.reference`); handprop runs
    through :func:`crosscheck.judge.run_candidate`; a framework used as a candidate must
    pass :func:`crosscheck.compare.layout_error` (its dtype, shape, finiteness); every
    judgement is :func:`crosscheck.judge.judge`. An oracle that raises gives ``error``
    outcomes naming it (a crosscheck bug to look at, never a pass).
    """
    import handprop
    from crosscheck.budget import budget
    from crosscheck.compare import layout_error
    from crosscheck.judge import KINK_NOTE, Verdict, judge, reference, run_candidate

    problem = example.drawn.problem
    info = example_info(example)
    seconds: dict[str, float] = defaultdict(float)
    t = time.perf_counter()
    b = budget(problem)  # once per problem, before any oracle runs
    seconds["judge"] += time.perf_counter() - t
    refs: dict[str, Any] = {}
    for name in dict.fromkeys(n for pair in pairs for n in pair if n != "handprop"):
        t = time.perf_counter()
        try:
            refs[name] = reference(name, problem, b)
        except Exception as exc:  # an oracle's crash is reported, not fatal
            refs[name] = f"oracle {name} raised {type(exc).__name__}: {exc}"
        seconds[name] += time.perf_counter() - t
    t = time.perf_counter()
    candidates: dict[str, tuple[Any, str | None, str | None]] = {}
    if any(c == "handprop" for c, _ in pairs):
        grads, err = run_candidate(handprop.gradients, problem)
        candidates["handprop"] = (grads, err, None)
    seconds["handprop"] += time.perf_counter() - t

    outcomes = []
    for cand, orc in pairs:
        if cand not in candidates:
            ref = refs[cand]
            if isinstance(ref, str):
                candidates[cand] = (None, ref, None)
            elif ref.skipped == KINK_NOTE:
                candidates[cand] = (None, None, KINK_NOTE)
            elif ref.skipped is not None:
                candidates[cand] = (None, None, f"candidate {ref.skipped}")
            else:
                candidates[cand] = (ref.gradients, layout_error(ref.gradients, problem), None)
        grads, err, skipped = candidates[cand]
        ref = refs[orc]
        t = time.perf_counter()
        if err is not None:
            verdict = Verdict(orc, None, err, None)
        elif skipped is not None:
            verdict = Verdict(orc, None, None, skipped)
        elif isinstance(ref, str):
            outcomes.append(Outcome(info, cand, orc, "error", ref, ()))
            continue
        else:
            verdict = judge(grads, ref, b)
        seconds["judge"] += time.perf_counter() - t
        outcomes.append(outcome_from_verdict(info, cand, orc, verdict))
    return Evaluation(outcomes, dict(seconds))


# --------------------------------------------------------------------------- aggregation


def _num(x: float | None) -> float | str | None:
    """A JSON-safe number: floats as they are, non-finite as the strings inf/-inf/nan."""
    if x is None:
        return None
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _pair_order(outcomes: Iterable[Outcome]) -> list[tuple[str, str]]:
    seen = {(o.candidate, o.oracle) for o in outcomes}
    known = [p for p in PAIRS if p in seen]
    return known + sorted(seen - set(known))


def _dtype_order(outcomes: Iterable[Outcome]) -> list[str]:
    seen = {o.example.dtype for o in outcomes}
    return [d for d in DTYPES if d in seen] + sorted(seen - set(DTYPES))


def _rows_for(o: Outcome, dimension: str | None, value: str | None) -> tuple[Row, ...]:
    if dimension == "position":
        return tuple(r for r in o.rows if r.position == value)
    if dimension == "row_kind":
        return tuple(r for r in o.rows if r.row_kind == value)
    return o.rows


def _values_of(o: Outcome, dimension: str) -> tuple[str, ...]:
    ex = o.example
    if dimension == "activation":
        return tuple(dict.fromkeys(ex.activations))
    if dimension == "cost":
        return (ex.cost,)
    if dimension == "depth":
        return (str(ex.depth),)
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
    rest = sorted(vals - set(known), key=lambda v: (len(v), v))  # depth "10" after "9"
    return known + rest


def _cell(outcomes: Sequence[Outcome], dimension: str | None, value: str | None) -> dict:
    """Statistics of one cell: per example, the maximum over its rows in the cell; then
    the maximum and p99 over the examples (see the module docstring)."""
    per_example: list[tuple[float, float, float]] = []
    skipped = errors = 0
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
    n = len(per_example)
    if n:
        ratios = np.array([e[2] for e in per_example], dtype=np.float64)
        max_ratio = float(ratios.max())
        p99 = float(np.percentile(ratios, 99, method=P99_METHOD))
        max_abs = max(e[0] for e in per_example)
        max_rel = max(e[1] for e in per_example)
    else:
        max_ratio = p99 = max_abs = max_rel = None
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
        "max_abs": _num(max_abs),
        "max_rel": _num(max_rel),
        "max_ratio": _num(max_ratio),
        "p99_ratio": _num(p99),
        "verdict": verdict,
    }


def _closest(outcomes: Sequence[Outcome]) -> tuple[list[dict], dict[tuple[str, str], dict]]:
    """Per dtype: on examples where every implementation was compared with the truth,
    how often each had the (strictly) smallest max budget ratio, and how often the
    smallest was shared (a tie). Also, per (implementation, dtype), its wins/ties."""
    by_example: dict[int, dict[str, Outcome]] = defaultdict(dict)
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


def _problem_line(o: Outcome) -> str:
    return o.example.describe()


def build_report(
    outcomes: Sequence[Outcome],
    *,
    options: Mapping[str, Any],
    oracles: Mapping[str, Mapping[str, Any]],
    reproduce: Callable[[ExampleInfo], str],
    trajectory: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report (``report.json``'s content) from the outcomes of every example and pair.

    ``options`` records what produced the examples (``docs/report-schema.md``);
    ``oracles`` ``{name: {"kind", "available", "reason"}}``; ``reproduce(example)`` gives
    the command that reproduces an example (listed with the worst cases); ``trajectory``
    is :func:`trajectory_summary`'s section or None. Depends only on the *set* of
    outcomes: they are sorted by example id and pair first.
    """
    pairs = _pair_order(outcomes)
    pair_index = {p: i for i, p in enumerate(pairs)}
    outs = sorted(outcomes, key=lambda o: (o.example.id, pair_index[(o.candidate, o.oracle)]))
    dtypes = _dtype_order(outs)
    groups: dict[tuple[str, str, str], list[Outcome]] = defaultdict(list)
    for o in outs:
        groups[(o.candidate, o.oracle, o.example.dtype)].append(o)
    closest_table, closest = _closest(outs)

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

    breakdowns: dict[str, list[dict]] = {}
    breakdown_examples: dict[str, list[dict]] = {}
    for dim in DIMENSIONS:
        by_value: dict[str, list[Outcome]] = defaultdict(list)
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
            sub: dict[tuple[str, str, str], list[Outcome]] = defaultdict(list)
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
        breakdowns[dim] = cells
        breakdown_examples[dim] = counts

    skips: Counter[tuple[str, str, str]] = Counter()
    errors = []
    for o in outs:
        if o.status == "skipped":
            skips[(o.pair, o.example.dtype, o.note)] += 1
        elif o.status == "error":
            errors.append({"pair": o.pair, "dtype": o.example.dtype, "id": o.example.id,
                           "note": o.note})
    skip_rows = [
        {"pair": p, "dtype": d, "reason": r, "count": c}
        for (p, d, r), c in sorted(
            skips.items(),
            key=lambda kv: (pairs.index(tuple(kv[0][0].split(" vs "))), kv[0][1], kv[0][2]),
        )
    ]

    ranked = sorted(
        (o for o in outs if o.status != "skipped"),
        key=lambda o: (-o.max_ratio, o.example.id, pair_index[(o.candidate, o.oracle)]),
    )
    worst = []
    for rank, o in enumerate(ranked[:WORST], start=1):
        entry: dict[str, Any] = {
            "rank": rank,
            "pair": o.pair,
            "dtype": o.example.dtype,
            "id": o.example.id,
            "test": o.example.test,
            "problem": _problem_line(o),
            "status": o.status,
            "note": o.note,
            "max_ratio": _num(o.max_ratio),
            "reproduce": reproduce(o.example),
        }
        if o.rows:
            r = max(o.rows, key=lambda r: (r.max_ratio, r.max_abs))
            entry.update(
                layer=r.layer, position=r.position, row_kind=r.row_kind, index=[r.row, r.col],
                value=_num(r.value), reference=_num(r.reference), tolerance=_num(r.tolerance),
                max_abs=_num(r.max_abs), max_rel=_num(r.max_rel),
            )
        worst.append(entry)

    per_oracle: dict[str, dict[str, int]] = {}
    for o in outs:
        counts = per_oracle.setdefault(o.pair, dict.fromkeys(STATUSES, 0))
        counts[o.status] += 1
    ids = sorted({o.example.id for o in outs})
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "options": dict(options),
        "definitions": {
            "budget_ratio": "|candidate - oracle| / (K u S [+ the oracle's own error bound]) "
            "per gradient element (crosscheck/budget.py, docs/error-budget.md); <= 1 for "
            "correct code",
            "cell": "per example, the maximum over the cell's elements; then the maximum and "
            "the p99 over the examples",
            "p99_method": f"numpy.percentile(q=99, method={P99_METHOD!r})",
            "verdict": "pass: examples > 0, max budget ratio <= 1 and no errors; FAIL: any "
            "ratio > 1 or any error; no data: nothing compared (skips are never passes)",
            "position": "first = w^0, hidden = w^1 .. w^(L-2), output = w^(L-1) (a depth-1 "
            "net's only layer is 'output')",
            "closest": "examples where handprop, torch and jax were all compared with the "
            "truth: wins = strictly smallest max budget ratio; ties = smallest shared",
        },
        "examples": len(ids),
        "oracles": {k: dict(v) for k, v in oracles.items()},
        "pairs": [pair_label(c, o) for c, o in pairs],
        "counts": per_oracle,
        "summary": summary,
        "closest_to_truth": closest_table,
        "breakdowns": breakdowns,
        "breakdown_examples": breakdown_examples,
        "skips": skip_rows,
        "errors": errors,
        "worst": worst,
        "trajectory": dict(trajectory) if trajectory is not None else None,
    }


# --------------------------------------------------------------------------- trajectory


def trajectory_summary(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The report's "Training trajectories" section from ``trajectory.json`` (written by
    ``crosscheck trajectory``), or None if the file is missing or unreadable."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        nets = []
        for net in data["nets"]:
            nets.append(
                {
                    "name": net["name"],
                    "sizes": list(net["sizes"]),
                    "solved": sorted(
                        f"{r['framework']}/{r['dtype']}"
                        for r in net["runs"]
                        if r.get("solved_final")
                    ),
                    "runs": len(net["runs"]),
                    "divergence": [
                        {
                            "label": f"{d['candidate']} vs {d['reference']}",
                            "max_rel": d["max_rel"],
                            "threshold": d["threshold"],
                            "first_exceeds": d["first_exceeds"],
                        }
                        for d in net["divergence"]
                    ],
                }
            )
        return {"file": path.name, "steps": data["steps"], "nets": nets}
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --------------------------------------------------------------------------- files


def report_json(report: Mapping[str, Any]) -> str:
    """Canonical JSON: sorted keys, indent 1, ASCII, a final newline (floats as ``repr``)."""
    return json.dumps(report, sort_keys=True, indent=1, allow_nan=False) + "\n"


def _csv_float(x: float) -> str:
    return repr(float(x))


def results_csv(outcomes: Sequence[Outcome]) -> str:
    """``report.csv``: one row per example x pair x layer x row kind (:data:`CSV_COLUMNS`);
    a skipped or failed pair is one row with empty layer columns. Floats are ``repr``
    (round-trip exact); rows sorted by example id, pair, layer, row kind."""
    pairs = _pair_order(outcomes)
    idx = {p: i for i, p in enumerate(pairs)}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for o in sorted(outcomes, key=lambda o: (o.example.id, idx[(o.candidate, o.oracle)])):
        ex = o.example
        head = [
            ex.id, ex.test, ex.dtype, "-".join(map(str, ex.sizes)), ex.depth, ex.P,
            ",".join(ex.activations), ex.cost, ex.regime, ex.x_kind, ex.y_kind,
            o.candidate, o.oracle, o.status, o.note,
        ]
        if not o.rows:
            w.writerow([*head, *([""] * (len(CSV_COLUMNS) - len(head)))])
        for r in o.rows:
            w.writerow(
                [
                    *head, r.layer, r.position, r.row_kind, _csv_float(r.max_abs),
                    _csv_float(r.max_rel), _csv_float(r.max_ratio), r.row, r.col,
                    _csv_float(r.value), _csv_float(r.reference), _csv_float(r.tolerance),
                ]
            )
    return buf.getvalue()


def read_results_csv(text: str) -> list[Outcome]:
    """The outcomes back from :func:`results_csv`'s text (``ValueError`` if malformed)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError("report.csv: empty file (expected a header row)") from None
    if tuple(header) != CSV_COLUMNS:
        raise ValueError(f"report.csv: unexpected columns {header!r}; expected {CSV_COLUMNS!r}")
    grouped: dict[tuple[int, str, str], list[list[str]]] = {}
    for line_no, rec in enumerate(reader, start=2):
        if len(rec) != len(CSV_COLUMNS):
            raise ValueError(
                f"report.csv line {line_no}: {len(rec)} fields, expected {len(CSV_COLUMNS)}"
            )
        grouped.setdefault((int(rec[0]), rec[11], rec[12]), []).append(rec)
    outcomes = []
    for (_, cand, orc), recs in grouped.items():
        f = recs[0]
        info = ExampleInfo(
            id=int(f[0]),
            test=f[1],
            dtype=f[2],
            sizes=tuple(int(s) for s in f[3].split("-")),
            P=int(f[5]),
            activations=tuple(f[6].split(",")),
            cost=f[7],
            regime=f[8],
            x_kind=f[9],
            y_kind=f[10],
        )
        status, note = f[13], f[14]
        if status not in STATUSES:
            raise ValueError(f"report.csv: unknown status {status!r} (expected {STATUSES})")
        rows = tuple(
            Row(
                layer=int(r[15]), position=r[16], row_kind=r[17], max_abs=float(r[18]),
                max_rel=float(r[19]), max_ratio=float(r[20]), row=int(r[21]), col=int(r[22]),
                value=float(r[23]), reference=float(r[24]), tolerance=float(r[25]),
            )
            for r in recs
            if status == "compared"
        )
        outcomes.append(Outcome(info, cand, orc, status, note, rows))
    return outcomes


class ReportFileError(Exception):
    """A report or baseline file that is missing, corrupt or of another schema."""


def load_report(path: str | os.PathLike[str], schema: str = SCHEMA) -> dict[str, Any]:
    """Read and validate a JSON file of ``schema`` (``report.json`` by default).

    Raises :class:`ReportFileError` with a message saying what is wrong: missing,
    unreadable, not JSON (truncated?), not of this schema, or of another schema version.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportFileError(f"{path}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportFileError(
            f"{path}: not valid JSON, the file is truncated or corrupt ({exc})"
        ) from None
    if not isinstance(data, dict) or data.get("schema") != schema:
        got = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ReportFileError(f"{path}: expected a {schema!r} file, got schema {got!r}")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReportFileError(
            f"{path}: schema version {data.get('schema_version')!r} is not the version this "
            f"crosscheck reads ({SCHEMA_VERSION!r}); regenerate the file"
        )
    return data


def oracle_table() -> dict[str, dict[str, Any]]:
    """``{name: {"kind", "available", "reason"}}`` for every registered oracle."""
    from crosscheck import oracles

    out = {}
    for name, mod in oracles.ORACLES.items():
        ok, why = mod.available()
        out[name] = {"kind": mod.KIND, "available": bool(ok), "reason": "" if ok else str(why)}
    return out


def render_files(
    out: str | os.PathLike[str],
    report: Mapping[str, Any],
    outcomes: Sequence[Outcome],
    *,
    html: bool = True,
) -> dict[Path, bytes]:
    """``{path: bytes}`` of ``report.{json,csv,md[,html]}`` in ``out``, rendered in memory."""
    from crosscheck import render

    out = Path(out)
    files: dict[Path, bytes] = {
        out / "report.json": report_json(report).encode(),
        out / "report.csv": results_csv(outcomes).encode(),
        out / "report.md": render.markdown(report).encode(),
    }
    if html:
        files[out / "report.html"] = render.html(report, outcomes).encode()
    return files


def write_report_files(
    out: str | os.PathLike[str],
    report: Mapping[str, Any],
    outcomes: Sequence[Outcome],
    *,
    html: bool = True,
    meta: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Render and write ``report.{json,csv,md[,html]}`` (and ``meta.json``) into ``out``.

    Everything is rendered in memory first, then written with
    :func:`crosscheck.atomic.write_many`: an interruption leaves the previous files.
    """
    files = render_files(out, report, outcomes, html=html)
    if meta is not None:
        files[Path(out) / "meta.json"] = _meta_bytes(meta)
    atomic.write_many(files)
    return list(files)


def _meta_bytes(meta: Mapping[str, Any]) -> bytes:
    return (json.dumps(meta, sort_keys=True, indent=1) + "\n").encode()


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": sys.version.split()[0]}
    for pkg in ("handprop", "numpy", "torch", "jax", "jaxlib", "mpmath", "hypothesis",
                "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def run_metadata() -> dict[str, Any]:
    """``{"versions": ..., "platform": ...}`` for ``meta.json`` (never in the report)."""
    return {"versions": _versions(), "platform": _platform()}


def _platform() -> dict[str, Any]:
    import platform

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
    }


# --------------------------------------------------------------------------- progress


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class _Progress:
    """A rich progress bar on a terminal (stderr) outside CI; plain lines otherwise."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self.start = time.perf_counter()
        self.next_line = 0.0
        self.rich = None
        if sys.stderr.isatty() and not _ci():
            try:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )
            except ImportError:  # pragma: no cover - rich is a declared dependency
                pass
            else:
                self.rich = Progress(
                    TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), transient=False,
                )
                self.task = self.rich.add_task(label, total=total)

    def __enter__(self) -> _Progress:
        if self.rich is not None:
            self.rich.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.rich is not None:
            self.rich.stop()

    def advance(self) -> None:
        self.done += 1
        if self.rich is not None:
            self.rich.advance(self.task)
            return
        elapsed = time.perf_counter() - self.start
        if self.done == self.total or elapsed >= self.next_line:
            self.next_line = elapsed + 10.0
            # the first examples pay for imports and compilation: no estimate from them
            left = (
                f", ~{elapsed / self.done * (self.total - self.done):.0f} s left"
                if self.done >= min(20, self.total) and self.done < self.total
                else ""
            )
            print(
                f"{self.label}: {self.done}/{self.total} examples "
                f"({100 * self.done // self.total}%), {elapsed:.0f} s elapsed{left}",
                file=sys.stderr,
                flush=True,
            )


# --------------------------------------------------------------------------- commands


def _reproduce_command(examples: int, seed: int) -> Callable[[ExampleInfo], str]:
    def command(info: ExampleInfo) -> str:
        return f"crosscheck report --examples {examples} --seed {seed} --show {info.id}"

    return command


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _shard(text: str) -> Any:
    from crosscheck.generate import parse_shard

    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def configure_report(parser: argparse.ArgumentParser) -> None:
    """Add the ``crosscheck report`` options to ``parser``."""
    from crosscheck.generate import DEFAULT_SEED

    parser.add_argument(
        "--examples", type=_positive, default=DEFAULT_EXAMPLES,
        help=f"problems drawn by Hypothesis (default {DEFAULT_EXAMPLES}, about 2 minutes)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED,
        help=f"Hypothesis seed of the draws (default {DEFAULT_SEED})",
    )
    parser.add_argument("--out", default="reports", help="output directory (default reports/)")
    parser.add_argument(
        "--shard", type=_shard, default=None, metavar="K/N",
        help="evaluate only the K-th of N disjoint parts (combine them with crosscheck merge)",
    )
    parser.add_argument(
        "--show", type=int, default=None, metavar="ID",
        help="evaluate example ID only and print its comparisons and a Python reproduction "
        "(writes no files)",
    )
    _add_output_options(parser)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    """The options ``report`` and ``merge`` share for what they write."""
    parser.add_argument(
        "--no-html", action="store_true", help="skip report.html (no plots, no matplotlib)"
    )
    parser.add_argument(
        "--trajectory", default=None, metavar="PATH",
        help="trajectory.json to summarise (default: OUT/trajectory.json if it exists)",
    )


def configure_merge(parser: argparse.ArgumentParser) -> None:
    """Add the ``crosscheck merge`` options to ``parser``."""
    parser.add_argument(
        "shards", nargs="+", metavar="DIR",
        help="output directories of `crosscheck report --shard K/N` runs (all N of them)",
    )
    parser.add_argument("--out", default="reports", help="output directory (default reports/)")
    _add_output_options(parser)


def _trajectory_path(args: argparse.Namespace) -> Path:
    return Path(args.trajectory) if args.trajectory else Path(args.out) / "trajectory.json"


def _show(examples: list[Any], example_id: int) -> int:
    if not 0 <= example_id < len(examples):
        print(
            f"crosscheck report: --show {example_id}: expected an id in 0..{len(examples) - 1}",
            file=sys.stderr,
        )
        return 2
    ex = examples[example_id]
    ev = evaluate(ex)
    print(f"example {example_id}: {ex.drawn.problem.describe()}")
    info = ex.drawn.info
    print(f"  regime {info.regime}, layer regimes {', '.join(info.layer_regimes)}, "
          f"X {info.x_kind}, Y {info.y_kind}")
    failed = False
    for o in ev.outcomes:
        if o.status != "compared":
            print(f"- {o.pair}: {o.status} ({o.note})")
            failed |= o.status == "error"
            continue
        print(f"- {o.pair}: max budget ratio {o.max_ratio:.3g}"
              + ("  FAIL" if o.max_ratio > 1 else ""))
        failed |= o.max_ratio > 1
        for r in sorted(o.rows, key=lambda r: -r.max_ratio)[:3]:
            from crosscheck.compare import Discrepancy

            d = Discrepancy(r.layer, r.row_kind, r.max_abs, r.max_rel, r.max_ratio,
                            (r.row, r.col), r.value, r.reference, r.tolerance)
            print(f"    {d.describe()}")
    print("\nreproduce in Python:\n")
    print(ex.drawn.problem.to_code())
    print("import handprop\ngrads = handprop.gradients(*problem.args())")
    return 1 if failed else 0


def run_report(args: argparse.Namespace) -> int:
    """Generate, evaluate, write. Exit 0; 1 if a summary cell FAILs; 2 for bad options."""
    from crosscheck.generate import Shard, fingerprint, generate, shard_ids

    started = time.time()
    t0 = time.perf_counter()
    print(
        f"crosscheck report: drawing {args.examples} problems (seed {args.seed})",
        file=sys.stderr,
        flush=True,
    )
    examples = generate(args.examples, args.seed)
    t_gen = time.perf_counter() - t0
    if args.show is not None:
        return _show(examples, args.show)
    shard = args.shard or Shard(1, 1)
    ids = shard_ids(len(examples), shard)
    outcomes: list[Outcome] = []
    seconds: dict[str, float] = defaultdict(float)
    label = "crosscheck report" + (f" (shard {shard})" if shard.count > 1 else "")
    with _Progress(len(ids), label) as progress:
        for i in ids:
            ev = evaluate(examples[i])
            outcomes.extend(ev.outcomes)
            for k, v in ev.seconds.items():
                seconds[k] += v
            progress.advance()
    t_eval = time.perf_counter() - t0 - t_gen
    options = {
        "source": "crosscheck report",
        "examples": args.examples,
        "seed": args.seed,
        "shard": str(shard),
        "fingerprint": fingerprint(examples),
    }
    report = build_report(
        outcomes,
        options=options,
        oracles=oracle_table(),
        reproduce=_reproduce_command(args.examples, args.seed),
        trajectory=trajectory_summary(_trajectory_path(args)),
    )
    t1 = time.perf_counter()
    meta = {
        "schema": "crosscheck-report-meta",
        "command": ["crosscheck", *sys.argv[1:]] if sys.argv else ["crosscheck", "report"],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "options": options,
        "evaluated_examples": len(ids),
        "seconds": {
            "generate": round(t_gen, 3),
            "evaluate": round(t_eval, 3),
            "per_oracle": {k: round(v, 3) for k, v in sorted(seconds.items())},
        },
        "examples_per_pair": report["counts"],
        **run_metadata(),
        "environment": {"CI": os.environ.get("CI", "")},
    }
    files = render_files(args.out, report, outcomes, html=not args.no_html)
    meta["seconds"]["render"] = round(time.perf_counter() - t1, 3)
    meta["seconds"]["total"] = round(time.perf_counter() - t0, 3)
    files[Path(args.out) / "meta.json"] = _meta_bytes(meta)
    atomic.write_many(files)
    from crosscheck import render

    print(render.summary_table(report))
    print(
        f"\nwrote {', '.join(str(p) for p in files)} ({len(ids)} examples, "
        f"{meta['seconds']['total']:.0f} s)"
    )
    failing = [c for c in report["summary"] if c["verdict"] == "FAIL"]
    for c in failing:
        print(f"FAIL: {c['pair']} ({c['dtype']}): max budget ratio {c['max_ratio']}, "
              f"{c['errors']} errors")
    return 1 if failing else 0


def _read_shard(directory: Path) -> tuple[dict[str, Any], list[Outcome], dict | None]:
    report = load_report(directory / "report.json")
    try:
        text = (directory / "report.csv").read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportFileError(f"{directory / 'report.csv'}: cannot read it ({exc})") from None
    try:
        outcomes = read_results_csv(text)
    except (ValueError, IndexError) as exc:
        raise ReportFileError(f"{directory / 'report.csv'}: corrupt ({exc})") from None
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    return report, outcomes, meta


def merge_shards(
    shards: Sequence[tuple[Mapping[str, Any], Sequence[Outcome]]],
) -> tuple[dict[str, Any], list[Outcome], dict[str, Any]]:
    """Check that ``shards`` ((report, outcomes) of each ``--shard K/N`` run) are the N
    disjoint parts of one run; return (options, outcomes, oracles) of the whole.

    ``ValueError`` says what does not fit: different options or oracles, a shard count
    that is not N, a repeated or missing shard, overlapping or missing example ids.
    """
    from crosscheck.generate import parse_shard, shard_ids

    if not shards:
        raise ValueError("shards: expected at least one shard directory")
    first = shards[0][0]
    base = {k: v for k, v in first["options"].items() if k != "shard"}
    specs = []
    for rep, _ in shards:
        opts = {k: v for k, v in rep["options"].items() if k != "shard"}
        if opts != base:
            raise ValueError(f"shards: different options, {opts!r} vs {base!r}")
        if rep["oracles"] != first["oracles"]:
            raise ValueError(
                "shards: the oracles available differ between shards "
                f"({rep['oracles']!r} vs {first['oracles']!r}); run every shard alike"
            )
        specs.append(parse_shard(rep["options"]["shard"]))
    counts = {s.count for s in specs}
    if len(counts) != 1:
        raise ValueError(f"shards: mixed shard counts {sorted(counts)} (expected one N)")
    n = counts.pop()
    got = sorted(s.index for s in specs)
    if got != list(range(1, n + 1)):
        missing = sorted(set(range(1, n + 1)) - set(got))
        repeated = sorted(k for k, c in Counter(got).items() if c > 1)
        raise ValueError(
            f"shards: expected shards 1..{n} once each; missing {missing}, repeated {repeated}"
        )
    outcomes: list[Outcome] = []
    for (_, outs), spec in zip(shards, specs, strict=True):
        expected = set(shard_ids(int(base["examples"]), spec))
        seen = {o.example.id for o in outs}
        if seen != expected:
            raise ValueError(
                f"shard {spec}: holds example ids {sorted(seen - expected)[:5]} it should not "
                f"or lacks {sorted(expected - seen)[:5]}"
            )
        outcomes.extend(outs)
    return {**base, "shard": "1/1"}, outcomes, dict(first["oracles"])


def run_merge(args: argparse.Namespace) -> int:
    """Merge shard directories into one report. Exit 0, or 2 with a message if the
    shards are unreadable or do not make up one run."""
    t0 = time.perf_counter()
    try:
        read = [_read_shard(Path(d)) for d in args.shards]
        options, outcomes, oracles = merge_shards([(r, o) for r, o, _ in read])
    except (ReportFileError, ValueError) as exc:
        print(f"crosscheck merge: {exc}", file=sys.stderr)
        return 2
    report = build_report(
        outcomes,
        options=options,
        oracles=oracles,
        reproduce=_reproduce_command(int(options["examples"]), int(options["seed"])),
        trajectory=trajectory_summary(_trajectory_path(args)),
    )
    meta = {
        "schema": "crosscheck-report-meta",
        "command": ["crosscheck", *sys.argv[1:]] if sys.argv else ["crosscheck", "merge"],
        "options": options,
        "merged_from": [
            {"directory": str(d), "meta": m} for d, (_, _, m) in zip(args.shards, read,
                                                                     strict=True)
        ],
        "seconds": {"merge": round(time.perf_counter() - t0, 3)},
        **run_metadata(),
    }
    files = write_report_files(args.out, report, outcomes, html=not args.no_html, meta=meta)
    from crosscheck import render

    print(render.summary_table(report))
    print(f"\nmerged {len(args.shards)} shards: wrote {', '.join(str(p) for p in files)}")
    return 1 if any(c["verdict"] == "FAIL" for c in report["summary"]) else 0
