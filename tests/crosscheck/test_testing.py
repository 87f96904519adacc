"""The pytest helpers (crosscheck.testing): ``assert_gradients_match`` returns the result
or raises an ``AssertionError`` carrying the standalone report and the call that reruns
the search."""

from __future__ import annotations

import pytest
from required import require_oracles

import handprop
from crosscheck import mutants, testing

require_oracles("torch", "mpmath")

FAST = dict(max_examples=40)


def test_assert_gradients_match_passes_and_returns_the_result():
    result = testing.assert_gradients_match(handprop.gradients, max_examples=10, seed=5)
    assert result.passed and result.examples == 10


def test_assert_gradients_match_raises_a_standalone_message():
    with pytest.raises(AssertionError) as info:
        testing.assert_gradients_match(mutants.mean_reduced_cost, **FAST)
    message = str(info.value)
    for needle in (
        "FAILED after",
        "minimal counterexample:",
        "first differing element: layer 0",
        "expected",
        "oracles that agree it is wrong",
        "problem = make_problem(",
        "print(check(fn, problem).summary())",
        "crosscheck.verify(fn, seed=0, max_examples=40)",
    ):
        assert needle in message, f"{needle!r} missing from:\n{message}"
