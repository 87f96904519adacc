"""The verdict on a gradient *function* for one problem: pass, fail, inconclusive, skipped.

What ``crosscheck verify`` does on every problem it draws and what
:func:`crosscheck.check_gradients` does on the one a user gives, by the rules of
:mod:`crosscheck.judge`:

1. the budget, once; the function, on copies of the arrays (an exception, a wrong layout
   or dtype, a non-finite value is a failure on its own);
2. judged by the first oracle that answers (:data:`ORACLE_ORDER`);
3. a discrepancy is *confirmed* by a second, independent oracle (:data:`CONFIRM_ORDER`,
   the truth first) before it is a failure; one the second clears is *disputed* and
   takes the second's verdict;
4. a pass whose power is too weak (inconclusive) is judged again within a sharper budget
   (larger Jacobian windows, :data:`SHARPER_WORK`) before it is called inconclusive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import NamedTuple

import numpy as np

from crosscheck import observe
from crosscheck import oracles as _oracles
from crosscheck.budget import Budget, budget
from crosscheck.errors import UsageError
from crosscheck.formatting import fmt
from crosscheck.judge import GradientFn, Reference, Verdict, judge, reference, rejudge
from crosscheck.judge import run_candidate as _run_candidate
from crosscheck.problem import Problem

__all__ = [
    "CONFIRM_ORDER",
    "ORACLE_ORDER",
    "SHARPER_WORK",
    "CheckResult",
    "check",
    "check_gradients",
    "check_with",
    "oracle_modules",
]

ORACLE_ORDER: tuple[str, ...] = ("torch", "jax", "mpmath", "finite_differences")
"""The judging oracle by default: the first available one that answers (fast peers
first: they compute in the problem's dtype)."""

CONFIRM_ORDER: tuple[str, ...] = ("mpmath", "extended", "torch", "jax", "finite_differences")
"""Who confirms a discrepancy: the first available one, other than the judge, that
answers (the truths first: mpmath where it fits, the extended-precision oracle at every
size; both exact to float64 and independent of every framework)."""

SHARPER_WORK = 20_000_000_000
"""Work cap (multiply-adds) of the sharper budget an inconclusive pass is judged again
with (the default budget spends at most :data:`crosscheck.budget.chains.WORK_CAP`)."""


class CheckResult(NamedTuple):
    """The verdict on a candidate function for one problem.

    ``status``: ``"pass"``, ``"fail"``, ``"inconclusive"`` (within the budget, but some
    layer's power too weak to conclude: see :meth:`advice`) or ``"skipped"`` (no oracle
    could answer). ``error`` is the candidate's own failure (exception, layout, dtype,
    non-finite); ``verdicts`` the judging oracle's verdict first, then the confirming
    one's; ``disputed`` is True when the judge flagged a discrepancy the confirming oracle
    cleared (not the candidate's fault; the status is the confirming oracle's).
    """

    status: str
    error: str | None
    verdicts: tuple[Verdict, ...]
    note: str = ""
    disputed: bool = False

    @property
    def passed(self) -> bool:
        """True unless the candidate failed (an inconclusive result is not a failure)."""
        return self.status != "fail"

    @property
    def deciding(self) -> Verdict | None:
        """The verdict the status comes from (the confirming one when disputed)."""
        if not self.verdicts:
            return None
        return self.verdicts[-1] if self.disputed else self.verdicts[0]

    @property
    def ratio(self) -> float:
        """The judging oracle's worst budget ratio (inf for a candidate error)."""
        if self.error is not None:
            return math.inf
        return self.verdicts[0].ratio if self.verdicts else 0.0

    @property
    def power(self) -> tuple:
        """The deciding comparison's records (:class:`~crosscheck.compare.Discrepancy`):
        per layer and row kind, ``power`` (whole block) and ``power_median``."""
        v = self.deciding
        return () if v is None or v.comparison is None else v.comparison.records

    @property
    def oracles(self) -> tuple[str, ...]:
        """The oracles that judged this problem, judge first."""
        return tuple(v.oracle for v in self.verdicts if v.skipped is None)

    def advice(self, problem: Problem | None = None) -> str:
        """Why a result is inconclusive and what would make it conclusive ("" otherwise)."""
        v = self.deciding
        if self.status != "inconclusive" or v is None:
            return ""
        weak = ", ".join(
            f"layer {r.layer} {'bias' if r.row_kind == 'bias' else 'weights'} "
            f"({fmt(r.power)})"
            for r in v.weak
        )
        hints = []
        if problem is not None and problem.dtype == np.float32:
            hints.append("float64 instead of float32")
        if problem is not None and (problem.depth >= 4 or max(problem.sizes[1:]) >= 256):
            hints.append("a shallower or narrower net")
        if problem is not None and problem.P >= 256:
            hints.append("fewer examples")
        hints.append("inputs and weights out of saturation")
        if v.oracle == "finite_differences":
            hints.append("an exact oracle (torch, jax, mpmath) instead of finite differences")
        return (
            f"a relative error of {fmt(v.threshold)} of a whole block would go unseen in "
            f"{weak}; to make it conclusive: {', '.join(hints)}"
        )

    def summary(self) -> str:
        """A few lines: the status, the candidate's error or each oracle's worst ratio,
        the elements beyond the budget, and the power of every block."""
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
        if self.power:
            lines.append(
                "  power (the smallest relative error flagged: whole block / median element): "
                + "; ".join(
                    f"layer {r.layer} {r.row_kind} {fmt(r.power)} / {fmt(r.power_median)}"
                    for r in self.power
                )
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def oracle_modules(names: Iterable[str]) -> list[ModuleType]:
    """The available oracle modules among ``names``, in that order."""
    return [m for m in (_oracles.get(n) for n in names) if m.available()[0]]


def _first_answer(
    grads: list[np.ndarray], problem: Problem, b: Budget, candidates: Sequence[ModuleType]
) -> tuple[Verdict, Reference] | None:
    """The verdict (and reference) of the first oracle in ``candidates`` that answers, or
    the last skip if none does (None if there is no candidate)."""
    last = None
    for mod in candidates:
        ref = reference(mod, problem, b)
        verdict = judge(grads, ref, b)
        if verdict.skipped is None:
            return verdict, ref
        last = (verdict, ref)
    return last


def check_with(
    fn: GradientFn,
    problem: Problem,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
) -> CheckResult:
    """Judge ``fn`` on ``problem`` by the first of ``judges`` that answers, confirmed by
    the first of ``confirmers`` (other than the judge) on a discrepancy (module steps);
    every result is told to :mod:`crosscheck.observe`'s listeners."""
    result = _check_with(fn, problem, judges, confirmers)
    observe.notify(fn, problem, result)
    return result


def _check_with(
    fn: GradientFn,
    problem: Problem,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
) -> CheckResult:
    b = budget(problem)
    with np.errstate(all="ignore"):  # judge the numbers, not the candidate's warnings
        grads, err = _run_candidate(fn, problem)
    if err is not None:
        return CheckResult("fail", err, ())
    answer = _first_answer(grads, problem, b, judges)
    if answer is None:
        return CheckResult("skipped", None, (), "no oracle available")
    first, ref = answer
    if first.skipped is not None:
        return CheckResult("skipped", None, (first,), first.skipped)
    if first.status == "inconclusive" and not b.full_window:
        b = budget(problem, work_cap=SHARPER_WORK)
        first = rejudge(grads, ref, b)
    if first.status != "fail":
        return _with_advice(CheckResult(first.status, None, (first,)), problem)
    others = [m for m in confirmers if m.NAME != first.oracle]
    answer = _first_answer(grads, problem, b, others)
    if answer is None or answer[0].skipped is not None:
        return CheckResult("fail", None, (first,), "not confirmed: no second oracle could answer")
    second = answer[0]
    if second.status != "fail":
        note = f"{first.oracle} flagged ratio {first.ratio:.3g}, {second.oracle} cleared it"
        result = CheckResult(second.status, None, (first, second), note, disputed=True)
        return _with_advice(result, problem)
    return CheckResult("fail", None, (first, second))


def _with_advice(result: CheckResult, problem: Problem) -> CheckResult:
    """An inconclusive result's note says why and what would make it conclusive."""
    advice = result.advice(problem)
    if not advice:
        return result
    return result._replace(note=f"{result.note}; {advice}" if result.note else advice)


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
    (:class:`~crosscheck.errors.UsageError` names a bad one). The result's ``status`` is
    ``"pass"``, ``"fail"``, ``"inconclusive"`` or ``"skipped"``; ``ratio``, ``power`` and
    ``str(result)`` say how far and how much it checked.
    """
    from crosscheck.problem import make_problem

    return check(fn, make_problem(weights, X, Y, activations, cost), oracle=oracle, confirm=confirm)
