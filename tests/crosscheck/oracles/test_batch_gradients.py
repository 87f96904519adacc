"""The peer oracles' batches: ``batch_gradients(problems)`` of one family
(crosscheck.problem.family) in one framework call.

What must hold, for torch and jax:

* ``batch_gradients(ps)[i]`` is shaped like ``ps[i].weights``, in their dtype, and equals
  ``gradients(ps[i])`` up to the order of the sums: within the error budget
  (crosscheck.budget, the gate's own measure of rounding) for every drawn problem, and
  within rtol 1e-10 (float64) / 1e-4 (float32) for typical gate-sized ones. jax gives the
  same bits (the same padded program, over a leading batch axis); torch's batched matrix
  products sum in another order (a few ulps of the sums);
* a batch of one, batches whose size is not a batch bucket, and (jax) problems beyond the
  bucket limits, which loop over the exact path;
* a batch of two families, or none, is a ``ValueError`` naming ``problems``;
* jax: a second batch of the same family compiles nothing.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from required import require_oracle

from crosscheck import strategies
from crosscheck.budget import budget
from crosscheck.compare import compare
from crosscheck.oracles import jax_grad
from crosscheck.problem import Problem, family, make_problem
from crosscheck.strategies.data import typical_numbers
from crosscheck.testing import describe_failure

PEERS = ("torch", "jax")

FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


def _family_of(problem: Problem, n: int, seed: int) -> list[Problem]:
    """``problem`` and ``n`` more problems of its family with typical numbers."""
    rng = np.random.default_rng(seed)
    out = [problem]
    for _ in range(n):
        weights, X, Y = typical_numbers(problem.sizes, problem.cost, problem.P, problem.dtype, rng)
        out.append(make_problem(weights, X, Y, problem.activations, problem.cost))
    return out


def _gate_family(
    n: int,
    *,
    sizes: tuple[int, ...] = (3, 5, 4, 2),
    activations: tuple[str, ...] = ("sigmoid", "tanh", "sigmoid"),
    cost: str = "log_likelihood",
    P: int = 8,
    dtype: type = np.float64,
    seed: int = 0,
) -> list[Problem]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        weights, X, Y = typical_numbers(sizes, cost, P, dtype, rng)
        out.append(make_problem(weights, X, Y, activations, cost))
    return out


def _assert_shapes_and_dtypes(got: list[list[np.ndarray]], problems: list[Problem]) -> None:
    assert len(got) == len(problems)
    for i, (grads, p) in enumerate(zip(got, problems, strict=True)):
        assert [g.shape for g in grads] == [w.shape for w in p.weights], f"problem {i}"
        assert [g.dtype for g in grads] == [p.dtype] * p.depth, f"problem {i}"


def _assert_close(
    oracle: ModuleType, got: list[list[np.ndarray]], problems: list[Problem]
) -> None:
    """Each member equals the single path's answer within rtol (typical problems)."""
    _assert_shapes_and_dtypes(got, problems)
    rtol = RTOL[problems[0].dtype]
    for i, (grads, p) in enumerate(zip(got, problems, strict=True)):
        single = oracle.gradients(p)
        scale = max(float(np.max(np.abs(g))) for g in single)
        for l, (a, b) in enumerate(zip(grads, single, strict=True)):
            np.testing.assert_allclose(
                a, b, rtol=rtol, atol=rtol * 1e-2 * scale,
                err_msg=f"{oracle.NAME}: problem {i} layer {l}, {p.describe()}",
            )


