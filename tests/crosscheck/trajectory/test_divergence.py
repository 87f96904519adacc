"""Divergence, thresholds and the first-steps bound.

* the frameworks' weight trajectories stay within :func:`divergence_bound` (the per-step
  budgets and update roundings, propagated through the Hessian) over the first N steps;
* that check can fail: a learning rate off by a relative 1e-6 (float64) or 1e-3 (float32)
  breaks the bound, and in float64 also crosses the report's threshold;
* :func:`divergence` and :func:`first_exceeding` on a hand-made example.
"""

from __future__ import annotations

import numpy as np
import pytest
from required import require_oracles

from crosscheck.trajectory import divergence as D
from crosscheck.trajectory import nets, runners

require_oracles("torch", "jax")

N_STEPS = 20
"""Length of the first-steps checks."""

FRAMEWORKS = ["torch", "jax"]
DTYPES = ["float32", "float64"]


# Momentum on the 2-2-1 net only (it exercises the same code on the deeper one).
_BOUND_CASES = [(nets.NETS[0], 0.9), *((net, 0.0) for net in nets.NETS)]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("net", "momentum"), _BOUND_CASES, ids=[f"{n.name}-mu{m:g}" for n, m in _BOUND_CASES]
)
def test_first_steps_weights_within_accumulated_bound(net, momentum, dtype, framework):
    p = nets.net_problem(net, np.dtype(dtype))
    kw = {"learning_rate": net.learning_rate, "steps": N_STEPS, "momentum": momentum}
    hp = runners.run_handprop(p, **kw)
    fw = runners.RUNNERS[framework](p, **kw)
    assert fw.weights.dtype == hp.weights.dtype == np.dtype(dtype)
    assert fw.weights.shape == hp.weights.shape == (N_STEPS + 1, sum(w.size for w in p.weights))
    np.testing.assert_array_equal(fw.weights[0], hp.weights[0])
    bound = D.divergence_bound(p, hp.weights, learning_rate=net.learning_rate,
                               momentum=momentum)  # fmt: skip
    diff = np.abs(fw.weights.astype(np.float64) - hp.weights.astype(np.float64))
    excess = diff - bound
    assert np.all(excess <= 0), (
        f"{framework} {dtype} {net.name} (momentum {momentum}): weights leave the "
        f"accumulated error bound at step {int(np.argmax(excess.max(axis=1) > 0))}; "
        f"max |diff| / bound = {np.max(diff / np.where(bound > 0, bound, np.inf)):.3g}"
    )
    # Not vacuous: after N steps the bound is a small multiple of the per-step budgets.
    rel = bound[-1].max() / np.abs(hp.weights[-1].astype(np.float64)).max()
    assert rel < 1e4 * N_STEPS * np.finfo(dtype).eps
    # The costs agree as well as the weights do (C is a smooth function of them).
    np.testing.assert_allclose(fw.costs, hp.costs, rtol=1e3 * np.finfo(dtype).eps)


@pytest.mark.parametrize(
    ("dtype", "relative_error"), [("float64", 1e-6), ("float32", 1e-3)]
)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_bound_catches_a_learning_rate_off_by_a_little(framework, dtype, relative_error):
    """Meta-test: the check above must fail for a framework whose lr is slightly off."""
    net = nets.NETS[0]
    p = nets.net_problem(net, np.dtype(dtype))
    lr = net.learning_rate
    hp = runners.run_handprop(p, learning_rate=lr, steps=N_STEPS)
    bad = runners.RUNNERS[framework](p, learning_rate=lr * (1 + relative_error), steps=N_STEPS)
    bound = D.divergence_bound(p, hp.weights, learning_rate=lr)
    diff = np.abs(bad.weights.astype(np.float64) - hp.weights.astype(np.float64))
    assert np.any(diff > bound), f"lr off by {relative_error:g} was not caught"
    if dtype == "float64":
        d = D.divergence(bad.weights, hp.weights)
        assert D.first_exceeding(d.rel, D.THRESHOLDS[dtype]) == 1


def test_divergence_and_first_exceeding():
    ref = np.array([[1.0, -2.0], [1.0, -4.0], [0.0, 0.0]])
    cand = np.array([[1.0, -2.0], [1.5, -4.0], [0.0, 0.0]])
    d = D.divergence(cand, ref)
    np.testing.assert_array_equal(d.abs, [0.0, 0.5, 0.0])
    np.testing.assert_array_equal(d.rel, [0.0, 0.125, 0.0])
    assert D.first_exceeding(d.rel, 0.1) == 1
    assert D.first_exceeding(d.rel, 0.2) is None
    assert D.first_exceeding(np.array([0.0, np.nan]), 1.0) == 1
    with pytest.raises(ValueError, match=r"^candidate:"):
        D.divergence(cand[:2], ref)
