"""Tests that kill the mutants of crosscheck.budget (its __init__: budget, ratios) that
the rest of the suite let survive (docs/mutation.md lists them with their verdicts)."""

from __future__ import annotations

import math

import numpy as np

from crosscheck.budget import budget, chains, models
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


def test_the_window_rounding_is_highams_gamma_with_its_margin() -> None:
    """chains.rounding, the documented gamma = 1.01 B (max width + 1) 2^-53, for widths
    2, 7, 3 and B = 4: 1.01 * 4 * 8 * 2^-53. Kills budget.chains.x_rounding__mutmut_2 to
    _11 (a factor, an operator or the exponent changed)."""
    assert chains.rounding([2, 7, 3], 4) == 1.01 * 32 * 2.0**-53


def test_the_window_work_counts_each_pairs_products() -> None:
    """chains._work, counted by hand for widths 2-3-4-5 (L = 3), P = 2, B = 2: only the
    pair (l, m) = (3, 1) has l - m >= 2, costing N_1 N_2 N_3 = 3 * 4 * 5 per example.
    Kills budget.chains.x__work__mutmut_5 (the count started at 1)."""
    assert chains._work([2, 3, 4, 5], 2, 2) == 2 * 60
    assert chains._work([2, 3, 4, 5, 6], 1, 3) == 3 * 4 * 5 + 4 * 5 * 6 + 3 * 4 * 6


def test_step_norms_bound_the_spectral_norm_at_and_past_the_svd_limit() -> None:
    """chains.step_norms: c_{k,p} = max_i |f'_i| ||W_k|| with the spectral norm (and a
    1e-12 margin above it) up to SVD_LIMIT rows, the Frobenius norm beyond. Kills
    budget.chains.x_step_norms__mutmut_10 (the SVD refused at exactly SVD_LIMIT), _12, _19
    (the margin turned below the norm), _22 to _24 (the Frobenius route broken) and _36
    (the shape of an empty batch's bound)."""
    rng = np.random.default_rng(1)
    for rows, spectral in ((chains.SVD_LIMIT, True), (chains.SVD_LIMIT + 1, False)):
        Wk = rng.normal(size=(rows, 2))
        fp = [None, np.array([[0.5] * rows, [2.0] * rows])]
        c = chains.step_norms([np.zeros((2, rows)), Wk], fp)[1]
        two, frobenius = np.linalg.norm(Wk, 2), np.linalg.norm(Wk)
        assert frobenius > two * (1 + 1e-6)  # so the two routes differ
        want = two * (1 + 1e-12) if spectral else frobenius
        np.testing.assert_allclose(c, [0.5 * want, 2.0 * want], rtol=1e-15)
        if spectral:
            assert np.all(c >= np.array([0.5, 2.0]) * two * (1 + 0.5e-12))
    empty = chains.step_norms([np.zeros((2, 3)), np.ones((3, 4))], [None, np.zeros((0, 3))])
    assert empty[1].shape == (0,)


def test_a_window_whose_work_equals_the_cap_fits() -> None:
    """Kills budget.chains.x_window_size__mutmut_21 (``>`` -> ``>=``: a window costing
    exactly the cap refused)."""
    sizes, P = [2, 3, 4, 5, 6], 1
    assert chains.window_size(sizes, P, chains._work(sizes, P, 2)) == 2
    assert chains.window_size(sizes, P, chains._work(sizes, P, 2) - 1) == 1


def test_log_rounding_widens_by_dz_and_never_warns() -> None:
    """models.log_rounding(z, u, dz) = min(|z| + dz, e^(dz - |z|) / u). Kills
    budget.models.x_log_rounding__mutmut_11 (|z| - dz) and _4 (the overflow of e^(dz -
    |z|) for a large dz no longer silenced: pytest turns the warning into an error)."""
    u = 2.0**-53
    got = models.log_rounding(np.array([1.0, -40.0]), u, 0.5)
    np.testing.assert_array_equal(got, [1.5, np.exp(0.5 - 40.0) / u])
    assert models.log_rounding(np.array([0.0]), u, 1000.0)[0] == 1000.0


def test_a_float32_problems_values_are_computed_in_float64() -> None:
    """Kills budget.values.x_values__mutmut_3, _5 (the weights left in float32: the
    forward pass the budget is built on would round in float32)."""
    from crosscheck.budget.values import values

    w = [np.array([[0.1], [1.0 / 3.0]], np.float32)]
    p = make_problem(w, np.array([[3.0]], np.float32), np.array([[0.0]], np.float32),
                     ["identity"], "squared_error")
    v = values(p)
    assert v.w[0].dtype == np.float64 and v.z[1].dtype == np.float64
    # z = b + w x in float64 from the float32 numbers (exact: 24-bit products and sums)
    assert v.z[1][0, 0] == float(w[0][0, 0]) + 3.0 * float(w[0][1, 0])


def _gelu_mags(z: float) -> tuple[float, float]:
    """gelu's magnitude models written out for one z (docs/error-budget.md, "Elementwise
    formulas"): f = z/2 (1 + t), t = tanh(c (z + a z^3)); on magnitudes the inner sum is
    c (|z| + 3 a |z|^3), t' = c (1 + 3 a z^2)."""
    c, a = math.sqrt(2.0 / math.pi), 0.044715
    t = math.tanh(c * (z + a * z**3))
    inner = c * (abs(z) + 3.0 * a * abs(z) ** 3)
    du = c * (1.0 + 3.0 * a * z * z)
    value = 0.5 * abs(z) * (1.0 + abs(t)) + 0.5 * abs(z) * (1.0 - t * t) * inner
    sens = 0.5 + abs(z) * abs(t) * du
    deriv = 0.5 * (1.0 + abs(t)) + 0.5 * abs(z) * (1.0 + t * t) * du + sens * (
        (1.0 - t * t) * inner + abs(t)
    )
    return value, deriv


def test_the_gelu_models_are_the_documented_magnitudes() -> None:
    """No test of the selection built a gelu budget: kills the mutants of
    budget.models.x__gelu_parts, x__gelu_value_mag and x__gelu_deriv_mag (a constant, a
    sign or a term changed moves the value at one of these z by far more than the 1e-14
    allowed for the order of float64 operations)."""
    gelu = models.MODELS["gelu"]
    z = np.array([-2.5, -0.3, 0.0, 0.7, 1.9])
    a = np.zeros_like(z)  # the gelu models do not read a
    u = 2.0**-53
    got_v, got_d = gelu.value_mag(z, a, u), gelu.deriv_mag(z, a, u)
    for i, zi in enumerate(z):
        want_v, want_d = _gelu_mags(float(zi))
        assert math.isclose(got_v[i], want_v, rel_tol=1e-14, abs_tol=0.0), (zi, got_v[i])
        assert math.isclose(got_d[i], want_d, rel_tol=1e-14), (zi, got_d[i])
