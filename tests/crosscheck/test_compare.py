"""compare: per layer and row kind, the worst element and how a record reads."""

from __future__ import annotations

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
