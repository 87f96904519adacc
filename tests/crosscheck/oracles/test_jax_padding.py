"""The jax oracle's padded evaluation (crosscheck/oracles/jax_grad.py, module notes).

Small problems are padded to buckets of width, P and depth, with the activations chosen by
integer codes inside one compiled function. What must hold:

* padded examples, units, inputs and layers add *exact* zeros: filling every padded entry
  (weights, X, Y, the pass-through layers) with random values changes no bit of the real
  gradients;
* the padded gradients are the unpadded computation's up to rounding, within the error
  budget (crosscheck.budget), for every cost, activation and dtype;
* one compiled function serves a whole bucket: problems of other activations and other
  shapes in the same buckets compile nothing new;
* problems beyond the bucket limits take the exact-shape path, and are still right.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from required import require_oracle

from crosscheck import strategies
from crosscheck.budget import budget
from crosscheck.compare import compare
from crosscheck.oracles import jax_grad, torch_autograd
from crosscheck.problem import Problem, make_problem
from crosscheck.testing import describe_failure
from handprop import init_weights

pytestmark = pytest.mark.oracles("jax")  # tests/conftest.py: skip, or fail in CI

FEW = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _fill_padding(padded: jax_grad.Padded, problem: Problem, seed: int) -> jax_grad.Padded:
    """A copy of ``padded`` with every entry outside the problem's own arrays replaced by
    random values in [-3, 3] (in the padded dtype)."""
    rng = np.random.default_rng(seed)
    D, L, P = padded.weights.shape[0], problem.depth, problem.P

    def junk(a: np.ndarray, keep: tuple[slice, ...] | None) -> np.ndarray:
        out = rng.uniform(-3.0, 3.0, a.shape).astype(a.dtype)
        if keep is not None:
            out[keep] = a[keep]
        return out

    weights = padded.weights.copy()
    for k in range(D):
        l = k - (D - L)
        if l < 0:  # a pass-through layer: all of it is padding
            weights[k] = junk(weights[k], None)
        else:
            rows, cols = problem.weights[l].shape
            weights[k] = junk(weights[k], (slice(0, rows), slice(0, cols)))
    X = junk(padded.X, (slice(0, P), slice(0, problem.sizes[0])))
    Y = junk(padded.Y, (slice(0, P), slice(0, problem.sizes[-1])))
    return padded._replace(weights=weights, X=X, Y=Y)


def _padding_is_real(padded: jax_grad.Padded, problem: Problem) -> bool:
    """True if the padded problem has any padding at all (units, examples or layers)."""
    return (
        padded.weights.shape[0] > problem.depth
        or padded.X.shape[0] > problem.P
        or padded.weights.shape[2] > min(problem.sizes)
    )


@FEW
@given(problem=strategies.problems(), seed=st.integers(0, 2**32 - 1))
def test_padding_adds_exact_zeros(problem: Problem, seed: int) -> None:
    """Random padding gives the same bits as zero padding: nothing padded reaches a real
    gradient element, not even as a rounding difference."""
    padded = jax_grad.pad(problem)
    assert padded is not None
    assert _padding_is_real(padded, problem)
    zeros = jax_grad.unpad(jax_grad.padded_gradients(padded, problem.cost), problem)
    filled = _fill_padding(padded, problem, seed)
    assert not np.array_equal(filled.X, padded.X) or filled.X.size == problem.X.size
    junk = jax_grad.unpad(jax_grad.padded_gradients(filled, problem.cost), problem)
    for l, (a, b) in enumerate(zip(zeros, junk, strict=True)):
        assert np.array_equal(a, b), (
            f"layer {l}: padding with random values changed the real gradients by up to "
            f"{np.max(np.abs(a - b)):.3g}; {problem.describe()}"
        )


@settings(FEW, max_examples=15)  # the exact-shape path compiles for every problem
@given(problem=strategies.problems())
def test_padded_matches_the_exact_shapes_within_the_budget(problem: Problem) -> None:
    padded = jax_grad.gradients(problem)
    exact = jax_grad._exact_gradients(problem)
    assert [g.dtype for g in padded] == [problem.dtype] * problem.depth
    comparison = compare(padded, exact, budget(problem))
    if not comparison.near_kink:
        assert comparison.passed, describe_failure(
            comparison, problem, candidate_name="jax padded", reference_name="jax exact"
        )


@pytest.mark.parametrize(
    "costs", [("log_likelihood",), ("squared_error",), ("softmax_cross_entropy",)]
)
def test_one_compiled_function_serves_a_bucket(costs: tuple[str, ...]) -> None:
    """Different activations, widths, Q and P within the buckets: one compilation."""
    import jax.monitoring

    compiles = []

    def listen(event: str, duration: float, **_: object) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            compiles.append(duration)

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        hidden = ("tanh", "relu", "gelu", "sigmoid")
        out = {"log_likelihood": ("sigmoid",), "squared_error": ("identity", "elu"),
               "softmax_cross_entropy": ("softmax",)}[costs[0]]
        shapes = [((3, 5, 2, 4), 7), ((8, 1, 8, 2), 16), ((1, 4, 6, 3), 1)]
        seen = []
        for i, (sizes, P) in enumerate(shapes):
            acts = (hidden[i], hidden[i + 1], out[i % len(out)])
            rng = np.random.default_rng(i)
            weights = init_weights(sizes, seed=rng, bias=0.2)
            X = rng.normal(size=(P, sizes[0]))
            Y = rng.uniform(0, 1, size=(P, sizes[-1]))
            problem = make_problem(weights, X, Y, acts, costs[0])
            jax_grad.gradients(problem)
            seen.append(len(compiles))
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)
    assert seen[2] - seen[0] == 0, f"compilations after each problem: {seen}"


def test_a_problem_beyond_the_limits_takes_the_exact_path_and_is_right() -> None:
    width = jax_grad.BUCKET_LIMITS["width"] + 6
    rng = np.random.default_rng(5)
    sizes = (3, width, 2)
    weights = init_weights(sizes, seed=rng, bias=0.3)
    X = rng.normal(size=(6, 3))
    Y = rng.uniform(0, 1, size=(6, 2))
    problem = make_problem(weights, X, Y, ("tanh", "sigmoid"), "log_likelihood")
    assert jax_grad.pad(problem) is None
    got = jax_grad.gradients(problem)
    require_oracle("torch")  # the reference
    comparison = compare(got, torch_autograd.gradients(problem), budget(problem))
    assert comparison.passed, describe_failure(
        comparison, problem, candidate_name="jax", reference_name="torch"
    )


@given(n=st.integers(1, 5000), minimum=st.sampled_from([1, 5, 8, 16]))
def test_buckets_are_at_most_25_percent_above_n(n: int, minimum: int) -> None:
    b = jax_grad.bucket(n, minimum)
    assert b >= max(n, minimum)
    assert b == max(n, minimum) or b <= 1.25 * n or b == minimum
    assert jax_grad.bucket(b, minimum) == b  # a bucket is its own bucket
    assert jax_grad.bucket(n + 1, minimum) >= b  # monotone
