"""verify against torch.autograd.gradcheck: gradcheck through the custom Function checks
handprop's gradient (and catches a wrong one), and the measurement counts what it says."""

from __future__ import annotations

import numpy as np
import pytest
from required import require_oracles

from crosscheck.bench import gradcheck
from crosscheck.problem import make_problem

require_oracles("torch", "jax")


def _problem():
    rng = np.random.default_rng(3)
    weights = [rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (3, 1))]
    X = rng.standard_normal((4, 2))
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return make_problem(weights, X, Y, ["tanh", "sigmoid"], "log_likelihood")


def test_gradcheck_passes_handprop_and_fails_a_wrong_backward(monkeypatch) -> None:
    import handprop

    problem = _problem()
    assert gradcheck.gradcheck_problem(problem)
    right = handprop.gradients
    monkeypatch.setattr(handprop, "gradients", lambda *a: [2 * g for g in right(*a)])
    assert not gradcheck.gradcheck_problem(problem)


def test_measure_reports_per_problem_times_and_their_ratio(monkeypatch) -> None:
    import torch

    threads: list[int] = []
    checked = gradcheck.gradcheck_problem
    monkeypatch.setattr(gradcheck, "gradcheck_problem",
                        lambda p: threads.append(torch.get_num_threads()) or checked(p))
    r = gradcheck.measure(3, rounds=1, warmup=0)
    # gradcheck's torch gets the one thread verify's search gives torch at these sizes
    assert set(threads) == {r["gradcheck_torch_threads"]} == {1}
    assert r["rounds"] == 1 and r["problems"] >= 1 and r["dtype"] == "float64"
    v, g = r["verify_seconds_per_problem"], r["gradcheck_seconds_per_problem"]
    assert v["median"] > 0 and g["median"] > 0
    assert r["ratio"]["median"] == pytest.approx(v["median"] / g["median"])
    with pytest.raises(ValueError, match="examples, rounds"):
        gradcheck.measure(0)
