"""Judging in tests: the one error model (crosscheck.budget + crosscheck.judge).

The oracle tests and handprop's own gradient tests judge every floating-point gradient
the way the gate does: ``|Δ| <= K u S`` per element, S from the problem's error budget
(docs/error-budget.md), plus the reference's own bound (the truth's working precision,
or the finite-difference estimate's error bounds). No test sets a tolerance of its own,
except where a tolerance is the subject of the test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crosscheck.budget import Budget, budget
from crosscheck.judge import Reference, Verdict, judge, truth_roundoff
from crosscheck.oracles import finite_differences, mpmath_reference
from crosscheck.problem import Problem
from crosscheck.testing import describe_failure

__all__ = ["assert_judged", "fd_reference", "judged", "peer_reference", "truth_reference"]


def truth_reference(
    problem: Problem, b: Budget, grads: list[np.ndarray] | None = None
) -> Reference:
    """The mpmath truth as a reference (``grads``: its answer, if already computed), with
    its own error in its working precision, as :func:`crosscheck.judge.reference` has."""
    g = mpmath_reference.gradients(problem) if grads is None else grads
    extra = b.exact_error(truth_roundoff(mpmath_reference))
    return Reference(mpmath_reference.NAME, mpmath_reference.KIND, g, extra, None)


def peer_reference(name: str, grads: list[np.ndarray]) -> Reference:
    """Another floating-point answer as the reference (its rounding is in K already)."""
    return Reference(name, "peer", list(grads), None, None)


def fd_reference(problem: Problem) -> Reference:
    """Central differences (crosscheck's finite-difference oracle) with their error
    bounds added to the budget: ``K u S + E_fd``."""
    est = finite_differences.estimate(problem)
    return Reference(
        finite_differences.NAME, finite_differences.KIND, est.gradients, est.error_bounds, None
    )


def judged(
    got: Sequence[np.ndarray], ref: Reference, problem: Problem, b: Budget | None = None
) -> Verdict:
    """The verdict on ``got`` against ``ref`` within the problem's budget ``b``."""
    return judge(list(got), ref, budget(problem) if b is None else b)


def assert_judged(
    got: Sequence[np.ndarray],
    ref: Reference,
    problem: Problem,
    b: Budget | None = None,
    *,
    what: str,
    conclusive: bool = False,
) -> Verdict:
    """Fail unless ``got`` passes against ``ref`` within the budget; with ``conclusive``
    also unless every block had the power the judge asks for (status ``"pass"``, not
    ``"inconclusive"``). Shapes and dtypes are the caller's to check."""
    __tracebackhide__ = True
    assert len(got) == problem.depth, f"{what}: {len(got)} layers, expected {problem.depth}"
    for l, (g, w) in enumerate(zip(got, problem.weights, strict=True)):
        assert g.shape == w.shape, f"{what}: layer {l} has shape {g.shape}, expected {w.shape}"
    verdict = judged(got, ref, problem, b)
    assert verdict.skipped is None, verdict.skipped
    assert verdict.passed, describe_failure(
        verdict.comparison, problem, candidate_name=what, reference_name=ref.oracle
    )
    if conclusive:
        assert verdict.status == "pass", (
            f"{what} against {ref.oracle}: inconclusive, too little power in "
            + "; ".join(f"layer {r.layer} {r.row_kind}: power {r.power:.3g}" for r in verdict.weak)
            + f" (threshold {verdict.threshold:.3g}). Problem: {problem.describe()}"
        )
    return verdict
