"""Judge a candidate gradient: the one place where the rules of judgement live.

The pytest gate, the reports, ``crosscheck verify`` and :func:`crosscheck.check_gradients`
all judge through this module:

* the problem's error budget (:func:`crosscheck.budget.budget`) is computed **once per
  problem, before any oracle runs**; where a relu/leaky_relu pre-activation lies within
  rounding of its kink, the budget takes that unit's derivative as uncertain between its
  two one-sided values, so the rest of the gradient is still judged;
* a *peer* oracle (torch, jax) computes in the problem's dtype: both sides carry rounding
  error, which the budget's K already counts;
* the *truth* (mpmath) is exact to float64: a float32 candidate is judged with float32's
  unit roundoff against it, plus the truth's own error in its working precision;
* *approximate* oracles (finite differences) add their own error estimate to the
  tolerance (``K u S + E_fd``);
* :func:`check` judges a candidate *function* on one problem: by the first oracle that
  answers, and a discrepancy is *confirmed* by a second, independent oracle before it
  counts (so a failure is never one oracle's artefact).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from crosscheck import oracles as _oracles
from crosscheck.budget import Budget, budget
from crosscheck.compare import Comparison, compare, layout_error
from crosscheck.errors import UsageError
from crosscheck.formatting import fmt
from crosscheck.problem import Problem

__all__ = [
    "CONFIRM_ORDER",
    "KINK_NOTE",
    "ORACLE_ORDER",
    "CheckResult",
    "GradientFn",
    "Reference",
    "Verdict",
    "check",
    "check_gradients",
    "check_with",
    "judge",
    "oracle_modules",
    "reference",
    "run_candidate",
]

GradientFn = Callable[..., Any]
"""``fn(weights, X, Y, activations, cost) -> list[np.ndarray]`` (canonical layout)."""

ORACLE_ORDER: tuple[str, ...] = ("torch", "jax", "mpmath", "finite_differences")
"""The judging oracle by default: the first available one that answers (fast peers
first: they compute in the problem's dtype)."""

CONFIRM_ORDER: tuple[str, ...] = ("mpmath", "torch", "jax", "finite_differences")
"""Who confirms a discrepancy: the first available one, other than the judge, that
answers (the mpmath truth first: exact, and independent of every framework)."""

KINK_NOTE = "a relu/leaky_relu pre-activation is at its kink"
"""(No longer a reason to skip: kinks are judged with an uncertain derivative.)"""


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
            return math.inf
        return 0.0 if self.comparison is None else self.comparison.max_ratio


def _module(oracle: str | ModuleType) -> ModuleType:
    return _oracles.get(oracle) if isinstance(oracle, str) else oracle


def reference(oracle: str | ModuleType, problem: Problem, b: Budget) -> Reference:
    """Run ``oracle`` on ``problem`` unless it cannot answer; ``skipped`` says why (the
    oracle is unavailable, or the problem is over its size cap: it is not run then)."""
    mod = _module(oracle)
    ok, why = mod.available()
    if not ok:
        return Reference(mod.NAME, mod.KIND, None, None, f"{mod.NAME} unavailable: {why}")
    fits = getattr(mod, "fits", None)
    if fits is not None and not fits(problem):
        return Reference(mod.NAME, mod.KIND, None, None, f"{mod.NAME}: problem over its size cap")
    grads = mod.gradients(problem)
    extra = mod.error_bounds(problem) if mod.KIND == "approximate" else None
    if mod.KIND == "truth":  # the truth's own (tiny) rounding, in its working precision
        extra = b.exact_error(10.0 ** (1 - mod.DPS))
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


def judge(candidate: Sequence[np.ndarray], ref: Reference, b: Budget) -> Verdict:
    """Judge ``candidate`` (valid canonical layout, the problem's dtype) against ``ref``
    within the problem's budget ``b``.

    The budget uses the unit roundoff of the problem's dtype, so a float32 candidate is
    judged with float32's u against float64 truth (the truth of the float32 values).
    """
    if ref.skipped is not None:
        return Verdict(ref.oracle, None, None, ref.skipped)
    return Verdict(ref.oracle, compare(candidate, ref.gradients, b, extra=ref.extra), None, None)


# ----------------------------------------------------------------------------- a function


class CheckResult(NamedTuple):
    """The judgement of a candidate function on one problem.

    ``status`` is ``"passed"``, ``"failed"``, ``"skipped"`` (no budget: a relu kink, or
    no oracle could answer) or ``"disputed"`` (the judging oracle flagged a discrepancy
    that the confirming oracle did not: not the candidate's fault, counted as passed).
    ``error`` is the candidate's own failure (exception, layout, dtype, non-finite);
    ``verdicts`` the judging oracle's verdict first, then the confirming one's.
    """

    status: str
    error: str | None
    verdicts: tuple[Verdict, ...]
    note: str = ""

    @property
    def passed(self) -> bool:
        """True unless the candidate failed."""
        return self.status != "failed"

    @property
    def ratio(self) -> float:
        """The judging oracle's worst budget ratio (inf for a candidate error)."""
        if self.error is not None:
            return math.inf
        return self.verdicts[0].ratio if self.verdicts else 0.0

    @property
    def oracles(self) -> tuple[str, ...]:
        """The oracles that judged this problem, judge first."""
        return tuple(v.oracle for v in self.verdicts if v.skipped is None)

    def summary(self) -> str:
        """A few lines: the status, the candidate's error or each oracle's worst ratio and
        (on a discrepancy) the elements beyond the budget."""
        lines = [f"{self.status}" + (f" ({self.note})" if self.note else "")]
        if self.error is not None:
            lines.append(f"  the function failed: {self.error}")
        for v in self.verdicts:
            if v.skipped is not None:
                lines.append(f"  {v.oracle}: skipped ({v.skipped})")
                continue
            lines.append(f"  {v.oracle}: worst budget ratio {fmt(v.ratio)}")
            if v.comparison is not None:
                lines.extend(
                    f"    {r.describe()}" for r in v.comparison.records if r.max_ratio > 1.0
                )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def oracle_modules(names: Iterable[str]) -> list[ModuleType]:
    """The available oracle modules among ``names``, in that order."""
    return [m for m in (_oracles.get(n) for n in names) if m.available()[0]]


def _judge_with(
    grads: list[np.ndarray], problem: Problem, b: Budget, candidates: Sequence[ModuleType]
) -> Verdict | None:
    """The verdict of the first oracle in ``candidates`` that answers (None if none)."""
    last: Verdict | None = None
    for mod in candidates:
        verdict = judge(grads, reference(mod, problem, b), b)
        if verdict.skipped is None:
            return verdict
        last = verdict
    return last


def check_with(
    fn: GradientFn,
    problem: Problem,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
) -> CheckResult:
    """Judge ``fn`` on ``problem`` by the first of ``judges`` that answers, confirmed by
    the first of ``confirmers`` (other than the judge) on a discrepancy."""
    b = budget(problem)
    with np.errstate(all="ignore"):  # judge the numbers, not the candidate's warnings
        grads, err = run_candidate(fn, problem)
    if err is not None:
        return CheckResult("failed", err, ())
    first = _judge_with(grads, problem, b, judges)
    if first is None:
        return CheckResult("skipped", None, (), "no oracle available")
    if first.skipped is not None:
        return CheckResult("skipped", None, (first,), first.skipped)
    if first.passed:
        return CheckResult("passed", None, (first,))
    others = [m for m in confirmers if m.NAME != first.oracle]
    second = _judge_with(grads, problem, b, others)
    if second is None or second.skipped is not None:
        return CheckResult(
            "failed", None, (first,), "not confirmed: no second oracle could answer"
        )
    if second.passed:
        return CheckResult(
            "disputed",
            None,
            (first, second),
            f"{first.oracle} flagged ratio {first.ratio:.3g}, {second.oracle} cleared it",
        )
    return CheckResult("failed", None, (first, second))


def check(
    fn: GradientFn,
    problem: Problem,
    *,
    oracle: str | None = None,
    confirm: bool = True,
) -> CheckResult:
    """Judge ``fn`` on ``problem`` (see the module docstring for the rules).

    ``oracle`` names the judging oracle (default: the first available of
    :data:`ORACLE_ORDER` that answers); ``confirm=False`` skips the second opinion.
    :class:`~crosscheck.errors.UsageError` for an unknown or unavailable oracle.
    """
    if not callable(fn):
        raise UsageError(f"fn: expected a callable gradient function, got {fn!r}")
    if oracle is not None:
        judges = oracle_modules([oracle])  # UsageError for an unknown name
        if not judges:
            why = _oracles.get(oracle).available()[1]
            raise UsageError(f"oracle: {oracle} is unavailable here: {why}")
    else:
        judges = oracle_modules(ORACLE_ORDER)
    confirmers = oracle_modules(CONFIRM_ORDER) if confirm else []
    return check_with(fn, problem, judges, confirmers)


def check_gradients(
    fn: GradientFn,
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
    *,
    oracle: str | None = None,
    confirm: bool = True,
) -> CheckResult:
    """Judge ``fn(weights, X, Y, activations, cost)`` on this one problem.

    For a user with one real model in a test suite: the same judgement as
    ``crosscheck verify`` and the gate (:func:`check`). The arrays are in the canonical
    layout (``weights[l]`` of shape ``(N_l + 1, N_{l+1})``, row 0 the bias, the seed's w^l;
    ``X`` ``(P, Q)``; ``Y`` ``(P, N_L)``) and validated
    (:class:`~crosscheck.errors.UsageError` names a bad one). ``str(result)`` reads.
    """
    from crosscheck.problem import make_problem

    problem = make_problem(weights, X, Y, activations, cost)
    return check(fn, problem, oracle=oracle, confirm=confirm)
