"""The correctness gate: handprop against every oracle, judged by the error budget.

Each test draws problems (architecture, activations, cost, weight regime, data, dtype)
with crosscheck's strategies, steers the search towards the worst budget ratio with
``hypothesis.target``, and fails with a standalone message and a reproduction.
Meta-tests check the gate itself: deliberately wrong gradients must be caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, find, given, note, settings, target
from hypothesis.errors import NoSuchExample

import handprop
from crosscheck import oracles, pytest_plugin, strategies
from crosscheck.budget import budget
from crosscheck.judge import judge, reference, run_candidate
from crosscheck.problem import Problem
from crosscheck.testing import describe_failure

# Problems the mpmath truth can answer quickly (it is a scalar tape in Python).
TRUTH_SIZES = dict(max_depth=3, max_width=4, max_q=4, max_p=6)


def _oracle_or_skip(name: str):
    mod = oracles.get(name)
    ok, why = mod.available()
    if not ok:
        pytest.skip(f"oracle {name} unavailable: {why}")
    return mod


def _check(candidate_name: str, grads, problem: Problem, oracle_name: str) -> None:
    __tracebackhide__ = True
    b = budget(problem)
    ref = reference(oracle_name, problem, b)
    assume(ref.skipped is None)
    verdict = judge(grads, ref, b)
    pytest_plugin.record(candidate_name, oracle_name, problem, verdict)  # --crosscheck-report
    assume(verdict.skipped is None)
    ratio = verdict.ratio
    target(ratio, label=f"budget ratio vs {oracle_name}")
    note(f"{problem.describe()}: worst ratio {ratio:.3g}")
    if not verdict.passed:
        raise AssertionError(
            describe_failure(
                verdict.comparison,
                problem,
                candidate_name=candidate_name,
                reference_name=oracle_name,
            )
        )


def _handprop(problem: Problem):
    grads, err = run_candidate(handprop.gradients, problem)
    assert err is None, f"handprop.gradients failed on {problem.describe()}: {err}"
    return grads


@pytest.mark.parametrize("oracle_name", ["torch", "jax"])
@given(problem=strategies.problems())
def test_handprop_matches_peer(oracle_name: str, problem: Problem) -> None:
    _oracle_or_skip(oracle_name)
    _check("handprop.gradients", _handprop(problem), problem, oracle_name)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(problem=strategies.problems(**TRUTH_SIZES))
def test_handprop_matches_truth(problem: Problem) -> None:
    _oracle_or_skip("mpmath")
    _check("handprop.gradients", _handprop(problem), problem, "mpmath")


@given(problem=strategies.problems(dtypes=["float64"], max_depth=3, max_width=5, max_p=8))
def test_handprop_matches_finite_differences(problem: Problem) -> None:
    _oracle_or_skip("finite_differences")
    _check("handprop.gradients", _handprop(problem), problem, "finite_differences")


@pytest.mark.parametrize("framework", ["torch", "jax"])
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(problem=strategies.problems(dtypes=["float32"], **TRUTH_SIZES))
def test_framework_float32_matches_truth(framework: str, problem: Problem) -> None:
    """torch and jax in float32, judged against float64 truth with float32's u."""
    mod = _oracle_or_skip(framework)
    _oracle_or_skip("mpmath")
    _check(f"{framework} (float32)", mod.gradients(problem), problem, "mpmath")


# --------------------------------------------------------------------------- meta-tests
# The gate must reject wrong gradients. Each "wrong" function below is a realistic bug;
# Hypothesis must find a problem on which the gate's judgement fails.


def _scaled(weights, X, Y, activations, cost):
    return [g * (1.0 + 1e-6) for g in handprop.gradients(weights, X, Y, activations, cost)]


def _bias_averaged(weights, X, Y, activations, cost):
    grads = handprop.gradients(weights, X, Y, activations, cost)
    for g in grads:
        g[0] /= X.shape[0]
    return grads


def _last_example_dropped(weights, X, Y, activations, cost):
    if X.shape[0] == 1:
        return [np.zeros_like(w) for w in weights]
    return handprop.gradients(weights, X[:-1], Y[:-1], activations, cost)


def _wrong_derivative(weights, X, Y, activations, cost):
    """The hidden layers' derivative taken as 1 - a (tanh's written without the square)."""
    fp = handprop.forward(weights, X, activations)
    delta = handprop.costs.COSTS[cost].delta(
        fp.z[-1],
        fp.a[-1],
        Y,
        handprop.ACTIVATIONS[activations[-1]].derivative if activations[-1] != "softmax" else None,
    )
    grads = []
    for l in range(len(weights) - 1, -1, -1):
        g = np.empty_like(weights[l])
        g[0] = delta.sum(axis=0)
        g[1:] = fp.a[l].T @ delta
        grads.append(g)
        if l > 0:
            delta = (delta @ weights[l][1:].T) * (1.0 - fp.a[l])
    return grads[::-1]


WRONG = {
    "every entry scaled by 1 + 1e-6": _scaled,
    "bias gradients averaged over P": _bias_averaged,
    "last example dropped": _last_example_dropped,
    "hidden derivative 1 - a": _wrong_derivative,
}


def _caught(fn, problem: Problem, oracle_name: str) -> bool:
    grads, err = run_candidate(fn, problem)
    if err is not None:
        return True
    b = budget(problem)
    verdict = judge(grads, reference(oracle_name, problem, b), b)
    return verdict.skipped is None and not verdict.passed


@pytest.mark.parametrize("bug", list(WRONG))
def test_gate_rejects_wrong_gradients(bug: str) -> None:
    _oracle_or_skip("torch")
    strategy = strategies.problems(dtypes=["float64"])
    try:
        found = find(
            strategy,
            lambda p: _caught(WRONG[bug], p, "torch"),
            settings=settings(max_examples=200, database=None, derandomize=True),
        )
    except NoSuchExample:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"the gate let '{bug}' through in 200 float64 examples")
    # The counterexample is shrunk: report it as a reader would see it.
    assert found.depth >= 1


@given(problem=strategies.problems(max_width=6, max_q=6, max_p=6))
def test_gate_accepts_handprop_against_itself_with_rounding(problem: Problem) -> None:
    """The literal loop-by-loop implementation, a different summation order, passes."""
    ref_grads = _handprop(problem)
    lit, err = run_candidate(handprop.literal.gradients, problem)
    assert err is None, err
    from crosscheck.budget import budget
    from crosscheck.compare import compare

    comparison = compare(lit, ref_grads, budget(problem))
    if not comparison.near_kink:
        assert comparison.passed, describe_failure(
            comparison, problem, candidate_name="handprop.literal", reference_name="handprop"
        )
