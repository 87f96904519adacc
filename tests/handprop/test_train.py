"""handprop.train: gradient ascent on the seed's log-likelihood (descent on a loss).

What is checked here, all in NumPy except the last group:

* from the documented seed and learning rate the 2-2-1 sigmoid net of seed section 5
  solves XOR (every output on the right side of 0.5) in float32 and float64, and C rises;
* one step is exactly ``w + lr dC/dw`` (ascent) for the log-likelihood and exactly
  ``w - lr dC/dw`` for binary cross-entropy; the two costs being negatives of each other,
  their trajectories are bitwise identical;
* momentum follows the heavy-ball rule written out by hand, and equals
  ``torch.optim.SGD(momentum=mu, maximize=True)`` fed the same gradients;
* dtype, checkpoints, immutability of the inputs, and the argument errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from required import require_oracle

import handprop
from handprop.train import (
    XOR_LEARNING_RATE,
    XOR_SEED,
    XOR_STEPS,
    Trajectory,
    solved,
    train,
    xor_problem,
)

DTYPES = [np.float32, np.float64]


def _first_solved(problem, tr: Trajectory) -> int | None:
    for t in sorted(tr.checkpoints):
        if solved(tr.checkpoints[t], problem.X, problem.Y, problem.activations):
            return t
    return None


@pytest.mark.parametrize("dtype", DTYPES)
def test_documented_seed_solves_xor(dtype):
    p = xor_problem(dtype)
    assert not solved(p.weights, p.X, p.Y, p.activations), "XOR must not be solved at init"
    tr = train(
        *p,
        learning_rate=XOR_LEARNING_RATE,
        steps=XOR_STEPS,
        checkpoints=range(0, XOR_STEPS + 1, 50),
    )
    assert solved(tr.weights, p.X, p.Y, p.activations), (
        f"handprop {np.dtype(dtype)} did not solve XOR from seed {XOR_SEED} with learning "
        f"rate {XOR_LEARNING_RATE} in {XOR_STEPS} steps; outputs "
        f"{handprop.forward(tr.weights, p.X, p.activations).a[-1].ravel()}"
    )
    first = _first_solved(p, tr)
    assert first is not None and first <= XOR_STEPS // 10
    # Once solved it stays solved (checked every 50 steps), and C only rises.
    assert all(
        solved(tr.checkpoints[t], p.X, p.Y, p.activations)
        for t in tr.checkpoints
        if t >= first
    )
    assert np.all(np.diff(tr.costs) >= 0), "gradient ascent with this lr must not lower C"
    assert tr.costs[-1] > -0.01 > tr.costs[0]


def _manual(p, lr, steps, mu=0.0):
    """The update rule written out in float64 scalars' dtype, one layer at a time."""
    sign = handprop.COSTS[p.cost].sign
    w = [a.copy() for a in p.weights]
    v = [np.zeros_like(a) for a in w]
    for _ in range(steps):
        g = handprop.gradients(w, p.X, p.Y, list(p.activations), p.cost)
        v = [mu * vl + gl for vl, gl in zip(v, g, strict=True)]
        w = [wl + (sign * lr) * vl for wl, vl in zip(w, v, strict=True)]
    return w


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_step_is_exactly_an_ascent_step(dtype):
    p = xor_problem(dtype)
    g = handprop.gradients(p.weights, p.X, p.Y, list(p.activations), p.cost)
    tr = train(*p, learning_rate=0.5, steps=1)
    for l, (w1, w0, gl) in enumerate(zip(tr.weights, p.weights, g, strict=True)):
        expected = w0 + 0.5 * gl
        assert w1.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(w1, expected, err_msg=f"layer {l}: not w + lr g")
        assert not np.array_equal(w1, w0 - 0.5 * gl)
    assert tr.costs[0] == handprop.cost(p.weights, p.X, p.Y, list(p.activations), p.cost)
    assert tr.costs[1] == handprop.cost(tr.weights, p.X, p.Y, list(p.activations), p.cost)


@pytest.mark.parametrize("dtype", DTYPES)
def test_loss_descends_log_likelihood_ascends_bitwise_same_path(dtype):
    p = xor_problem(dtype)
    ll = train(*p, learning_rate=0.5, steps=60)
    bce = train(p.weights, p.X, p.Y, p.activations, "binary_cross_entropy",
                learning_rate=0.5, steps=60)  # fmt: skip
    np.testing.assert_array_equal(bce.costs, -ll.costs)
    for a, b in zip(ll.weights, bce.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.all(np.diff(bce.costs) <= 0), "descent on a loss must lower it"


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    lr=st.sampled_from([0.125, 0.3, 0.5, 1.0]),
    mu=st.sampled_from([0.0, 0.5, 0.9]),
    steps=st.integers(0, 12),
    dtype=st.sampled_from(DTYPES),
)
def test_matches_the_update_rule_written_out(seed, lr, mu, steps, dtype):
    p = xor_problem(dtype, seed=seed)
    tr = train(*p, learning_rate=lr, momentum=mu, steps=steps)
    expected = _manual(p, lr, steps, mu)
    for a, b in zip(tr.weights, expected, strict=True):
        assert a.dtype == b.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(a, b)
    assert tr.costs.shape == (steps + 1,)


