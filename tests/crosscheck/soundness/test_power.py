"""Meta-tests at depth (issue 11): on 10-layer tanh nets (width 32 with P = 32 here; the
issue's width-64, P = 1,000 net in the slow profile), a negated, a zeroed and a 100x first
layer never pass, and the correct gradient never fails, float32 and float64."""

from __future__ import annotations

import pytest

import handprop
from crosscheck.soundness.power import deep_net
from crosscheck.verdict import check_with, oracle_modules

SIZES = (32, *(64,) * 9, 1)
SMALL = (16, *(32,) * 9, 1)


def _first_layer_times(factor: float):
    def fn(weights, X, Y, activations, cost):
        g = handprop.gradients(weights, X, Y, activations, cost)
        g[0] = (g[0] * factor).astype(g[0].dtype)
        return g

    return fn


def _verdicts(sizes: tuple[int, ...], P: int, dtype: str) -> dict[str, str]:
    p = deep_net(sizes, P, dtype)
    judges, confirmers = oracle_modules(["torch"]), oracle_modules(["jax"])
    out = {
        name: check_with(_first_layer_times(f), p, judges, confirmers).status
        for name, f in (("negated", -1.0), ("zeroed", 0.0), ("times 100", 100.0))
    }
    out["correct"] = check_with(handprop.gradients, p, judges, confirmers).status
    return out


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_wrong_first_layers_of_a_deep_net_fail_and_the_right_one_does_not(dtype) -> None:
    got = _verdicts(SMALL, 32, dtype)
    assert got["negated"] == got["zeroed"] == got["times 100"] == "fail", got
    assert got["correct"] != "fail", got


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_issues_net_with_1000_examples(dtype) -> None:
    got = _verdicts(SIZES, 1000, dtype)
    assert got["negated"] == got["zeroed"] == got["times 100"] == "fail", got
    assert got["correct"] != "fail", got