@FEW
@given(
    problem=strategies.problems(),
    more=st.integers(2, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_batch_equals_its_members_gradients(problem: Problem, more: int, seed: int) -> None:
    """Every member of a drawn family: the batch's answer is the single answer within the
    error budget (the drawn problem may saturate, where rtol means nothing); jax's is
    the same bits."""
    problems = _family_of(problem, more, seed)
    for name in PEERS:
        oracle = require_oracle(name)
        got = oracle.batch_gradients(problems)
        _assert_shapes_and_dtypes(got, problems)
        for i, (grads, p) in enumerate(zip(got, problems, strict=True)):
            single = oracle.gradients(p)
            if name == "jax":
                assert all(np.array_equal(a, b) for a, b in zip(grads, single, strict=True)), (
                    f"jax: problem {i} of the batch differs from its single call; "
                    f"{p.describe()}"
                )
                continue
            comparison = compare(grads, single, budget(p))
            if not comparison.near_kink:
                assert comparison.passed, describe_failure(
                    comparison, p, candidate_name=f"{name} batch", reference_name=name
                )


@pytest.mark.parametrize("name", PEERS)
@pytest.mark.parametrize(
    ("activations", "cost", "outputs"),
    [
        (("sigmoid", "tanh", "sigmoid"), "log_likelihood", 2),
        (("sigmoid", "gelu", "softmax"), "softmax_cross_entropy", 3),
        (("relu", "elu", "softmax"), "softmax_log_likelihood", 3),
        (("silu", "softplus", "tanh"), "squared_error", 2),
        (("leaky_relu", "identity", "sigmoid"), "binary_cross_entropy", 2),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gate_sized_batches_match_within_rtol(
    name: str, activations: tuple[str, ...], cost: str, outputs: int, dtype: type
) -> None:
    oracle = require_oracle(name)
    problems = _gate_family(
        9, sizes=(3, 5, 4, outputs), activations=activations, cost=cost, dtype=dtype
    )
    _assert_close(oracle, oracle.batch_gradients(problems), problems)


@pytest.mark.parametrize("name", PEERS)
@pytest.mark.parametrize("n", [1, 3, 9])
def test_batches_of_one_and_of_sizes_between_buckets(name: str, n: int) -> None:
    oracle = require_oracle(name)
    problems = _gate_family(n, seed=n)
    _assert_close(oracle, oracle.batch_gradients(problems), problems)


def test_jax_beyond_the_bucket_limits_takes_the_exact_path() -> None:
    require_oracle("jax")
    width = jax_grad.BUCKET_LIMITS["width"] + 16
    problems = _gate_family(3, sizes=(3, width, 2), activations=("tanh", "sigmoid"), P=6)
    assert jax_grad.pad(problems[0]) is None
    got = jax_grad.batch_gradients(problems)
    _assert_shapes_and_dtypes(got, problems)
    for grads, p in zip(got, problems, strict=True):
        assert all(
            np.array_equal(a, b) for a, b in zip(grads, jax_grad._exact_gradients(p), strict=True)
        )


@pytest.mark.parametrize("name", PEERS)
def test_two_families_or_none_are_refused(name: str) -> None:
    oracle = require_oracle(name)
    a = _gate_family(2)
    b = _gate_family(1, P=7)
    assert family(a[0]) != family(b[0])
    with pytest.raises(ValueError, match="problems"):
        oracle.batch_gradients([*a, *b])
    with pytest.raises(ValueError, match="problems"):
        oracle.batch_gradients([a[0], a[1].astype(np.float32)])
    with pytest.raises(ValueError, match="problems"):
        oracle.batch_gradients([])


def test_jax_a_second_batch_of_the_family_compiles_nothing() -> None:
    """Tracing (or loading from the persistent cache) happens for the first batch of a
    family only; a second batch of other numbers, and one of another size in the same
    batch bucket, trace and compile nothing."""
    require_oracle("jax")
    import jax.monitoring
    events: list[str] = []

    def listen(event: str, duration: float, **_: object) -> None:
        if event in (
            "/jax/core/compile/jaxpr_trace_duration",
            "/jax/core/compile/backend_compile_duration",
        ):
            events.append(event)

    kwargs = {"sizes": (2, 6, 3), "activations": ("softplus", "softmax"),
              "cost": "softmax_cross_entropy", "P": 5}
    jax_grad.batch_gradients(_gate_family(8, seed=1, **kwargs))
    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        jax_grad.batch_gradients(_gate_family(8, seed=2, **kwargs))
        jax_grad.batch_gradients(_gate_family(5, seed=3, **kwargs))
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)
    assert events == [], f"a second batch of the family traced or compiled: {events}"


def test_jax_the_padded_batch_members_are_finite_and_discarded() -> None:
    """A batch of 3 runs as a batch of 8 (the bucket): members 3..7 are copies of member
    0, their gradients finite (member 0's bits), and only 3 come back."""
    require_oracle("jax")
    problems = _gate_family(3, cost="softmax_cross_entropy", seed=7,
                            activations=("sigmoid", "tanh", "softmax"), sizes=(3, 5, 4, 3))
    padded = [jax_grad.pad(p) for p in problems]
    assert len(jax_grad.batch_padded_gradients(padded, problems[0].cost)) == 3
    first = padded[0]
    members = [*padded, *([first] * 5)]
    with jax_grad.precision(first.X.dtype):
        full = np.asarray(
            jax_grad._padded_compiled(problems[0].cost)(
                np.stack([m.weights for m in members]), np.stack([m.X for m in members]),
                np.stack([m.Y for m in members]), first.codes, first.units, first.examples,
            )
        )
    assert full.shape[0] == jax_grad.bucket(3, jax_grad.BATCH_MINIMUM) == 8
    assert np.all(np.isfinite(full))
    assert all(np.array_equal(full[k], full[0]) for k in range(3, 8))


def test_an_empty_padded_batch_is_named() -> None:
    require_oracle("jax")
    with pytest.raises(ValueError, match="padded: expected at least one"):
        jax_grad.batch_padded_gradients([], "log_likelihood")
