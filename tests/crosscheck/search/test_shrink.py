"""Shrinking (crosscheck.search.shrink): a failure is reduced to the smallest problem
the bug allows, keeping its kind, and the reductions compute what the network computes.

* realistic bugs are shrunk to the smallest architecture the bug allows (checked in
  tests/crosscheck/mutants/test_catalogue.py, on the same ``verify`` run that checks that
  the bug is caught: one search per mutant);
* :func:`reduce_counterexample` keeps an error an error and a discrepancy a discrepancy;
* "fed layer 1's output as the input" feeds exactly handprop's forward pass (eq. 1),
  computed from crosscheck's own formulas.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from required import require_oracles

import handprop
from crosscheck import mutants
from crosscheck.options import problem_space
from crosscheck.problem import make_problem
from crosscheck.search.shrink import _first_layer_output, reduce_counterexample
from crosscheck.strategies import problems
from crosscheck.verdict import check

require_oracles("torch", "mpmath")

def _still_fails(fn):
    def still_fails(p):
        outcome = check(fn, p)
        return outcome if outcome.status == "fail" else None

    return still_fails


def _problem(sizes=(3, 4, 3, 2), P=5, activations=("tanh", "elu", "identity")):
    rng = np.random.default_rng(7)
    weights = [rng.uniform(-1, 1, (a + 1, b)) for a, b in itertools.pairwise(sizes)]
    X = rng.uniform(-1, 1, (P, sizes[0]))
    Y = rng.uniform(-1, 1, (P, sizes[-1]))
    return make_problem(weights, X, Y, list(activations), "squared_error")


def test_a_discrepancy_is_reduced_to_the_smallest_problem_showing_it():
    fn = mutants.bias_gradient_averaged
    p = _problem()
    outcome = check(fn, p)
    assert outcome.status == "fail" and outcome.error is None
    small, found, steps = reduce_counterexample(p, outcome, _still_fails(fn), problem_space())
    assert small.sizes == (1, 1) and small.P == 2, small.describe()
    assert found.status == "fail" and found.error is None
    assert steps and "fed layer 1's output as the input" in steps


def test_an_error_stays_an_error():
    def fails_when_deep(weights, X, Y, activations, cost):
        if len(weights) >= 2:
            raise RuntimeError("deep networks unsupported")
        return mutants.bias_gradient_averaged(weights, X, Y, activations, cost)

    p = _problem()
    outcome = check(fails_when_deep, p)
    assert outcome.error is not None
    small, found, _ = reduce_counterexample(
        p, outcome, _still_fails(fails_when_deep), problem_space()
    )
    # depth 1 would fail too, but as a discrepancy: the reduction stops at depth 2
    assert small.depth == 2 and small.P == 1 and found.error is not None, small.describe()


@settings(max_examples=40, deadline=None)
@given(problems(min_depth=2))
def test_the_first_layers_output_is_the_forward_pass(p):
    with np.errstate(all="ignore"):
        expected = handprop.forward(list(p.weights[:1]), p.X, list(p.activations[:1])).a[1]
        got = _first_layer_output(p)
    assert got.dtype == p.dtype
    np.testing.assert_array_equal(got, expected)
