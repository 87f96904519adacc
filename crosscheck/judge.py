"""Judge one candidate gradient against one oracle on one problem.

The single place where the rules of judgement live, shared by the pytest gate, the
reports and ``crosscheck verify``:

* a *peer* oracle (torch, jax) computes in the problem's dtype: both sides carry
  rounding error, which the budget's K already counts;
* the *truth* (mpmath) is exact to float64: a float32 candidate is judged with float32's
  unit roundoff against it;
* *approximate* oracles (finite differences) add their own error estimate to the
  tolerance (``K u S + E_fd``);
* a problem with a relu/leaky_relu pre-activation within rounding of its kink has no
  budget (:attr:`crosscheck.budget.Budget.near_kink`) and is not judged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from crosscheck import oracles as _oracles
from crosscheck.budget import budget
from crosscheck.compare import Comparison, compare, layout_error
from crosscheck.problem import Problem

__all__ = ["Reference", "Verdict", "judge", "reference", "run_candidate"]

GradientFn = Callable[..., Any]


class Reference(NamedTuple):
    """An oracle's answer: gradients (canonical layout) and how to judge against them."""

    oracle: str
    kind: str
    gradients: list[np.ndarray] | None
    extra: list[np.ndarray] | None
    skipped: str | None


class Verdict(NamedTuple):
    """The outcome of judging a candidate against one oracle on one problem.

    Exactly one of ``comparison`` (values compared), ``error`` (the candidate failed:
    exception, wrong layout or non-finite output) and ``skipped`` (no judgement: oracle
    unavailable, problem too large for it, or a relu kink) is set.
    """

    oracle: str
    comparison: Comparison | None
    error: str | None
    skipped: str | None

    @property
    def passed(self) -> bool:
        """False only for a candidate error or a discrepancy beyond the budget."""
        return self.error is None and (self.comparison is None or self.comparison.passed)

    @property
    def ratio(self) -> float:
        """The worst budget ratio (inf for an error, 0 when skipped)."""
        if self.error is not None:
            return float("inf")
        return 0.0 if self.comparison is None else self.comparison.max_ratio


def _module(oracle: str | ModuleType) -> ModuleType:
    return _oracles.get(oracle) if isinstance(oracle, str) else oracle


def reference(oracle: str | ModuleType, problem: Problem) -> Reference:
    """Run ``oracle`` on ``problem``; ``skipped`` says why it could not answer."""
    mod = _module(oracle)
    ok, why = mod.available()
    if not ok:
        return Reference(mod.NAME, mod.KIND, None, None, f"{mod.NAME} unavailable: {why}")
    fits = getattr(mod, "fits", None)
    if fits is not None and not fits(problem):
        return Reference(mod.NAME, mod.KIND, None, None, f"{mod.NAME}: problem over its size cap")
    grads = mod.gradients(problem)
    extra = mod.error_bounds(problem) if mod.KIND == "approximate" else None
    return Reference(mod.NAME, mod.KIND, grads, extra, None)


def run_candidate(fn: GradientFn, problem: Problem) -> tuple[list[np.ndarray] | None, str | None]:
    """Call ``fn(weights, X, Y, activations, cost)`` on copies of the problem's arrays.

    Returns ``(gradients, None)`` or ``(None, message)`` when ``fn`` raised or returned
    something that is not a finite gradient in the canonical layout and dtype.
    """
    weights, X, Y, activations, cost = problem.args()
    try:
        out = fn([w.copy() for w in weights], X.copy(), Y.copy(), list(activations), cost)
    except Exception as exc:  # the candidate's own failure is a finding, not a crash
        return None, f"raised {type(exc).__name__}: {exc}"
    if isinstance(out, tuple):
        out = list(out)
    err = layout_error(out, problem)
    return (None, err) if err else (out, None)


def truth_unit_roundoff(oracle: str | ModuleType) -> float:
    """The unit roundoff of a truth oracle's working precision (10^(1 - DPS) for mpmath)."""
    return 10.0 ** (1 - _module(oracle).DPS)


def judge(candidate: Sequence[np.ndarray], problem: Problem, ref: Reference) -> Verdict:
    """Judge ``candidate`` (valid canonical layout, the problem's dtype) against ``ref``.

    The budget uses the unit roundoff of the problem's dtype, so a float32 candidate is
    judged with float32's u against float64 truth (the truth of the float32 values).
    """
    if ref.skipped is not None:
        return Verdict(ref.oracle, None, None, ref.skipped)
    b = budget(problem)
    if b.near_kink:
        return Verdict(ref.oracle, None, None, "a relu/leaky_relu pre-activation is at its kink")
    extra = ref.extra
    if ref.kind == "truth":  # the truth's own (tiny) rounding, in its working precision
        extra = b.exact_error(truth_unit_roundoff(ref.oracle))
    comparison = compare(candidate, ref.gradients, problem, budget_=b, extra=extra)
    return Verdict(ref.oracle, comparison, None, None)