def test_momentum_changes_the_path_and_zero_momentum_does_not():
    p = xor_problem(np.float64)
    plain = train(*p, learning_rate=0.5, steps=20)
    zero = train(*p, learning_rate=0.5, steps=20, momentum=0.0)
    heavy = train(*p, learning_rate=0.5, steps=20, momentum=0.9)
    np.testing.assert_array_equal(plain.costs, zero.costs)
    assert not np.allclose(plain.costs, heavy.costs)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_checkpoints_and_inputs_untouched(dtype):
    p = xor_problem(dtype)
    before = [w.copy() for w in p.weights]
    tr = train(*p, learning_rate=1.0, steps=30, checkpoints=[0, 7, 30, 7])
    assert sorted(tr.checkpoints) == [0, 7, 30]
    assert tr.costs.dtype == np.dtype(dtype) and tr.costs.shape == (31,)
    for t, ws in tr.checkpoints.items():
        assert [w.dtype for w in ws] == [np.dtype(dtype)] * 2, t
    for a, b, c in zip(tr.checkpoints[0], before, p.weights, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(c, b)  # the caller's arrays were not modified
    for a, b in zip(tr.checkpoints[30], tr.weights, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a is not b
    assert tr.costs[7] == handprop.cost(tr.checkpoints[7], p.X, p.Y, list(p.activations), p.cost)


def test_xor_problem_dtypes_share_the_draw():
    p64, p32 = xor_problem(np.float64), xor_problem(np.float32)
    for a, b in zip(p64.weights, p32.weights, strict=True):
        np.testing.assert_array_equal(a.astype(np.float32), b)
    assert p64.X.shape == (4, 2) and p64.Y.shape == (4, 1)
    assert p64.activations == ("sigmoid", "sigmoid") and p64.cost == "log_likelihood"
    assert [w.shape for w in p64.weights] == [(3, 2), (3, 1)]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"steps": -1}, "steps"),
        ({"steps": 2.0}, "steps"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": -0.5}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"momentum": 1.0}, "momentum"),
        ({"momentum": -0.1}, "momentum"),
        ({"checkpoints": [11]}, "checkpoints"),
        ({"checkpoints": [-1]}, "checkpoints"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, name):
    p = xor_problem()
    args = {"learning_rate": 0.5, "steps": 10, **kwargs}
    with pytest.raises(ValueError, match=f"^{name}:"):
        train(*p, **args)


def test_bad_problem_is_rejected():
    p = xor_problem()
    with pytest.raises(ValueError, match=r"^X:"):
        train(p.weights, p.X[:, :1], p.Y, p.activations, p.cost, learning_rate=0.5, steps=1)
    with pytest.raises(ValueError, match=r"^cost:"):
        train(p.weights, p.X, p.Y, p.activations, "nope", learning_rate=0.5, steps=1)


def test_divergence_to_infinity_is_reported():
    p = xor_problem()
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(ValueError, match=r"learning_rate: .*non-finite"),
    ):
        train(p.weights, p.X, p.Y * 50.0, ["sigmoid", "identity"], "squared_error",
              learning_rate=1e3, steps=200)  # fmt: skip


# --------------------------------------------------------------------------- torch


def _torch_sgd(p, lr, steps, mu, **sgd_kwargs):
    """torch.optim.SGD fed handprop's gradients at torch's own current weights."""
    require_oracle("torch")
    import torch

    params = [torch.tensor(w).requires_grad_(True) for w in p.weights]
    opt = torch.optim.SGD(params, lr=lr, momentum=mu, maximize=True, **sgd_kwargs)
    hist = [np.concatenate([w.ravel() for w in p.weights])]
    for _ in range(steps):
        w_now = [q.detach().numpy().copy() for q in params]
        g = handprop.gradients(w_now, p.X, p.Y, list(p.activations), p.cost)
        for q, gl in zip(params, g, strict=True):
            q.grad = torch.tensor(gl)
        opt.step()
        hist.append(np.concatenate([q.detach().numpy().ravel() for q in params]))
    return np.stack(hist)


def _handprop_history(p, lr, steps, mu):
    tr = train(*p, learning_rate=lr, steps=steps, momentum=mu, checkpoints=range(steps + 1))
    return np.stack([np.concatenate([w.ravel() for w in tr.checkpoints[t]])
                     for t in range(steps + 1)])  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
def test_momentum_equals_torch_sgd_momentum(dtype):
    """Same gradient function, so only the update arithmetic can differ: rounding of
    ``w + lr v`` (torch may fuse it into an FMA), propagated through the gradient. The
    bound is :func:`crosscheck.trajectory.divergence_bound` without the gradient budget."""
    from crosscheck.problem import make_problem
    from crosscheck.trajectory import divergence_bound

    p = xor_problem(dtype)
    lr, mu, steps = 0.5, 0.9, 40
    ours = _handprop_history(p, lr, steps, mu)
    theirs = _torch_sgd(p, lr, steps, mu)
    bound = divergence_bound(
        make_problem(*p), ours, learning_rate=lr, momentum=mu, gradient_budget=False
    )
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    assert np.all(diff <= bound), (
        f"handprop momentum differs from torch SGD(momentum={mu}) beyond rounding: "
        f"max excess {np.max(diff - bound):.3g} at step "
        f"{int(np.argmax(np.max(diff - bound, axis=1)))}"
    )
    # The bound is tight enough to mean something: a few ulps of the weights.
    assert np.max(bound[-1]) < 1e4 * np.finfo(dtype).eps * np.max(np.abs(ours[-1]))


def test_momentum_check_catches_a_different_rule():
    """Nesterov momentum (or dampening) is another optimiser: the same check must fail."""
    from crosscheck.problem import make_problem
    from crosscheck.trajectory import divergence_bound

    p = xor_problem(np.float64)
    lr, mu, steps = 0.5, 0.9, 10
    ours = _handprop_history(p, lr, steps, mu)
    bound = divergence_bound(
        make_problem(*p), ours, learning_rate=lr, momentum=mu, gradient_budget=False
    )
    for kwargs in ({"nesterov": True}, {"dampening": 1e-6}):
        theirs = _torch_sgd(p, lr, steps, mu, **kwargs)
        assert np.any(np.abs(ours - theirs) > bound), kwargs
