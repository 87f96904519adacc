"""crosscheck's own specification agrees with handprop's registries, and its formulas are
right: the checker keeps a vocabulary of its own (tests/crosscheck/test_imports.py makes
sure it never borrows handprop's), so the two must be compared here."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import handprop
from crosscheck import spec
from handprop import activations as hp_activations
from handprop import costs as hp_costs

Z = np.concatenate([np.linspace(-40.0, 40.0, 801), [-700.0, -1e-300, 0.0, 1e-300, 700.0]])


def test_the_activation_names_agree() -> None:
    assert set(spec.ELEMENTWISE) == set(hp_activations.ELEMENTWISE)
    assert spec.OUTPUT_ONLY == hp_activations.OUTPUT_ONLY
    assert spec.LEAKY_RELU_SLOPE == hp_activations.LEAKY_RELU_SLOPE
    assert spec.ACTIVATION_ORDER[0] == "identity" and spec.ACTIVATION_ORDER[-1] == "softmax"


def test_the_costs_agree() -> None:
    assert tuple(spec.COSTS) == tuple(hp_costs.COSTS)
    for name, cost in spec.COSTS.items():
        theirs = hp_costs.COSTS[name]
        assert set(cost.outputs) == set(theirs.outputs), name
        assert cost.labels == theirs.labels, name
        assert cost.sign == theirs.sign, name
        assert cost.labels in spec.LABEL_RULES


@pytest.mark.parametrize("name", spec.ELEMENTWISE)
def test_the_formulas_agree_with_handprop(name: str) -> None:
    """Values and first derivatives within 4 ulps of handprop's on [-40, 40] and the
    extremes (both are accurate; they may differ in their last bits)."""
    act = hp_activations.ACTIVATIONS[name]
    a, theirs_a = spec.value(name, Z), act.value(Z)
    np.testing.assert_array_max_ulp(a, theirs_a, maxulp=4)
    np.testing.assert_array_max_ulp(
        spec.derivative(name, Z, a), act.derivative(Z, theirs_a), maxulp=4
    )


def _mp(name: str, z: float, order: int) -> float:
    with mpmath.workdps(40):
        x = mpmath.mpf(z)
        f = {
            "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t)),
            "tanh": mpmath.tanh,
            "identity": lambda t: t,
            "softplus": lambda t: mpmath.log1p(mpmath.exp(t)),
            "elu": lambda t: t if t > 0 else mpmath.expm1(t),
            "silu": lambda t: t / (1 + mpmath.exp(-t)),
            "gelu": lambda t: t / 2 * (1 + mpmath.tanh(spec.GELU_C * (t + spec.GELU_A * t**3))),
            "relu": lambda t: max(t, 0),
            "leaky_relu": lambda t: t if t > 0 else spec.LEAKY_RELU_SLOPE * t,
        }[name]
        return float(mpmath.diff(f, x, order)) if order else float(f(x))


@pytest.mark.parametrize("name", spec.ELEMENTWISE)
@pytest.mark.parametrize("z", [-7.5, -1.25, -0.3, 0.4, 2.0, 9.0])
def test_value_and_derivatives_against_mpmath(name: str, z: float) -> None:
    """Away from kinks, f, f' and f'' match 40-digit mpmath to ~1e-13 relative."""
    x = np.array([z])
    a = spec.value(name, x)
    for got, order in (
        (a, 0),
        (spec.derivative(name, x, a), 1),
        (spec.second_derivative(name, x, a), 2),
    ):
        want = _mp(name, z, order)
        assert abs(float(got[0]) - want) <= 1e-13 * max(1.0, abs(want)), (name, z, order)


def test_softmax_and_log_softmax_are_stable() -> None:
    z = np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]])
    s = spec.softmax(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0)
    assert s[0, 0] == 1.0 and s[0, 2] == 0.0
    assert np.isfinite(spec.log_softmax(z)).all()
    np.testing.assert_allclose(s[1], 1 / 3)


@pytest.mark.parametrize(
    ("activations", "cost", "message"),
    [
        (["sigmoid"], "hinge", "cost: unknown cost"),
        (["softmax", "sigmoid"], "log_likelihood", "only allowed at the output"),
        (["swish", "sigmoid"], "log_likelihood", "unknown activation 'swish'"),
        (["tanh"], "log_likelihood", "not allowed with cost 'log_likelihood'"),
        (["sigmoid"], "softmax_cross_entropy", "expected softmax"),
        (["relu", "nope"], "squared_error", "unknown output activation 'nope'"),
        ([], "squared_error", "one name per layer"),
    ],
)
def test_check_names_says_what_is_wrong(activations, cost, message) -> None:
    with pytest.raises(ValueError, match=message):
        spec.check_names(activations, cost)


def test_handprop_accepts_exactly_what_the_spec_accepts() -> None:
    """Every (hidden, output, cost) the spec allows, handprop computes; what the spec
    refuses, handprop refuses too."""
    rng = np.random.default_rng(0)
    w = [rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (3, 2))]
    X, Y = rng.uniform(-1, 1, (4, 2)), np.array([[0.0, 1.0]] * 4)
    for cost in spec.COSTS:
        for out in spec.ACTIVATION_ORDER:
            for hidden in ("softmax", "tanh"):
                acts = [hidden, out]
                try:
                    spec.check_names(acts, cost)
                    allowed = True
                except ValueError:
                    allowed = False
                try:
                    handprop.gradients(w, X, Y, acts, cost)
                    computed = True
                except ValueError:
                    computed = False
                assert allowed == computed, (acts, cost, allowed, computed)
