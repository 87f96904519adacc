"""The error budget on problems small enough to compute S by hand (docs/error-budget.md).

Each case writes out the running-error rules for its net and checks ``budget`` against
the numbers; the underflow floor eta (~1e-291) and the second pass's u-sized terms are
far below the tolerances used.
"""

from __future__ import annotations

import numpy as np
import pytest

from crosscheck.budget import C_F, Budget, K, budget, kink_free, ratios, ulps, unit_roundoff
from crosscheck.problem import make_problem

U64 = 2.0**-53
U32 = 2.0**-24


def _net(bias, w, x, y, activation, cost, dtype=np.float64):
    """A net with one weight layer: weights [[bias...], [w row]...], X one example."""
    weights = [np.array([np.atleast_1d(bias), *np.atleast_2d(w)], dtype=dtype)]
    X = np.array([np.atleast_1d(x)], dtype=dtype)
    Y = np.array([np.atleast_1d(y)], dtype=dtype)
    return make_problem(weights, X, Y, [activation], cost)


def test_unit_roundoff_and_constants() -> None:
    assert unit_roundoff(np.float64) == U64 and unit_roundoff(np.float32) == U32
    assert K == 4.0 and C_F == 8.0


def test_a_sum_of_two_products() -> None:
    """z = b + v1 x1 + v2 x2 = 0.5 + 3 - 1 = 2.5 (identity, squared_error, y = 1).

    M(z) = n (|b| + |v1 x1| + |v2 x2|) with n = 3 terms = 13.5; M(h) = M(z);
    delta = h - y = 1.5 with M(delta) = M(h) + |h| + |y| + |h - y| = 18.5 (the subtraction
    h - y and its product with f' = 1); S(bias) = |delta| + M(delta) = 20 (eq. 9, 2nd
    line, P = 1) and S(v_i) = |x_i| (|delta| + M(delta)) = 30 and 20 (eq. 9, 3rd line).
    """
    p = _net(0.5, [[2.0], [-1.0]], [1.5, 1.0], 1.0, "identity", "squared_error")
    b = budget(p)
    assert b.u == U64 and not b.near_kink
    np.testing.assert_allclose(b.scale[0][:, 0], [20.0, 30.0, 20.0], rtol=1e-12)
    np.testing.assert_allclose(b.tolerance()[0][:, 0], K * U64 * np.array([20.0, 30.0, 20.0]))


def test_a_saturated_sigmoid_is_charged_on_y_and_h_not_on_y_minus_h() -> None:
    """z = 40: h = sigma(40) rounds to 1 and y - h = 4.2e-18 exactly (seed eq. 13).

    The output delta is charged C (|y| + |h|) = 2 C, C = the float64 OUTPUT constant of
    log_likelihood, plus the rounding of log sigma (models.log_rounding: min(40, e^-40 / u)
    = 0.038, times |y| sigma(-40) + h = 1) (and f'(z) M(z), which is 0 to first order and
    2 C u x 80 in the second pass): S = 2 C + 0.038 for the bias and the weight (x = 1). A
    float64 answer of exactly 0 (1 - 1.0) is within K u S; an answer off by 1e-12 is not.
    """
    p = _net(0.0, [[40.0]], [1.0], 1.0, "sigmoid", "log_likelihood")
    b = budget(p)
    c = ulps.constant("output", "log_likelihood", "float64")
    s = 2 * c + np.exp(-40.0) / U64
    np.testing.assert_allclose(b.scale[0][:, 0], [s, s], rtol=1e-9)
    exact = 1.0 / (1.0 + np.exp(40.0))  # y - h = sigma(-40)
    ref = [np.array([[exact], [exact]])]
    assert ratios([np.zeros((2, 1))], ref, b)[0].max() < 1.0
    assert ratios([np.full((2, 1), 1e-12)], ref, b)[0].max() > 1.0


def test_each_dtype_reads_its_own_constants() -> None:
    """The saturated sigmoid above in float32: S = 2 C + e^-40 / u with float32's constant
    C and unit roundoff (the analysis reads the problem's dtype's table), plus the second
    pass's u-sized terms (u E(f') M(z) = 2^-24 x 16 x 80, 8e-6 relative)."""
    p = _net(0.0, [[40.0]], [1.0], 1.0, "sigmoid", "log_likelihood", np.float32)
    b = budget(p)
    s = 2 * ulps.constant("output", "log_likelihood", "float32") + np.exp(-40.0) / U32
    np.testing.assert_allclose(b.scale[0][:, 0], [s, s], rtol=2e-5)
    assert ulps.constant("value", "tanh", "float32") < ulps.constant("value", "tanh", "float64")


