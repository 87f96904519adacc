"""State and purity (crosscheck.verdict with state checks): a function that changes its
arguments fails naming the argument, a result cached by shape is caught and diagnosed, a
nondeterministic function has both answers judged, a function that draws from the global
random generators is reported, and a timeout is an environment error."""

from __future__ import annotations

import numpy as np
import pytest
from required import require_oracles

import crosscheck
import handprop
from crosscheck import mutants
from crosscheck.errors import TargetTimeout
from crosscheck.problem import make_problem
from crosscheck.verdict import check

require_oracles("torch", "mpmath")


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    return make_problem(
        [rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (5, 2))],
        rng.uniform(-1, 1, (4, 2)),
        rng.uniform(0, 1, (4, 2)),
        ["tanh", "sigmoid"],
        "squared_error",
    )


def test_an_update_step_on_the_callers_weights_fails_naming_them():
    result = check(mutants.inplace_sgd_step, _problem())
    assert result.status == "fail" and "changed its argument weights[" in result.error


def test_a_result_cached_by_shape_is_caught_and_diagnosed():
    mutants.catalogue._FORWARD_CACHE.clear()
    result = check(mutants.shape_keyed_cache, _problem())
    assert result.status == "fail" and "stale" in result.flags
    assert "reverse order" in result.note
    mutants.catalogue._FORWARD_CACHE.clear()
    assert check(mutants.shape_keyed_cache, _problem(), state_checks=False).status == "pass"


def test_a_nondeterministic_function_has_both_answers_judged():
    calls = [0]

    def every_other(weights, X, Y, activations, cost):
        calls[0] += 1
        g = handprop.gradients(weights, X, Y, activations, cost)
        if calls[0] % 3 == 0:  # the decoy, the first, then the second call differ
            g[0] = g[0] * 2
        return g

    result = check(every_other, _problem())
    assert result.status == "fail" and "nondeterministic" in result.flags
    assert "first call: pass" in result.note and "second call: fail" in result.note

    def jitter(weights, X, Y, activations, cost):
        calls[0] += 1
        g = handprop.gradients(weights, X, Y, activations, cost)
        g[1][0, 0] = np.nextafter(g[1][0, 0], np.inf) if calls[0] % 2 else g[1][0, 0]
        return g

    result = check(jitter, _problem())
    assert result.status == "pass" and "nondeterministic" in result.flags


def test_a_function_that_draws_from_the_global_generators_is_reported():
    def noisy(weights, X, Y, activations, cost):
        np.random.random()  # noqa: NPY002
        return handprop.gradients(weights, X, Y, activations, cost)

    result = check(noisy, _problem())
    assert result.status == "pass" and "global random" in result.flags
    assert "global random generators" in result.note


def test_unsupported_skips_the_problem_with_its_reason():
    def declines(weights, X, Y, activations, cost):
        raise crosscheck.Unsupported("no tanh")

    result = check(declines, _problem())
    assert result.status == "skipped" and result.unsupported == "no tanh"
    assert result.passed


def test_a_timeout_is_an_environment_error():
    def hangs(weights, X, Y, activations, cost):
        while True:
            pass

    with pytest.raises(TargetTimeout, match=r"did not return within 0\.3 s"):
        check(hangs, _problem(), timeout=0.3)
