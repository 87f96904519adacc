"""The norm-wise bound of the running error analysis (crosscheck/budget/analysis.py) is
applied at every depth from 3, also where the signed Jacobian window spans the whole net:
there too it can be far the smaller bound (found by mutation testing, docs/mutation.md,
mutants ``x__chunk__mutmut_33``/``_38``/``_41``/``_42``). Both bounds are valid, so S is
their minimum: never larger than either, and sharper than the window alone on some nets.
"""

from __future__ import annotations

import numpy as np
import pytest

from crosscheck.budget import analysis, chains
from crosscheck.budget.values import values
from crosscheck.problem import make_problem

ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity", "softplus", "elu", "gelu", "silu",
               "leaky_relu")


def _nets(count: int = 150):
    """Random squared-error nets of depth 3-6, widths 1-5, P 1-4, weights at scales
    0.3, 1 and 3 (a fixed generator: the same nets every run)."""
    rng = np.random.default_rng(1)
    for _ in range(count):
        L = int(rng.integers(3, 7))
        sizes = [int(rng.integers(1, 6)) for _ in range(L + 1)]
        scale = float(rng.choice([0.3, 1.0, 3.0]))
        w = [rng.normal(size=(sizes[i] + 1, sizes[i + 1])) * scale for i in range(L)]
        acts = [str(rng.choice(ACTIVATIONS)) for _ in range(L - 1)] + ["identity"]
        P = int(rng.integers(1, 5))
        X, Y = rng.normal(size=(P, sizes[0])), rng.normal(size=(P, sizes[-1]))
        yield make_problem(w, X, Y, acts, "squared_error")


def _scale(p):
    return analysis.scale(values(p), p.activations, p.cost, 2.0**-53, 1e-300, dtype="float64")


def test_the_norm_wise_bound_sharpens_s_where_the_window_spans_the_net(monkeypatch) -> None:
    spanning, ratios = 0, []
    for p in _nets():
        with_norms = _scale(p)
        if with_norms.window != p.depth - 1:  # only nets the window spans
            continue
        spanning += 1
        with monkeypatch.context() as m:
            m.setattr(chains, "step_norms", lambda W, fp: [None] * len(W))
            window_only = _scale(p)
        for a, b in zip(with_norms.S, window_only.S, strict=True):
            assert np.all(a <= b), "S with both bounds is larger than with one of them"
            ratios.append(float(np.min(a / b)))
    assert spanning >= 50, f"only {spanning} of 150 nets had a spanning window"
    # the bound earns its place: more than 2x sharper somewhere, on several nets
    assert sum(r < 0.5 for r in ratios) >= 3, sorted(ratios)[:5]


@pytest.mark.parametrize("depth", [1, 2])
def test_no_norm_wise_bound_below_depth_3(depth: int, monkeypatch) -> None:
    """At depth 1 and 2 there is no product of two hidden steps to bound: step_norms is
    not called (and S does not depend on it)."""
    calls = []
    real = chains.step_norms

    def counting(W, fp):
        calls.append(len(W))
        return real(W, fp)

    rng = np.random.default_rng(depth)
    sizes = [3, 4, 2][: depth + 1]
    w = [rng.normal(size=(sizes[i] + 1, sizes[i + 1])) for i in range(depth)]
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, sizes[-1]))
    p = make_problem(w, X, Y, ("tanh",) * (depth - 1) + ("identity",), "squared_error")
    monkeypatch.setattr(chains, "step_norms", counting)
    _scale(p)
    assert calls == []
    # the same check sees a call at depth 3
    w3 = [rng.normal(size=(4, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))]
    q = make_problem(w3, X, rng.normal(size=(5, 2)), ("tanh", "tanh", "identity"),
                     "squared_error")
    _scale(q)
    assert calls == [3]