def test_a_softmax_of_one_output() -> None:
    """N_L = 1: h = 1 and the exact gradient is 0 whatever the weights.

    z = 0.3 + 0.5 x 2 = 1.3 with M(z) = 2 (|b| + |v x|) = 2.6. The softmax charge is
    M(s) = h (C N_L + 2 (|z - max z| + M(z)) + |log s|) = C + 5.2 (log s = 0), C = the
    float64 constant of the cost, and the delta y - h sum(y) gets M(s) |y| + h |y| (N_L + 1)
    + |y| = C + 5.2 + 2 + 1: S = C + 8.2 (bias) and |x| (C + 8.2) (weight).
    """
    p = _net(0.3, [[0.5]], [2.0], 1.0, "softmax", "softmax_log_likelihood")
    b = budget(p)
    s = ulps.constant("output", "softmax_log_likelihood", "float64") + 8.2
    np.testing.assert_allclose(b.scale[0][:, 0], [s, 2 * s], rtol=1e-12)


def test_float32_uses_float32_unit_roundoff() -> None:
    p = _net(0.5, [[2.0], [-1.0]], [1.5, 1.0], 1.0, "identity", "squared_error", np.float32)
    b = budget(p)
    assert b.u == U32
    np.testing.assert_allclose(b.scale[0][:, 0], [20.0, 30.0, 20.0], rtol=1e-6)


def test_an_exact_zero_term_gets_only_the_underflow_floor() -> None:
    """An input column of zeros: every term of that weight's gradient is exactly 0, so
    S is the underflow floor (P + 1) eta alone, and only an exact 0 passes there."""
    p = _net(0.5, [[2.0], [-1.0]], [1.5, 0.0], 1.0, "identity", "squared_error")
    b = budget(p)
    eta = C_F * float(np.finfo(np.float64).tiny) / U64
    assert b.scale[0][2, 0] == pytest.approx(2 * eta, rel=1e-12)
    ref = [np.array([[1.5], [2.25], [0.0]])]
    cand = [ref[0].copy()]
    assert ratios(cand, ref, b)[0][2, 0] == 0.0
    cand[0][2, 0] = 1e-300
    assert ratios(cand, ref, b)[0][2, 0] > 1e5


def test_ratios_zero_over_zero_is_zero_and_x_over_zero_is_inf() -> None:
    b = Budget([np.zeros((2, 1))], U64, False)
    ref = [np.array([[0.0], [1.0]])]
    q = ratios([np.array([[0.0], [1.0]])], ref, b)[0]
    assert q.tolist() == [[0.0], [0.0]]
    q = ratios([np.array([[1e-300], [1.0]])], ref, b)[0]
    assert q[0, 0] == np.inf and q[1, 0] == 0.0


def test_extra_adds_an_oracles_own_error_and_u_overrides_the_dtype() -> None:
    b = Budget([np.array([[1.0]])], U64, False)
    ref = [np.array([[0.0]])]
    d = 8 * U64
    assert ratios([np.array([[d]])], ref, b)[0][0, 0] == pytest.approx(2.0)
    assert ratios([np.array([[d]])], ref, b, extra=[np.array([[4 * U64]])])[0][0, 0] == (
        pytest.approx(1.0)
    )
    assert ratios([np.array([[d]])], ref, b, u=U32)[0][0, 0] == pytest.approx(2.0 * U64 / U32)
    assert b.exact_error(1e-49)[0][0, 0] == pytest.approx(4e-49)


# ----------------------------------------------------------------------------- the kink rule


def _relu(bias, w, x, dtype=np.float64):
    return _net(bias, [[w]], [x], 0.5, "relu", "squared_error", dtype)


def test_a_pre_activation_at_the_kink_is_near_kink() -> None:
    assert budget(_relu(0.5, 1.0, -0.5)).near_kink  # z = 0.5 - 0.5 = 0 exactly
    assert budget(_relu(0.0, 1.0, 0.0)).near_kink  # every term 0
    assert not kink_free(_net(0.5, [[1.0]], [-0.5], 0.5, "leaky_relu", "squared_error"))


def test_smooth_activations_and_clear_pre_activations_are_kink_free() -> None:
    assert kink_free(_relu(0.3, 1.0, 1.0))
    assert kink_free(_relu(0.3, 1.0, -1.0))  # z = -0.7
    for smooth in ("sigmoid", "elu", "identity", "softplus"):
        assert kink_free(_net(0.5, [[1.0]], [-0.5], 0.5, smooth, "squared_error")), smooth


