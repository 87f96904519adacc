"""The search (crosscheck.search.run): right functions pass, wrong ones fail, a
discrepancy needs a second oracle, options are validated, and the default search is
balanced.

* correct implementations (handprop, the loop-by-loop literal one, a float64-inside one,
  one summing examples in reverse order) pass for several seeds;
* realistic bugs are caught (their minimality: ../mutants/test_catalogue.py);
* a discrepancy is only declared when a second oracle agrees (a wrong oracle is
  "disputed", never blamed on the candidate);
* bad options raise :class:`~crosscheck.errors.UsageError`;
* the measured coverage of a default run has every corner at >= 5 %.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
from required import require_oracles

import crosscheck
import handprop
from crosscheck import mutants
from crosscheck.errors import UsageError
from crosscheck.problem import make_problem
from crosscheck.search import format_result
from crosscheck.search.result import DEFAULT_MAX_EXAMPLES
from crosscheck.search.run import WEIGHT_REGIMES
from crosscheck.spec import ACTIVATION_ORDER, COST_ORDER
from crosscheck.verdict import check, check_with, oracle_modules
from handprop.activations import ELEMENTWISE

require_oracles("torch", "mpmath")

FAST = dict(max_examples=40)
"""A short search for the fast profile (about 1-2 s); the slow tests use the default."""
WORST_RATIO_FLOOR = 0.01
"""The worst budget ratio a correct handprop must reach in a FAST search."""

# ----------------------------------------------------------------------------- helpers


def _float64_inside(weights, X, Y, activations, cost):
    """Correct, and more accurate than needed for float32: upcast, compute, cast back."""
    g = handprop.gradients(
        [w.astype(np.float64) for w in weights],
        X.astype(np.float64),
        Y.astype(np.float64),
        activations,
        cost,
    )
    return [x.astype(X.dtype) for x in g]


def _reversed_examples(weights, X, Y, activations, cost):
    """Correct, with every sum over examples taken one example at a time, last first."""
    total = None
    for p in range(X.shape[0] - 1, -1, -1):
        g = handprop.gradients(weights, X[p : p + 1], Y[p : p + 1], activations, cost)
        total = g if total is None else [a + b for a, b in zip(total, g, strict=True)]
    return total


_C = np.sqrt(2.0 / np.pi)


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


_VALUE = {
    "sigmoid": _sig,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "identity": lambda z: z,
    "softplus": lambda z: np.logaddexp(0, z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "silu": lambda z: z * _sig(z),
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(_C * (z + 0.044715 * z**3))),
}


def _gelu_prime(z):
    t = np.tanh(_C * (z + 0.044715 * z**3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * _C * (1 + 3 * 0.044715 * z**2)


_PRIME = {  # f'(z, a), written the naive textbook way
    "sigmoid": lambda z, a: a * (1 - a),
    "tanh": lambda z, a: 1 - a**2,
    "relu": lambda z, a: (z > 0) * np.ones_like(z),
    "leaky_relu": lambda z, a: np.where(z > 0, 1.0, 0.01) * np.ones_like(z),
    "identity": lambda z, a: np.ones_like(z),
    "softplus": lambda z, a: _sig(z),
    "elu": lambda z, a: np.where(z > 0, np.ones_like(z), a + 1),  # jax's e^z = a + 1
    "silu": lambda z, a: _sig(z) + a * (1 - _sig(z)),
    "gelu": lambda z, a: _gelu_prime(z),
}


def _naive_numpy(weights, X, Y, activations, cost):
    """Correct, written independently with naive textbook formulas (1 / (1 + e^-z),
    y - h, e^z = a + 1, ...), casting every intermediate back to the input dtype."""
    dt = X.dtype
    a, zs = [X], [X]
    for w, name in zip(weights, activations, strict=True):
        z = a[-1] @ w[1:] + w[0]
        if name == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            h = e / e.sum(axis=1, keepdims=True)
        else:
            h = _VALUE[name](z)
        zs.append(z)
        a.append(h.astype(dt))
    h, z = a[-1], zs[-1]
    s = Y.sum(axis=1, keepdims=True)
    d = {
        "log_likelihood": lambda: Y - h,
        "binary_cross_entropy": lambda: h - Y,
        "squared_error": lambda: (h - Y) * _PRIME.get(activations[-1], _PRIME["identity"])(z, h),
        "softmax_log_likelihood": lambda: Y - h * s,
        "softmax_cross_entropy": lambda: h * s - Y,
    }[cost]().astype(dt)
    grads = [None] * len(weights)
    for l in reversed(range(len(weights))):
        g = np.zeros_like(weights[l])
        g[0] = d.sum(axis=0)
        g[1:] = a[l].T @ d
        grads[l] = g
        if l:
            d = ((d @ weights[l][1:].T) * _PRIME[activations[l - 1]](zs[l], a[l])).astype(dt)
    return grads


def _jax_as_candidate(weights, X, Y, activations, cost):
    from crosscheck.oracles import jax_grad

    return jax_grad.gradients(make_problem(weights, X, Y, activations, cost))


# ----------------------------------------------------------------------------- correct code


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_handprop_passes(seed):
    result = crosscheck.verify(handprop.gradients, seed=seed, **FAST)
    assert result.passed, format_result(result)
    assert result.examples == FAST["max_examples"]
    # The budget is not loose: some example comes within WORST_RATIO_FLOOR of it (observed
    # 0.047-0.073 over seeds 0-5; a budget 5x too loose fails here).
    assert WORST_RATIO_FLOOR < result.worst_ratio < 1
    assert result.counterexample is None and result.examples_until_caught is None


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_handprop_passes_the_default_search_for_every_seed(seed):
    result = crosscheck.verify(handprop.gradients, seed=seed)
    assert result.passed, format_result(result)
    assert result.examples == DEFAULT_MAX_EXAMPLES
    assert result.worst_ratio < 1


CORRECT = [_float64_inside, _reversed_examples, _naive_numpy, mutants.textbook]


@pytest.mark.parametrize("fn", CORRECT, ids=lambda f: f.__name__)
def test_differently_written_correct_functions_pass(fn):
    result = crosscheck.verify(fn, seed=3, **FAST)
    assert result.passed, format_result(result)


@pytest.mark.slow
def test_jax_autodiff_as_the_candidate_passes():
    # jax compiles once per architecture (about 0.2 s): a shorter search
    result = crosscheck.verify(_jax_as_candidate, seed=5, max_examples=60)
    assert result.passed, format_result(result)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("fn", CORRECT, ids=lambda f: f.__name__)
def test_differently_written_correct_functions_pass_the_default_search(fn, seed):
    result = crosscheck.verify(fn, seed=seed)
    assert result.passed, format_result(result)


def test_the_literal_transcription_passes_on_small_networks():
    # handprop.literal loops over p, n_l and n_{l+1} in Python: slow, so small sizes.
    result = crosscheck.verify(
        handprop.literal.gradients, max_depth=3, max_width=3, max_p=4, max_q=3, max_examples=30
    )
    assert result.passed, format_result(result)


# ----------------------------------------------------------------------------- wrong code


def test_an_error_only_in_float32_is_caught_in_float32():
    result = crosscheck.verify(mutants.float64_result_for_float32, **FAST)
    cx = result.counterexample
    assert cx is not None and cx.kind == "error" and cx.problem.dtype == np.float32
    assert "expected dtype float32" in cx.outcome.error


def test_exceptions_and_non_finite_outputs_are_failures():
    def raises(weights, X, Y, activations, cost):
        raise RuntimeError("not implemented for " + cost)

    def nan(weights, X, Y, activations, cost):
        g = handprop.gradients(weights, X, Y, activations, cost)
        g[-1][0, 0] = np.nan
        return g

    r1 = crosscheck.verify(raises, **FAST)
    assert (
        not r1.passed and "raised RuntimeError: not implemented" in r1.counterexample.outcome.error
    )
    assert r1.counterexample.problem.sizes == (1, 1) and r1.counterexample.problem.P == 1
    r2 = crosscheck.verify(nan, **FAST)
    assert not r2.passed and "non-finite" in r2.counterexample.outcome.error


def test_restrictions_are_honoured_by_the_search_and_the_reduction():
    def only_tanh_squared_error(weights, X, Y, activations, cost):
        if cost != "squared_error" or set(activations) - {"tanh"} or X.dtype != np.float64:
            raise ValueError(f"unsupported: {activations} {cost} {X.dtype}")
        return mutants.tanh_derivative_one_minus_a(weights, X, Y, activations, cost)

    result = crosscheck.verify(
        only_tanh_squared_error,
        activations="tanh",
        costs=["squared_error"],
        dtypes="float64",
        max_depth=3,
        max_width=4,
        **FAST,
    )
    cx = result.counterexample
    assert cx is not None and cx.kind == "discrepancy", format_result(result)
    assert set(cx.problem.activations) == {"tanh"} and cx.problem.cost == "squared_error"
    assert set(result.coverage["cost"]) == {"squared_error"}
    assert set(result.coverage["dtype"]) == {"float64"}


# ----------------------------------------------------------------------------- oracles


def _fake_oracle(name: str, scale: float):
    """A duck-typed oracle module answering handprop's gradients times ``scale``."""
    return types.SimpleNamespace(
        NAME=name,
        KIND="peer",
        available=lambda: (True, ""),
        gradients=lambda p: [g * scale for g in handprop.gradients(*p.args())],
    )


