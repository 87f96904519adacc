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


def test_inconclusive_examples_are_counted_apart_and_the_verdict_stays_pass() -> None:
    # float64 threshold 1e-8: power 1e-6 on the weight rows is too weak to conclude
    outs = [
        _outcome(0, "handprop", "torch", power=(1e-12, 1e-6)),  # weights weak
        _outcome(1, "handprop", "torch", power=(1e-12, 1e-12)),  # conclusive
        _outcome(2, "handprop", "torch", power=(math.inf, math.inf)),  # refs 0: no power
        _outcome(3, "handprop", "torch", ratios=(2.0, 0.1), power=(1e-6, 1e-6)),  # a FAIL
    ]
    rep = _build(outs)
    c = _cell(rep, "handprop vs torch", "float64")
    assert (c["examples"], c["inconclusive"], c["verdict"]) == (4, 1, "FAIL")
    assert c["power_max"] == 1e-6
    rep = _build(outs[:3])
    c = _cell(rep, "handprop vs torch", "float64")
    assert (c["inconclusive"], c["verdict"], rep["status"]) == (1, "pass", "PASS")
    bd = {(dim, c["value"]): c for dim, cells in rep["breakdowns"].items() for c in cells}
    assert bd[("row_kind", "weights")]["inconclusive"] == 1
    assert bd[("row_kind", "bias")]["inconclusive"] == 0  # the bias rows were conclusive
    assert rep["inconclusive_above"] == {"float64": 1e-8}
    assert "| 1 |" in markdown(rep)  # the summary's inconclusive column


def test_status_is_inconclusive_when_a_cell_has_no_conclusive_example() -> None:
    weak = [_outcome(i, "handprop", "torch", power=(1e-3, 1e-3)) for i in range(3)]
    strong = [_outcome(i, "handprop", "jax", power=(1e-12, 1e-12)) for i in range(3)]
    assert _build(weak + strong)["status"] == "INCONCLUSIVE"
    assert _build(strong)["status"] == "PASS"
    skipped = [_outcome(0, "handprop", "mpmath", status="skipped", note="cap")]
    assert _build(strong + skipped)["status"] == "INCONCLUSIVE"  # no data: not checked
    assert _build([])["status"] == "NO DATA"


def test_power_by_depth_and_width_median_and_worst() -> None:
    powers = [1e-12, 3e-12, 2e-12, 5e-11]
    outs = [
        _outcome(i, "handprop", "torch", depth=2, power=(p, p / 2)) for i, p in enumerate(powers)
    ]
    outs.append(_outcome(9, "handprop", "torch", depth=4, power=(1e-9, 1e-10)))
    rep = _build(outs)
    bd = {(dim, c["value"]): c for dim, cells in rep["breakdowns"].items() for c in cells}
    depth2 = bd[("depth", "2")]
    assert depth2["power_max"] == 5e-11
    assert depth2["power_median"] == 3e-12  # the upper median of 1, 2, 3, 50 (x 1e-12)
    assert bd[("depth", "4")]["power_median"] == 1e-9
    assert bd[("width", "3-4")]["examples"] == 5  # sizes (2, 3, ..., 1): widest layer 3
    assert [c["value"] for c in rep["breakdowns"]["width"]] == ["3-4"]
    md = markdown(rep)
    assert "## Power" in md and "By width:" in md and "3e-12 / 5e-11" in md
    assert {w["id"]: w["power"] for w in rep["worst"]}[9] == 1e-9
    assert rep["worst"][0]["row_power"] == 5e-13  # its worst block: weight rows, ratio 0.02


def test_width_values_are_ordered_by_size() -> None:
    from crosscheck.report.aggregate import _value_order

    assert _value_order("width", ["9-16", "1", "3-4", "17-32", "2", "5-8"]) == [
        "1", "2", "3-4", "5-8", "9-16", "17-32"
    ]
    assert _value_order("depth", ["10", "9", "2"]) == ["2", "9", "10"]
