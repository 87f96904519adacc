"""validation: every argument crosscheck takes, checked once, with a message naming it."""

from __future__ import annotations

import numpy as np
import pytest

from crosscheck import validation as V
from crosscheck.errors import UsageError
from crosscheck.problem import make_problem

W = [np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([[0.5], [0.6], [0.7]])]
X = np.array([[1.0], [2.0]])
Y = np.array([[0.0], [1.0]])
ACTS = ["tanh", "sigmoid"]


def test_names_accept_a_string_or_a_sequence_in_the_order_given() -> None:
    known = ("a", "b", "c")
    assert V.names(None, "x", known) is None
    assert V.names("c, a,c", "x", known) == ("c", "a")
    assert V.names(["b"], "x", known) == ("b",)
    for bad in ("d", "", [], ["a", 3], 5):
        with pytest.raises(UsageError, match=r"^x: expected names from a, b, c"):
            V.names(bad, "x", known)


def test_dtypes_are_float32_and_float64_in_any_spelling() -> None:
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)
    assert V.dtypes(None) == (f64, f32)
    assert V.dtypes("float32, float64") == (f64, f32)
    assert V.dtypes([np.float32]) == (f32,)
    assert V.dtype(">f8") == f64  # byte order does not matter
    for bad in ("float16", "int32", "bfloat16x", object):
        with pytest.raises(UsageError, match="expected float32 or float64"):
            V.dtype(bad)
    with pytest.raises(UsageError, match="got nothing"):
        V.dtypes([])


def test_integers_and_numbers() -> None:
    assert V.integer(3, "n") == 3 and V.integer(np.int64(2), "n") == 2
    for bad in (0, True, 2.0, "3", None):
        with pytest.raises(UsageError, match=r"^n: expected an integer >= 1"):
            V.integer(bad, "n")
    with pytest.raises(UsageError, match="<= 5"):
        V.integer(6, "n", maximum=5)
    assert V.positive_number(2, "s") == 2.0
    for bad in (0, -1.0, float("inf"), float("nan"), True, "1"):
        with pytest.raises(UsageError, match=r"^s: expected a finite number > 0"):
            V.positive_number(bad, "s")


def test_a_valid_problem_passes_unchanged() -> None:
    w, x, y = V.problem_arrays(W, X, Y, ACTS, "log_likelihood")
    assert w[0] is W[0] and x is X and y is Y


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(weights=W[0]), "^weights: expected a non-empty list"),
        (dict(weights=[]), "^weights: expected a non-empty list"),
        (dict(weights=[W[0], W[1][:2]]), r"^weights\[1\]: shape \(2, 1\) does not follow"),
        (dict(weights=[W[0][:1], W[1]]), r"^weights\[0\]: empty layer"),
        (dict(weights=[W[0], W[1].astype(np.float32)]), r"^weights\[1\]: dtype float32 differs"),
        (dict(weights=[W[0], W[1].astype(int)]), r"^weights\[1\]: expected dtype float32"),
        (dict(weights=[W[0], np.full((3, 1), np.nan)]), r"^weights\[1\]: expected finite"),
        (dict(X=np.ones((2, 3))), "^X: expected shape"),
        (dict(X=np.array([[np.inf], [1.0]])), "^X: expected finite"),
        (dict(X=np.ma.masked_array(X, [[True], [False]])), "^X: a masked array"),
        (dict(Y=np.ones((3, 1))), "^Y: expected shape"),
        (dict(Y=np.array([[0.0], [2.0]])), r"^Y: cost 'log_likelihood' expects labels in \[0, 1\]"),
        (dict(activations="tanh,sigmoid"), "^activations: expected a sequence"),
        (dict(activations=["sigmoid"]), "^activations: expected 2 names"),
        (dict(activations=["tanh", "tanh"]), "^activations: the output activation 'tanh'"),
        (dict(cost="hinge"), "^cost: unknown cost 'hinge'"),
    ],
)
def test_a_bad_problem_names_the_argument(change, message) -> None:
    args = dict(weights=W, X=X, Y=Y, activations=ACTS, cost="log_likelihood") | change
    with pytest.raises(UsageError, match=message):
        make_problem(**args)


def test_softmax_labels_must_be_nonnegative_and_big_endian_is_accepted() -> None:
    w = [W[0], np.ones((3, 2))]
    with pytest.raises(UsageError, match="labels >= 0"):
        make_problem(w, X, np.array([[1.0, -0.5], [0.0, 1.0]]), ["tanh", "softmax"],
                     "softmax_cross_entropy")
    p = make_problem([a.astype(">f8") for a in W], X.astype(">f8"), Y, ACTS, "log_likelihood")
    assert p.dtype == np.float64 and p.X.dtype.isnative