def _problem():
    rng = np.random.default_rng(1)
    return make_problem(
        [rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (3, 1))],
        rng.uniform(-1, 1, (4, 2)),
        np.array([[0.0], [1.0], [1.0], [0.0]]),
        ["tanh", "sigmoid"],
        "log_likelihood",
    )


def test_a_discrepancy_needs_a_second_oracle_to_agree():
    p = _problem()
    wrong_judge = _fake_oracle("wrong", 1.0 + 1e-6)
    mpmath = oracle_modules(["mpmath"])
    disputed = check_with(handprop.gradients, p, [wrong_judge], mpmath)
    assert disputed.disputed and disputed.status == "pass" and disputed.passed
    assert disputed.oracles == ("wrong", "mpmath")
    confirmed = check_with(mutants.mean_reduced_cost, p, [wrong_judge], mpmath)
    assert confirmed.status == "fail" and confirmed.oracles == ("wrong", "mpmath")
    unconfirmed = check_with(mutants.mean_reduced_cost, p, [wrong_judge], [])
    assert unconfirmed.status == "fail" and "not confirmed" in unconfirmed.note
    assert check(handprop.gradients, p).status == "pass"


def test_check_summary_names_the_failing_elements():
    out = check(mutants.bias_gradient_averaged, _problem())
    text = out.summary()
    assert out.status == "fail" and "bias row 0" in text and "torch" in text