def test_the_kink_margin_is_k_u_m_of_the_dtype() -> None:
    """z = 1 + w = 2^-21 exactly, against M(z) = 2 (|b| + |w x|) ~ 4: within K u M(z)
    = 2^-20 in float32, far outside it (4.4e-16 x 4) in float64."""
    w = -(1.0 - 2.0**-21)
    assert budget(_relu(1.0, w, 1.0, np.float32)).near_kink
    assert not budget(_relu(1.0, w, 1.0, np.float64)).near_kink
    assert budget(_relu(1.0, -(1.0 - 2.0**-52), 1.0, np.float64)).near_kink  # z = 2^-52


def test_the_kink_rule_carries_rounding_through_earlier_layers() -> None:
    """Layer 1 (identity): z1 = x1 - x2 = 1 from terms of 1e8, so it may be off by ~1e8 u;
    layer 2 (relu): z2 = (1 + 1e-10) - z1 = 1e-10 is within that: near the kink."""
    X = np.array([[1e8, 1e8 - 1]])
    Y = np.array([[0.0]])
    w1 = np.array([[0.0], [1.0], [-1.0]])
    acts = ["identity", "relu"]
    risky = make_problem([w1, np.array([[1.0 + 1e-10], [-1.0]])], X, Y, acts, "squared_error")
    safe = make_problem([w1, np.array([[1.5], [-1.0]])], X, Y, acts, "squared_error")
    assert budget(risky).near_kink and not budget(safe).near_kink


# ------------------------------------------------------ hand-computed S, issue 15 item 2


def test_a_one_one_tanh_net_by_hand() -> None:
    """One weight, one bias, one example: z = 0.25 - 1.5 x 0.75 = -0.875, a = tanh z,
    f' = 1 - a^2, squared_error with y = 0.3, float64 (first order; the u E terms of the
    second pass are 1e-15 relative). The rules of docs/error-budget.md, one by one:

    * z, a sum of n = 2 terms (bias and w x): M(z) = 2 (|b| + |w x|);
    * f'(z): M(f') = |f''| M(z) + C_d mag_f'  with f'' = -2 a f' and mag_f' = 1 + a^2;
    * a = f(z): M(a) = |f'| M(z) + C_v |a|;
    * delta = (a - y) f' (eq. 13 with the squared error): the subtraction is charged on
      |a| + |y|, with what arrives in a; times f' (which carries M(f')) and the product's
      own rounding: M(delta) = f' (M(a) + |a| + |y|) + |a - y| M(f') + f' |a - y|;
    * eq. 9, P = 1: S(bias) = |delta| + M(delta), S(w) = |x| (|delta| + M(delta)).
    """
    b0, w, x, y = 0.25, -1.5, 0.75, 0.3
    b = budget(_net(b0, [[w]], [x], y, "tanh", "squared_error"))
    cv = ulps.constant("value", "tanh", "float64")
    cd = ulps.constant("derivative", "tanh", "float64")
    z = b0 + w * x
    a = np.tanh(z)
    fp = 1.0 - a * a
    Mz = 2 * (abs(b0) + abs(w * x))
    Mfp = 2 * abs(a) * fp * Mz + cd * (1 + a * a)
    Ma = fp * Mz + cv * abs(a)
    Md = fp * (Ma + abs(a) + abs(y)) + abs(a - y) * Mfp + fp * abs(a - y)
    d = (a - y) * fp
    np.testing.assert_allclose(b.scale[0][:, 0], [abs(d) + Md, abs(x) * (abs(d) + Md)], rtol=1e-12)
    assert not b.near_kink and b.kink_units == 0


def _relu_out(biases, ws, x, ys, dtype=np.float64):
    """One relu layer with len(ws) outputs, one input, one example, squared_error."""
    weights = [np.array([biases, ws], dtype=dtype)]
    return make_problem(
        weights, np.array([[x]], dtype=dtype), np.array([ys], dtype=dtype), ["relu"],
        "squared_error",
    )


def _relu_grads(p, slope_at_zero: float) -> list[np.ndarray]:
    """dC/dw of :func:`_relu_out` with relu'(0) taken as ``slope_at_zero``."""
    w = p.weights[0].astype(np.float64)
    z = p.X @ w[1:] + w[0]
    fp = np.where(z > 0, 1.0, np.where(z == 0, slope_at_zero, 0.0))
    d = (np.maximum(z, 0.0) - p.Y) * fp
    return [np.vstack([d.sum(axis=0), p.X.T @ d]).astype(p.dtype)]


