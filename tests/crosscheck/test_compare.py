"""compare: per layer and row kind, the worst element and how a record reads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from crosscheck.budget import Budget, K
from crosscheck.compare import Discrepancy, compare, layout_error
from crosscheck.problem import make_problem

U = 2.0**-53


def _problem(dtype=np.float64):
    weights = [np.ones((3, 2), dtype=dtype), np.ones((3, 1), dtype=dtype)]
    X = np.ones((4, 2), dtype=dtype)
    Y = np.zeros((4, 1), dtype=dtype)
    return make_problem(weights, X, Y, ["tanh", "identity"], "squared_error")


def _budget(scale: float = 1.0) -> Budget:
    return Budget([np.full((3, 2), scale), np.full((3, 1), scale)], U, False)


def test_two_records_per_layer_with_the_worst_element() -> None:
    ref = [np.zeros((3, 2)), np.zeros((3, 1))]
    cand = [np.zeros((3, 2)), np.zeros((3, 1))]
    cand[0][0, 1] = 2 * K * U  # bias row of layer 0: ratio 2
    cand[0][2, 0] = 0.5 * K * U  # weight rows of layer 0: ratio 0.5
    c = compare(cand, ref, _budget())
    assert [(r.layer, r.row_kind) for r in c.records] == [
        (0, "bias"),
        (0, "weights"),
        (1, "bias"),
        (1, "weights"),
    ]
    bias0, weights0 = c.records[0], c.records[1]
    assert bias0.index == (0, 1) and bias0.max_ratio == pytest.approx(2.0)
    assert weights0.index == (2, 0) and weights0.max_ratio == pytest.approx(0.5)
    assert bias0.tolerance == pytest.approx(K * U) and bias0.max_rel == 1.0
    assert c.max_ratio == pytest.approx(2.0) and not c.passed and c.worst is bias0
    assert compare(ref, ref, _budget()).passed
    assert compare(ref, ref, _budget()).max_ratio == 0.0


def test_relative_difference_is_against_the_larger_magnitude() -> None:
    ref = [np.full((3, 2), 2.0), np.full((3, 1), 1.0)]
    cand = [np.full((3, 2), 2.0), np.full((3, 1), 1.0)]
    cand[1][1, 0] = 1.5
    c = compare(cand, ref, _budget(1e15))
    rec = c.records[3]
    assert rec.max_abs == 0.5 and rec.max_rel == pytest.approx(0.5 / 1.5)
    assert rec.value == 1.5 and rec.reference == 1.0


def test_a_record_describes_itself() -> None:
    r = Discrepancy(1, "bias", 0.5, 0.25, 3.0, (0, 2), 1.5, 2.0, 0.125)
    text = r.describe()
    assert text.startswith("layer 1 (bias row 0), index (0, 2): got 1.5, expected 2.0")
    assert "|diff| = 0.5 > tolerance 0.125" in text
    assert "budget ratio 3, relative diff 0.25" in text
    w = r._replace(row_kind="weights", index=(3, 0))
    assert w.describe().startswith("layer 1 (weight rows), index (3, 0)")


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        (np.zeros((3, 2)), "expected a list of 2 arrays, got ndarray"),
        ([np.zeros((3, 2))], "expected 2 arrays (one per weight layer), got 1"),
        ([np.zeros((3, 2)), [[0.0], [0.0], [0.0]]], "gradient[1]: expected a numpy array"),
        ([np.zeros((2, 3)), np.zeros((3, 1))], "gradient[0]: expected shape (3, 2)"),
        ([np.zeros((3, 2), np.float32), np.zeros((3, 1))], "gradient[0]: expected dtype float64"),
        ([np.zeros((3, 2)), np.array([[0.0], [np.nan], [0.0]])], "non-finite value nan"),
    ],
)
def test_layout_error_says_what_is_wrong_first(candidate, message) -> None:
    err = layout_error(candidate, _problem())
    assert err is not None and message in err


def test_a_valid_layout_has_no_error() -> None:
    assert layout_error([np.zeros((3, 2)), np.zeros((3, 1))], _problem()) is None
    assert layout_error((np.zeros((3, 2)), np.zeros((3, 1))), _problem()) is None


# ------------------------------------------------- power, 0/0 and x/0 (issue 15, item 2)


def test_power_is_the_smallest_tolerance_over_reference_of_a_block() -> None:
    """Layer 0's weight rows, S = 1 (K u S = 4 u), references 1, 0, 0.5, 3: tolerance /
    |reference| = 4 u, -, 8 u, 4 u / 3 (the zero is left out): power 4 u / 3, median 4 u.
    Layer 1's, references 2 and -4 against S = 1, 2: 2 u and 2 u. A block whose reference
    is all 0 has no power (inf); the comparison's power is the weakest block's (the
    largest). A candidate (1 + e p) x reference on a whole block of power p fails exactly
    when e > 1."""
    b = Budget([np.full((3, 2), 1.0), np.array([[1.0], [1.0], [2.0]])], U, False)
    ref = [np.zeros((3, 2)), np.array([[0.0], [2.0], [-4.0]])]
    ref[0][1:] = [[1.0, 0.0], [0.5, 3.0]]
    c = compare(ref, ref, b)
    bias0, weights0, bias1, weights1 = c.records
    assert bias0.power == math.inf and bias1.power == math.inf  # zero references
    assert weights0.power == pytest.approx(K * U / 3.0)
    assert weights0.power_median == pytest.approx(K * U)
    assert weights1.power == pytest.approx(2 * K * U / 4.0) == weights1.power_median
    assert c.power == pytest.approx(K * U / 2.0)  # the weakest block's (the largest)
    assert c.weak(K * U / 2.5) == (weights1,) and c.weak(K * U) == ()
    for e, passes in ((0.5, True), (2.0, False)):
        cand = [g * (1.0 + e * weights0.power) for g in ref]
        cand[1] = ref[1].copy()
        assert compare(cand, ref, b).passed is passes, e


def test_zero_over_zero_and_x_over_zero() -> None:
    """Where S = 0 (only built by hand: the budget always adds its underflow floor) an
    exact match is ratio 0 (0/0 counts as 0) and any difference is inf; equal values 0
    and 0 have relative difference 0, and a record whose ratios are all 0 points at the
    largest absolute difference."""
    b = Budget([np.zeros((3, 2)), np.full((3, 1), 1.0)], U, False)
    ref = [np.zeros((3, 2)), np.zeros((3, 1))]
    c = compare(ref, ref, b)
    assert c.passed and c.max_ratio == 0.0
    assert all(r.max_rel == 0.0 and r.max_abs == 0.0 for r in c.records)
    cand = [np.zeros((3, 2)), np.zeros((3, 1))]
    cand[0][2, 1] = 1e-300
    cand[1][1, 0] = 0.25 * K * U  # ratio 0.25 in the other layer
    c = compare(cand, ref, b)
    assert not c.passed and c.max_ratio == math.inf
    assert c.worst.layer == 0 and c.worst.index == (2, 1) and c.worst.max_rel == 1.0
    assert c.records[3].max_ratio == pytest.approx(0.25)
    assert c.records[0].index == (0, 0) and c.records[0].max_ratio == 0.0