# ----------------------------------------------------------------------------- the search


@pytest.mark.slow
def test_a_default_search_gives_every_corner_a_fair_share():
    result = crosscheck.verify(handprop.gradients, seed=0)
    n = result.examples
    cov = result.coverage
    corners = {
        "depth": [str(d) for d in range(1, 6)],
        "dtype": ["float32", "float64"],
        "cost": list(COST_ORDER),
        "output activation": list(ACTIVATION_ORDER),
        "hidden activation (present)": list(ELEMENTWISE),
        "regime": list(WEIGHT_REGIMES),
        "x kind": ["typical", "zeros", "repeated", "large"],
        "y kind": ["binary", "soft", "typical", "large", "one_hot"],
    }
    for factor, levels in corners.items():
        for level in levels:
            share = cov[factor].get(level, 0) / n
            assert share >= 0.045, f"{factor} = {level}: {share:.1%} of {n} examples"


def test_another_judging_oracle_can_be_chosen():
    result = crosscheck.verify(handprop.gradients, oracle="mpmath", max_examples=10)
    assert result.passed and result.oracle == "mpmath"
    # the confirmer is the first of CONFIRM_ORDER other than the judge: the other truth
    assert result.confirming[0] == "extended" and "mpmath" not in result.confirming
    caught = crosscheck.verify(mutants.dropped_example, oracle="jax", max_examples=10)
    assert not caught.passed and caught.counterexample.outcome.oracles[0] == "jax"


def test_bad_api_options_raise_value_error():
    for kwargs in (
        dict(activations=["relu", "nope"]),
        dict(costs="hinge"),
        dict(dtypes=["int8"]),
        dict(max_examples=0),
        dict(seed=-1),
        dict(oracle="nope"),
    ):
        with pytest.raises(ValueError):
            crosscheck.verify(handprop.gradients, **kwargs)
    with pytest.raises(ValueError, match="fn"):
        crosscheck.verify("not a function")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(activations=["relu", "nope"]), "'nope' unknown"),
        (dict(costs="hinge"), "'hinge' unknown"),
        (dict(dtypes=["int8"]), "dtypes: expected float32 and/or float64"),
        (dict(max_depth=0), "max_depth: expected an integer >= 1"),
        (dict(max_examples=True), "max_examples: expected an integer >= 1"),
        (dict(seed=-1), "seed: expected an integer >= 0"),
        (dict(oracle="nope"), "unknown oracle 'nope'"),
        (dict(activations="sigmoid", costs="softmax_cross_entropy"), "costs: no cost"),
    ],
)
def test_bad_options_are_usage_errors_naming_the_option(kwargs, message):
    with pytest.raises(UsageError, match=message):
        crosscheck.verify(handprop.gradients, **kwargs)


def test_the_order_of_the_dtypes_does_not_change_the_search():
    # The reproduction command leaves out --dtypes when both are given, so both orders
    # must draw the same problems as the default.
    runs = [
        crosscheck.verify(handprop.gradients, dtypes=d, max_examples=5, seed=4)
        for d in (None, "float32,float64", ["float64", "float32"])
    ]
    assert len({r.worst_problem for r in runs}) == 1
    assert all(r.coverage == runs[0].coverage for r in runs)
    assert all(r.options["dtypes"] == ["float64", "float32"] for r in runs)
