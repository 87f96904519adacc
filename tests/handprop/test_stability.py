"""Stability: saturated networks (|z| up to 1e4) give finite results and no floating-point
events, in float32 and float64, for every activation and every cost; the log-likelihood of
a saturated wrong output is finite and exact; the output delta keeps its relative accuracy
when h is near 0 or 1.

Every call runs under ``np.errstate(all="raise")``: an overflow, invalid operation or
division by zero anywhere in handprop raises FloatingPointError, even where NumPy would
stay silent. (Underflow is the one event handprop itself masks: gradual underflow to a
subnormal or 0 is the correctly rounded result; see handprop/network.py.)
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import handprop
from handprop import literal, special_cases
from handprop.activations import ACTIVATIONS, ELEMENTWISE
from handprop.costs import COSTS

DTYPES = (np.float32, np.float64)
Z_MAX = 1e4
LL_COSTS = ("log_likelihood", "binary_cross_entropy")


def saturated_problem(activation: str, cost: str, dtype):
    """A 3-4-4-N_L net whose pre-activations reach |z| = 1e4 at every layer.

    Weights are drawn, then each layer (in turn, on the previous layer's activations) is
    scaled so that max |z^{l+1}| = 1e4 over the P = 6 examples, computed in float64 and
    then cast to ``dtype``.
    """
    spec = COSTS[cost]
    output = activation if cost == "squared_error" else spec.outputs[0]
    activations = [activation, activation, output]
    sizes = (3, 4, 4, 3 if output == "softmax" else 2)
    rng = np.random.default_rng(list(ELEMENTWISE).index(activation) * 10 + list(COSTS).index(cost))
    weights = handprop.init_weights(sizes, seed=rng, bias=1.0)
    X = rng.uniform(-1, 1, (6, sizes[0]))
    lo, hi = {"unit": (0, 1), "nonnegative": (0, 2), "any": (-2, 2)}[spec.labels]
    Y = rng.uniform(lo, hi, (6, sizes[-1]))
    Y[0] = lo  # exact labels at the ends of the allowed range too
    Y[1] = hi
    for l in range(len(weights)):
        z = handprop.forward(weights[: l + 1], X, activations[: l + 1]).z[l + 1]
        weights[l] = weights[l] * (Z_MAX / np.max(np.abs(z)))
    cast = [w.astype(dtype) for w in weights]
    return cast, X.astype(dtype), Y.astype(dtype), activations, cost


def _finite(label: str, arrays) -> None:
    __tracebackhide__ = True
    for i, a in enumerate(arrays):
        assert np.isfinite(a).all(), f"{label}[{i}] is not finite: {a!r}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("activation", ELEMENTWISE)
def test_saturated_network_is_finite_and_raises_no_floating_point_event(activation, cost, dtype):
    problem = saturated_problem(activation, cost, dtype)
    weights, X, Y, activations, _ = problem
    dtype = np.dtype(dtype)
    with np.errstate(all="raise"):
        fp = handprop.forward(weights, X, activations)
        C = handprop.cost(*problem)
        routes = [handprop.gradients, literal.gradients]
        if Y.shape[1] == 1:
            routes.append(special_cases.one_output_gradients)
        if activation == "sigmoid" and cost in LL_COSTS:
            routes.append(special_cases.sigmoid_log_likelihood_gradients)
        results = {fn.__name__ + fn.__module__: fn(*problem) for fn in routes}
        z_lit, a_lit = literal.forward(weights, X, activations)
    for l in range(1, 4):  # the construction reaches the regime it claims
        assert 0.99 * Z_MAX <= np.max(np.abs(fp.z[l])) <= 1.01 * Z_MAX
    _finite("z", fp.z)
    _finite("a", fp.a)
    _finite("literal z", z_lit)
    _finite("literal a", a_lit)
    assert np.isfinite(C) and C.dtype == dtype, C
    for name, grads in results.items():
        _finite(name, grads)
        assert all(g.dtype == dtype for g in grads), name


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("z_abs", [30.0, 100.0, 700.0, 1e3, 1e4])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_log_likelihood_of_a_saturated_wrong_output_is_minus_abs_z(y, z_abs, dtype):
    """y = 1 with z = -|z|, or y = 0 with z = +|z|: h is wrong and saturated, and
    C = log sigma(-|z|) = -|z| - log(1 + e^{-|z|}), which is -|z| to far below 1e-12
    relative. log(h) would give -inf (h rounds to 0, or 1 - h does)."""
    z = -z_abs if y == 1.0 else z_abs
    weights = [np.array([[z], [0.0]], dtype=dtype)]  # bias z, weight 0: z^1 = z exactly
    X = np.ones((1, 1), dtype=dtype)
    Y = np.full((1, 1), y, dtype=dtype)
    with np.errstate(all="raise"):
        C = handprop.cost(weights, X, Y, ["sigmoid"], "log_likelihood")
        C_bce = handprop.cost(weights, X, Y, ["sigmoid"], "binary_cross_entropy")
        grads = handprop.gradients(weights, X, Y, ["sigmoid"], "log_likelihood")
    with mpmath.workdps(40):
        exact = -mpmath.log(1 + mpmath.exp(mpmath.mpf(z_abs)))  # log sigma(-|z|)
        d = y - 1 / (1 + mpmath.exp(-mpmath.mpf(z)))  # y - h, magnitude ~1
    assert np.isfinite(C) and C.dtype == np.dtype(dtype)
    assert abs(float(C) + z_abs) <= 1e-12 * z_abs
    assert abs(float(C) - float(exact)) <= 1e-12 * z_abs
    assert float(C_bce) == -float(C)
    assert abs(float(grads[0][0, 0]) - float(d)) <= np.finfo(dtype).eps * abs(float(d))


# Saturations each dtype can represent with h (or 1 - h) a normal number.
DELTA_CASES = {
    np.float64: [-30.0, -100.0, -700.0],
    np.float32: [-30.0, -80.0],
}


@pytest.mark.parametrize(
    ("dtype", "z"), [(dt, z) for dt, zs in DELTA_CASES.items() for z in zs],
    ids=lambda x: np.dtype(x).name if isinstance(x, type) else f"z={x:g}",
)
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_output_delta_is_accurate_when_h_is_near_0_or_1(y, z, dtype):
    """d = y - h (seed eq. 13): for y = 0 and h = sigma(z) near 0, d = -h; for y = 1 and
    z = +|z|, d = 1 - h = sigma(-|z|). Either way d must match e^z / (1 + e^z) (mpmath) in
    relative terms, which 1 - h computed from a rounded h cannot (it is 0 for z > 37)."""
    z = z if y == 0.0 else -z
    weights = [np.array([[z], [0.0]], dtype=dtype)]
    X = np.ones((1, 1), dtype=dtype)
    Y = np.full((1, 1), y, dtype=dtype)
    with mpmath.workdps(40):
        t = mpmath.mpf(-abs(z))
        small = float(mpmath.exp(t) / (1 + mpmath.exp(t)))  # h for y = 0, 1 - h for y = 1
    want = small if y == 1.0 else -small
    u = np.finfo(dtype).eps / 2
    args = (weights, X, Y, ["sigmoid"], "log_likelihood")
    with np.errstate(all="raise"):
        routes = {
            "gradients": handprop.gradients(*args),
            "literal": literal.gradients(*args),
            "one_output": special_cases.one_output_gradients(*args),
            "sigmoid_log_likelihood": special_cases.sigmoid_log_likelihood_gradients(*args),
            "bce (negated)": [-g for g in handprop.gradients(*args[:4], "binary_cross_entropy")],
        }
    for name, grads in routes.items():
        for d in (grads[0][0, 0], grads[0][1, 0]):  # bias row: d; weight row: x d with x = 1
            assert d.dtype == np.dtype(dtype)
            assert abs(float(d) - want) <= 4 * u * abs(want), (name, float(d), want)


def test_sigmoid_derivative_a_times_one_minus_a_is_accurate_in_absolute_terms():
    """Hidden layers use f'(z) = a (1 - a) from the stored a (seed eq. 13). As a -> 1, 1 - a
    cancels: its absolute error stays below 2u, but its relative error is unbounded (at
    z = 40, a rounds to 1 and a (1 - a) = 0 against a true 4e-18). The output delta never
    uses it (d = y sigma(-z) - (1 - y) h); see docs/derivation-notes.md."""
    z = np.linspace(-40, 40, 801)
    a = handprop.activations.sigmoid(z)
    got = ACTIVATIONS["sigmoid"].derivative(z, a)
    with mpmath.workdps(40):
        e = [mpmath.exp(-abs(mpmath.mpf(t))) for t in z]
        exact = np.array([float(x / (1 + x) ** 2) for x in e])  # sigma'(z) = e^-|z|/(1+e^-|z|)^2
    u = np.finfo(np.float64).eps / 2
    assert np.max(np.abs(got - exact)) <= 2 * u
    assert got[-1] == 0.0 and exact[-1] > 0  # a(1 - a) at z = 40: all digits lost


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_relatively_accurate_on_both_routes(dtype):
    """Arrays under EXPIT_BELOW elements take scipy's expit, larger ones NumPy's own
    overflow-free formula; each must be within 4 u of sigma(z) in relative terms wherever
    sigma(z) is a normal number (mpmath, 30 digits), and the two must agree there."""
    limit = {np.float32: 85.0, np.float64: 700.0}[dtype]
    n = 2 * handprop.activations.EXPIT_BELOW + 1
    z = np.linspace(-limit, limit, n).astype(dtype)
    with mpmath.workdps(30):
        exact = np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(float(t))))) for t in z])
    u = np.finfo(dtype).eps / 2
    large = handprop.activations.sigmoid(z)  # NumPy's route
    small = np.concatenate(  # expit's route, in pieces under the threshold
        [handprop.activations.sigmoid(piece) for piece in np.array_split(z, 5)]
    )
    assert large.dtype == small.dtype == np.dtype(dtype)
    for got in (large, small):
        rel = np.abs(got.astype(np.float64) - exact) / exact
        assert rel.max() <= 4 * u, float(rel.max() / u)
    assert np.max(np.abs(large.astype(np.float64) - small) / exact) <= 8 * u
