"""Tests that kill the mutants of crosscheck.budget (its __init__: budget, ratios) that
the rest of the suite let survive (docs/mutation.md lists them with their verdicts)."""

from __future__ import annotations

import numpy as np

from crosscheck.budget import budget
from crosscheck.problem import make_problem


def test_the_underflow_floor_is_at_least_the_smallest_normal_number() -> None:
    """An all-zero problem: every quantity is 0, only the underflow floor remains, and a
    correct evaluation may be off by a flushed operation, the smallest normal number.
    Kills budget.x_budget__mutmut_4 (eta = C_F tiny u instead of C_F tiny / u: u S would
    be ~1e-32 times smaller)."""
    for dtype in (np.float32, np.float64):
        p = make_problem(
            [np.zeros((2, 1), dtype), np.zeros((2, 1), dtype)],
            np.zeros((3, 1), dtype),
            np.zeros((3, 1), dtype),
            ["identity", "identity"],
            "squared_error",
        )
        b = budget(p)
        tiny = float(np.finfo(dtype).tiny)
        for s in b.scale:
            assert np.all(b.u * s >= tiny), (dtype, s)


def test_the_work_cap_is_passed_to_the_analysis() -> None:
    """Kills budget.x_budget__mutmut_14, _21 (``work_cap`` dropped: the default cap used):
    a cap of 0 allows no Jacobian window (window 1), the default one spans the 6-layer
    net."""
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(3, 2)) for _ in range(5)] + [rng.normal(size=(3, 1))]
    p = make_problem(
        weights, rng.normal(size=(4, 2)), rng.normal(size=(4, 1)),
        ["tanh"] * 5 + ["identity"], "squared_error",
    )
    assert budget(p, work_cap=0).window == 1
    assert budget(p).window > 1


def test_the_budget_counts_kink_units_and_names_its_dtype() -> None:
    """Kills budget.x_budget__mutmut_27 (kink_units None), _29 and _35 (the dtype's name
    lost: "float64" by default). A relu unit with z = 0 exactly lies on its kink."""
    for dtype in (np.float32, np.float64):
        p = make_problem(
            [np.array([[0.0], [1.0]], dtype), np.array([[0.0], [1.0]], dtype)],
            np.array([[0.0]], dtype),
            np.array([[1.0]], dtype),
            ["relu", "identity"],
            "squared_error",
        )
        b = budget(p)
        assert b.kink_units == 1 and b.near_kink
        assert b.dtype == np.dtype(dtype).name
