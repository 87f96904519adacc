"""Aggregation: cells are maxima and p99 ("higher") of per-example maxima; skips are never
passes; breakdowns select rows and examples; "closest to the truth" counts wins and ties;
the report does not depend on the order of the results; non-finite numbers are strings.
"""

from __future__ import annotations

import json
import math

import numpy as np
from report_helpers import build as _build
from report_helpers import cell as _cell
from report_helpers import outcome as _outcome

from crosscheck.report.files import report_json, results_csv
from crosscheck.report.markdown import markdown
from crosscheck.report.records import PAIRS


def test_cells_are_max_and_p99_higher_of_per_example_maxima() -> None:
    rng = np.random.default_rng(0)
    ratios = rng.uniform(0, 0.5, size=150)
    outs = [
        _outcome(i, "handprop", "torch", ratios=(r / 2, r)) for i, r in enumerate(ratios)
    ]
    c = _cell(_build(outs), "handprop vs torch", "float64")
    ordered = sorted(ratios)
    k = math.ceil(0.99 * (len(ordered) - 1))  # "higher": the next observed value up
    assert c["examples"] == 150
    assert c["max_ratio"] == max(ratios)
    assert c["p99_ratio"] == ordered[k]
    assert c["max_abs"] == max(ratios) * 1e-15
    assert c["verdict"] == "pass"


def test_skips_are_counted_never_passes_and_errors_fail() -> None:
    cap = "mpmath: problem over its size cap"
    outs = [
        _outcome(0, "handprop", "mpmath", status="skipped", note=cap),
        _outcome(1, "handprop", "mpmath", status="skipped", note=cap),
        _outcome(0, "handprop", "torch", status="error", note="handprop: raised ValueError: x"),
        _outcome(1, "handprop", "torch"),
        _outcome(0, "handprop", "jax", ratios=(0.1, 1.5)),
    ]
    rep = _build(outs)
    skipped = _cell(rep, "handprop vs mpmath", "float64")
    assert (skipped["examples"], skipped["skipped"], skipped["verdict"]) == (0, 2, "no data")
    assert skipped["max_ratio"] is None
    errored = _cell(rep, "handprop vs torch", "float64")
    assert (errored["errors"], errored["verdict"]) == (1, "FAIL")
    assert _cell(rep, "handprop vs jax", "float64")["verdict"] == "FAIL"
    assert rep["skips"] == [
        {"pair": "handprop vs mpmath", "dtype": "float64",
         "reason": "mpmath: problem over its size cap", "count": 2}
    ]
    assert rep["worst"][0]["status"] == "error" and rep["worst"][0]["max_ratio"] == "inf"
    md = markdown(rep)
    assert "**FAIL**" in md and "problem over its size cap" in md


def test_breakdowns_select_rows_and_examples() -> None:
    outs = [
        _outcome(0, "handprop", "torch", depth=3, ratios=(0.3, 0.01),
                 activations=("relu", "tanh", "sigmoid")),
        _outcome(1, "handprop", "torch", depth=1, ratios=(0.02, 0.05)),
    ]
    rep = _build(outs)
    bd = {
        (dim, c["value"]): c for dim, cells in rep["breakdowns"].items() for c in cells
    }
    assert bd[("row_kind", "bias")]["max_ratio"] == 0.3
    assert bd[("row_kind", "weights")]["max_ratio"] == 0.05
    assert bd[("depth", "3")]["max_ratio"] == 0.3 and bd[("depth", "1")]["max_ratio"] == 0.05
    assert bd[("activation", "relu")]["examples"] == 1
    assert bd[("activation", "sigmoid")]["examples"] == 2
    assert bd[("position", "hidden")]["examples"] == 1  # only the depth-3 net has one
    assert bd[("position", "output")]["examples"] == 2
    assert [c["value"] for c in rep["breakdowns"]["position"]] == ["first", "hidden", "output"]


def test_closest_to_truth_counts_wins_and_ties() -> None:
    outs = []
    # example 0: handprop closest; 1: torch; 2: all equal (tie); 3: jax missing (ignored)
    for i, (h, t, j) in enumerate([(0.01, 0.02, 0.03), (0.02, 0.01, 0.03), (0.0, 0.0, 0.0)]):
        for impl, r in zip(("handprop", "torch", "jax"), (h, t, j), strict=True):
            outs.append(_outcome(i, impl, "mpmath", ratios=(r, r)))
    outs.append(_outcome(3, "handprop", "mpmath"))
    outs.append(_outcome(3, "torch", "mpmath"))
    rep = _build(outs)
    assert rep["closest_to_truth"] == [
        {"dtype": "float64", "examples": 3, "ties": 1,
         "wins": {"handprop": 1, "torch": 1, "jax": 0}}
    ]
    assert _cell(rep, "handprop vs mpmath", "float64")["closest"] == {
        "of": 3, "wins": 1, "tied": 1
    }


def test_report_does_not_depend_on_outcome_order() -> None:
    rng = np.random.default_rng(1)
    outs = [
        _outcome(i, c, o, dtype=d, ratios=tuple(rng.uniform(0, 0.4, 2)))
        for i in range(12)
        for (c, o) in PAIRS
        for d in (("float32",) if i % 2 else ("float64",))
    ]
    shuffled = [outs[i] for i in rng.permutation(len(outs))]
    assert report_json(_build(outs)) == report_json(_build(shuffled))
    assert results_csv(outs) == results_csv(shuffled)


def test_non_finite_numbers_are_json_strings() -> None:
    rep = _build([_outcome(0, "handprop", "torch", ratios=(math.inf, 0.1))])
    text = report_json(rep)
    json.loads(text)  # strict JSON (no Infinity)
    assert _cell(rep, "handprop vs torch", "float64")["max_ratio"] == "inf"
