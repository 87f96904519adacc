"""The training loops: handprop, torch and jax training the same nets from the same start.

* the first N steps agree: at each of handprop's weights w_t (t < N) the torch and jax
  gradients are within the error budget of handprop's;
* from the documented seed torch and jax solve XOR too, at the same step as handprop;
* the runs leave jax's x64 flag and torch's thread count as they found them.
"""

from __future__ import annotations

import numpy as np
import pytest
from required import require_oracles

import handprop
from crosscheck import oracles
from crosscheck.budget import budget
from crosscheck.compare import compare
from crosscheck.problem import make_problem
from crosscheck.testing import describe_failure
from crosscheck.trajectory import build, nets, runners
from crosscheck.trajectory import divergence as D

require_oracles("torch", "jax")

N_STEPS = 20
"""Length of the first-steps checks."""

FRAMEWORKS = ["torch", "jax"]
DTYPES = ["float32", "float64"]
NET_IDS = [n.name for n in nets.NETS]


def _history_problems(problem, history):
    shapes = [w.shape for w in problem.weights]
    for t, row in enumerate(history):
        w = nets.unflatten(row, shapes)
        yield t, make_problem(w, problem.X, problem.Y, problem.activations, problem.cost)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("net", nets.NETS, ids=NET_IDS)
def test_first_steps_gradients_within_budget(net, dtype, framework):
    p = nets.net_problem(net, np.dtype(dtype))
    hp = runners.run_handprop(p, learning_rate=net.learning_rate, steps=N_STEPS)
    oracle = oracles.get(framework)
    for t, pt in _history_problems(p, hp.weights[:N_STEPS]):
        ours = handprop.gradients(*pt.args())
        theirs = oracle.gradients(pt)
        c = compare(theirs, ours, budget(pt))
        assert c.passed, describe_failure(
            c, pt, candidate_name=framework, reference_name="handprop",
            dtype_note=f", {net.name} after {t} training steps",
        )  # fmt: skip


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_frameworks_solve_xor_at_the_same_step_as_handprop(framework):
    steps = 400
    for net in nets.NETS:
        for dtype in DTYPES:
            p = nets.net_problem(net, np.dtype(dtype))
            hp = runners.run_handprop(p, learning_rate=net.learning_rate, steps=steps)
            fw = runners.RUNNERS[framework](p, learning_rate=net.learning_rate, steps=steps)
            ok_hp, ok_fw = D.solved_steps(p, hp.weights), D.solved_steps(p, fw.weights)
            assert not ok_fw[0] and ok_fw[-1], f"{framework} {dtype} {net.name}: not solved"
            assert np.argmax(ok_fw) == np.argmax(ok_hp), (framework, dtype, net.name)


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["handprop", *FRAMEWORKS])
def test_documented_runs_solve_xor_and_stay_close(framework):
    for net in nets.NETS:
        for dtype in DTYPES:
            p = nets.net_problem(net, np.dtype(dtype))
            fw = runners.RUNNERS[framework](p, learning_rate=net.learning_rate,
                                            steps=build.DEFAULT_STEPS)  # fmt: skip
            assert D.solved_steps(p, fw.weights[-1:])[0], (framework, dtype, net.name)
            if framework != "handprop":
                hp = runners.run_handprop(p, learning_rate=net.learning_rate,
                                          steps=build.DEFAULT_STEPS)  # fmt: skip
                d = D.divergence(fw.weights, hp.weights)
                assert D.first_exceeding(d.rel, D.THRESHOLDS[dtype]) is None


def test_scoped_global_state_is_restored():
    import jax
    import torch

    p = nets.net_problem(nets.NETS[0], np.float64)
    x64, threads = bool(jax.config.jax_enable_x64), torch.get_num_threads()
    runners.run_jax(p, learning_rate=0.5, steps=3)
    runners.run_torch(p, learning_rate=0.5, steps=3)
    assert bool(jax.config.jax_enable_x64) == x64
    assert torch.get_num_threads() == threads