def test_a_relu_at_its_kink_is_charged_the_jump_by_hand() -> None:
    """z = 0.5 + 1 x (-0.5) = 0 exactly, y = 0.5: relu'(0) may be 0 or 1, so the output
    delta (a - y) f' may be 0 or -0.5. The unit's derivative is uncertain by the jump
    dD = 1: M(z) = 2 (0.5 + 0.5) = 2; M(a) = dD M(z) = 2 (relu has no formula rounding);
    the delta takes f' = 0 + dD = 1 with M(h - y) = M(a) + |h| + |y| = 2.5, plus
    f' |a - y| = 0.5, plus the jump's dD (|a - y| / u + 2.5):
    M(delta) = 0.5 / u + 5.5, and with |delta| = 0 (relu'(0) = 0 here) and D = u M(delta):
    S(bias) = 0.5 + 5.5 u + 0.5 / u + 5.5 = 0.5 / u + 6 and S(w) = |x| S(bias).
    K u S(bias) = 2 + 24 u: both branches (a difference of 0.5) pass, 2.5 fails."""
    p = _relu_out([0.5], [1.0], -0.5, [0.5])
    b = budget(p)
    assert b.near_kink and b.kink_units == 1
    np.testing.assert_allclose(b.scale[0][:, 0], [0.5 / U64 + 6, 0.25 / U64 + 3], rtol=1e-15)
    off, on = _relu_grads(p, 0.0), _relu_grads(p, 1.0)
    assert on[0][0, 0] == -0.5 and off[0][0, 0] == 0.0
    for ref, cand in ((off, on), (on, off)):
        assert ratios(cand, ref, b)[0][0, 0] == pytest.approx(0.5 / (4 * U64 * (0.5 / U64 + 6)))
    assert ratios([off[0] + 2.5], off, b)[0].max() > 1.0


def test_beside_a_kink_the_rest_of_the_gradient_is_still_judged() -> None:
    """Two relu outputs, x = 0.5: unit 0 at z = -0.25 + 0.5 x 0.5 = 0 exactly, unit 1 at
    z = 0.5 + 1 x 0.5 = 1, y = (0.5, 0.25). Unit 1's column is judged as if there were no
    kink: M(z) = 2 (0.5 + 0.5) = 2, M(a) = 2, delta = 0.75 with M(delta) = (2 + 1 + 0.25)
    + 0.75 = 4: S = (4.75, 2.375). Unit 0's column carries the jump (as above, with
    M(z) = 1): S = (0.5 / u + 4, 0.25 / u + 2)."""
    p = _relu_out([-0.25, 0.5], [0.5, 1.0], 0.5, [0.5, 0.25])
    b = budget(p)
    assert b.kink_units == 1
    np.testing.assert_allclose(b.scale[0][:, 1], [4.75, 2.375], rtol=1e-14)
    np.testing.assert_allclose(b.scale[0][:, 0], [0.5 / U64 + 4, 0.25 / U64 + 2], rtol=1e-15)
    off, on = _relu_grads(p, 0.0), _relu_grads(p, 1.0)
    assert ratios(on, off, b)[0].max() < 1.0  # either branch at the kink
    wrong = [off[0].copy()]
    wrong[0][0, 1] += 1e-14  # unit 1's bias gradient, 0.75, off by ~1e-14: 4.7 tolerances
    moved = wrong[0][0, 1] - off[0][0, 1]  # exact (Sterbenz)
    q = ratios(wrong, off, b)[0]
    assert q[0, 1] == pytest.approx(moved / (4 * U64 * 4.75), rel=1e-12) and q[0, 1] > 4.0


def test_near_the_kink_either_branch_passes_and_just_outside_only_one() -> None:
    """z = 2^-52 lies within K u M(z) ~ 2^-49 of the kink in float64: relu'(z) = 1 and
    the other branch (0) both pass. z = 2^-21 does not: only relu'(z) = 1 passes."""
    near = _relu_out([1.0], [-(1.0 - 2.0**-52)], 1.0, [0.5])
    b = budget(near)
    assert b.kink_units == 1
    right, other = _relu_grads(near, 1.0), [np.zeros((2, 1))]
    assert ratios(other, right, b)[0].max() < 1.0
    clear = _relu_out([1.0], [-(1.0 - 2.0**-21)], 1.0, [0.5])
    b = budget(clear)
    assert b.kink_units == 0
    right = _relu_grads(clear, 1.0)
    assert ratios(right, right, b)[0].max() == 0.0
    assert ratios([np.zeros((2, 1))], right, b)[0].min() > 1e10
