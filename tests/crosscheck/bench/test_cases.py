"""The bench's workload: the timed calls compute the gradient they claim to, in the dtype
they claim, and the FLOP count is that of handprop's matrix products."""

from __future__ import annotations

import numpy as np
import pytest
from required import require_oracles, require_package

from crosscheck.bench import cases
from crosscheck.budget import budget
from crosscheck.compare import compare
from crosscheck.problem import make_problem
from crosscheck.testing import describe_failure

require_oracles("torch", "jax")
require_package("threadpoolctl")

TINY = cases.CASES[0]
SMALL = cases.CASES[1]


def _gradients_of(name: str, case: cases.BenchCase, dtype: str) -> list[np.ndarray]:
    """What the bench's timed call for ``name`` returns, as NumPy arrays."""
    weights, X, Y = cases.make_arrays(case, dtype)
    with cases.jax_x64():  # the bench times jax with x64 enabled once, as its users do
        out = cases.MAKERS[name](case, weights, X, Y)()
    return [np.asarray(g.detach().numpy() if hasattr(g, "detach") else g) for g in out]


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("case", [TINY, SMALL, cases.CASES[-1]._replace(sizes=(5, 7, 6, 3), P=9)],
                         ids=lambda c: c.name)
def test_the_timed_calls_compute_the_gradient(case: cases.BenchCase, dtype: str) -> None:
    """handprop, torch and jax as timed compute the same gradient (within the budget):
    the bench times the computation it claims to, in the dtype it claims."""
    weights, X, Y = cases.make_arrays(case, dtype)
    problem = make_problem(weights, X, Y, case.activations, case.cost)
    ours = _gradients_of("handprop", case, dtype)
    assert [g.dtype for g in ours] == [np.dtype(dtype)] * len(weights)
    for name in ("torch", "jax"):
        theirs = _gradients_of(name, case, dtype)
        assert [g.dtype for g in theirs] == [np.dtype(dtype)] * len(weights), name
        comparison = compare(theirs, ours, budget(problem))
        assert comparison.passed, describe_failure(
            comparison, problem, candidate_name=name, reference_name="handprop"
        )


def test_flops_count_the_products_of_each_layer() -> None:
    """2 P N_l N_{l+1} per product; 3 products per layer except the first (no backward
    product to the inputs); linear in P."""
    for case in cases.CASES:
        per_layer = [2 * case.P * a * b for a, b in zip(case.sizes, case.sizes[1:], strict=False)]
        assert cases.flops(case) == 2 * per_layer[0] + 3 * sum(per_layer[1:])
        assert cases.flops(case._replace(P=2 * case.P)) == 2 * cases.flops(case)
    large = next(c for c in cases.CASES if c.name == "large")
    assert 55e9 < cases.flops(large) < 66e9  # the issue's ~66 GFLOP counts 3 products everywhere


def test_the_jax_call_needs_x64_enabled_once() -> None:
    """The timed jax call enters no precision context per call: it is made (and timed)
    with x64 enabled for the process, and refuses to be made without it; x64's previous
    setting comes back afterwards."""
    import jax

    weights, X, Y = cases.make_arrays(TINY, "float64")
    before = bool(jax.config.jax_enable_x64)
    if not before:
        with pytest.raises(RuntimeError, match="x64"):
            cases.MAKERS["jax"](TINY, weights, X, Y)
    with cases.jax_x64():
        assert jax.config.jax_enable_x64
        cases.MAKERS["jax"](TINY, weights, X, Y)()
    assert bool(jax.config.jax_enable_x64) == before
