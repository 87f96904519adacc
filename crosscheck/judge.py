"""Judge a candidate gradient against one oracle: the rules of judgement.

The pytest gate, the reports and :mod:`crosscheck.verdict` (``crosscheck verify``,
:func:`crosscheck.check_gradients`) all judge through this module:

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
* every verdict carries its *power* (per layer and row kind, the smallest relative error
  the judge would have flagged) and is **inconclusive** when some block's power is worse
  than :data:`INCONCLUSIVE_ABOVE` for the dtype (docs/error-budget.md, "Power").

:func:`judge_batch` judges a batch of problems of one family (the gate's examples,
:func:`crosscheck.strategies.problem_batches`) by the same rules, with one budget pass for
the batch (:func:`crosscheck.budget.budgets`) and one call of each oracle that computes
batches (``batch_gradients``: torch, jax); the others answer member by member.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from crosscheck import oracles as _oracles
from crosscheck.budget import Budget, budget, budgets
from crosscheck.compare import Comparison, compare, compare_batch
from crosscheck.problem import Problem, check_family

__all__ = [
    "INCONCLUSIVE_ABOVE",
    "GradientFn",
    "Reference",
    "Verdict",
    "judge",
    "judge_all",
    "judge_batch",
    "judge_references",
    "reference",
    "references",
    "rejudge",
    "run_candidate",
    "truth_roundoff",
]

GradientFn = Callable[..., Any]
"""``fn(weights, X, Y, activations, cost) -> list[np.ndarray]`` (canonical layout)."""

INCONCLUSIVE_ABOVE: dict[str, float] = {"float32": 1e-3, "float64": 1e-8}
"""A verdict is inconclusive when a whole-block relative error this large would go unseen
in some layer's bias row or weight rows (docs/error-budget.md, "Power": float64 must see
float32 arithmetic inside (~1e-7), float32 a clipped formula or a dropped 1/2)."""


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
    exception, wrong layout or non-finite output) and ``skipped`` (no judgement: the
    oracle is unavailable or the problem over its size cap) is set. ``threshold`` is the
    dtype's :data:`INCONCLUSIVE_ABOVE`.
    """

    oracle: str
    comparison: Comparison | None
    error: str | None
    skipped: str | None
    threshold: float = math.inf

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

    @property
    def weak(self) -> tuple:
        """The blocks (:class:`~crosscheck.compare.Discrepancy`) too weak to conclude."""
        return () if self.comparison is None else self.comparison.weak(self.threshold)

    @property
    def status(self) -> str:
        """``"fail"``, ``"skipped"``, ``"inconclusive"`` (within the budget, but some
        block's power is worse than the threshold) or ``"pass"``."""
        if not self.passed:
            return "fail"
        if self.comparison is None:
            return "skipped"
        return "inconclusive" if self.weak else "pass"


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
    return _answer(mod, problem, b, mod.gradients(problem))


def _answer(mod: ModuleType, problem: Problem, b: Budget, grads: list[np.ndarray]) -> Reference:
    """The :class:`Reference` of ``grads``, ``mod`` 's answer on ``problem``, with its own
    error bound where its kind has one."""
    extra = mod.error_bounds(problem) if mod.KIND == "approximate" else None
    if mod.KIND == "truth":  # the truth's own (tiny) rounding, in its working precision
        extra = b.exact_error(truth_roundoff(mod))
    return Reference(mod.NAME, mod.KIND, grads, extra, None)


def references(
    oracle: str | ModuleType, problems: Sequence[Problem], bs: Sequence[Budget]
) -> list[Reference]:
    """:func:`reference` of every member of a batch (one family; ``bs`` their budgets):
    one ``batch_gradients`` call where the oracle has one and every member fits its size
    cap, :func:`reference` member by member otherwise."""
    mod = _module(oracle)
    batch = getattr(mod, "batch_gradients", None)
    fits = getattr(mod, "fits", None)
    ok, _ = mod.available()
    if batch is None or not ok or (fits is not None and not all(map(fits, problems))):
        return [reference(mod, p, b) for p, b in zip(problems, bs, strict=True)]
    return [
        _answer(mod, p, b, g) for p, b, g in zip(problems, bs, batch(problems), strict=True)
    ]


def truth_roundoff(oracle: str | ModuleType) -> float:
    """The unit roundoff of a truth oracle's working precision: its ``UNIT_ROUNDOFF``, or
    10^(1 - DPS) for one that counts decimal digits (mpmath)."""
    mod = _module(oracle)
    return float(getattr(mod, "UNIT_ROUNDOFF", 10.0 ** (1 - mod.DPS)))


def rejudge(candidate: Sequence[np.ndarray], ref: Reference, b: Budget) -> Verdict:
    """:func:`judge` again within another budget of the same problem (a sharper one): a
    truth's own error is rescaled to the new budget, the oracle is not run again."""
    if ref.kind == "truth" and ref.skipped is None:
        ref = ref._replace(extra=b.exact_error(truth_roundoff(ref.oracle)))
    return judge(candidate, ref, b)


def run_candidate(fn: GradientFn, problem: Problem) -> tuple[list[np.ndarray] | None, str | None]:
    """Call ``fn(weights, X, Y, activations, cost)`` on copies of the problem's arrays.

    Returns ``(gradients, None)`` or ``(None, message)`` when ``fn`` raised, exited,
    changed an argument in place or returned something that is not a finite gradient in
    the canonical layout and dtype (:func:`crosscheck.guard.run`, which also keeps the
    function's traceback and runs other conventions).
    """
    from crosscheck.guard import run

    r = run(fn, problem)
    if r.kind == "unsupported":
        return None, f"declared the problem unsupported: {r.error}"
    return r.grads, r.error


def judge(candidate: Sequence[np.ndarray], ref: Reference, b: Budget) -> Verdict:
    """Judge ``candidate`` (valid canonical layout, the problem's dtype) against ``ref``
    within the problem's budget ``b``.

    The budget uses the unit roundoff of the problem's dtype, so a float32 candidate is
    judged with float32's u against float64 truth (the truth of the float32 values).
    """
    threshold = INCONCLUSIVE_ABOVE.get(b.dtype, math.inf)
    if ref.skipped is not None:
        return Verdict(ref.oracle, None, None, ref.skipped, threshold)
    comparison = compare(candidate, ref.gradients, b, extra=ref.extra)
    return Verdict(ref.oracle, comparison, None, None, threshold)


def judge_all(
    candidate: Sequence[np.ndarray],
    problem: Problem,
    oracles: Sequence[str | ModuleType],
    b: Budget | None = None,
) -> tuple[Verdict, ...]:
    """:func:`judge` ``candidate`` against each of ``oracles`` on ``problem``, within one
    budget: ``b``, or the problem's (:func:`crosscheck.budget.budget`), computed once
    before any oracle runs (it depends on the problem only). What the gate does per
    example (tests/test_gate.py) and ``crosscheck bench`` times."""
    b = budget(problem) if b is None else b
    return tuple(judge(candidate, reference(o, problem, b), b) for o in oracles)


def judge_batch(
    candidates: Sequence[Sequence[np.ndarray]],
    problems: Sequence[Problem],
    oracles: Sequence[str | ModuleType],
    bs: Sequence[Budget] | None = None,
) -> list[tuple[Verdict, ...]]:
    """:func:`judge_all` of every member of a batch: element i holds the verdicts of
    ``candidates[i]`` (valid canonical layout) on ``problems[i]``, one per oracle.

    ``problems`` share one family (:func:`crosscheck.problem.check_family`; ``ValueError``
    otherwise). Their budgets (``bs``, or :func:`crosscheck.budget.budgets` of the batch)
    come first, before any oracle runs; each oracle answers through :func:`references`
    and the values are compared by :func:`crosscheck.compare.compare_batch`."""
    check_family(problems)
    if len(candidates) != len(problems):
        raise ValueError(
            f"candidates: expected one per problem ({len(problems)}), got {len(candidates)}"
        )
    bs = budgets(problems) if bs is None else bs
    return judge_references(candidates, [references(o, problems, bs) for o in oracles], bs)


def judge_references(
    candidates: Sequence[Sequence[np.ndarray]],
    answers: Sequence[Sequence[Reference]],
    bs: Sequence[Budget],
) -> list[tuple[Verdict, ...]]:
    """The verdicts of a batch whose oracles have answered: ``answers[k][i]`` is oracle k's
    :class:`Reference` on member i (:func:`references`), ``bs[i]`` its budget; element i
    holds one :class:`Verdict` per oracle (:func:`judge` 's, values compared by
    :func:`crosscheck.compare.compare_batch`)."""
    columns = []
    for refs in answers:
        judged = [i for i, r in enumerate(refs) if r.skipped is None]
        comparisons = dict(
            zip(
                judged,
                compare_batch(
                    [candidates[i] for i in judged],
                    [refs[i].gradients for i in judged],
                    [bs[i] for i in judged],
                    extras=[refs[i].extra for i in judged],
                ),
                strict=True,
            )
        )
        column = []
        for i, (r, b) in enumerate(zip(refs, bs, strict=True)):
            threshold = INCONCLUSIVE_ABOVE.get(b.dtype, math.inf)
            if r.skipped is not None:
                column.append(Verdict(r.oracle, None, None, r.skipped, threshold))
            else:
                column.append(Verdict(r.oracle, comparisons[i], None, None, threshold))
        columns.append(column)
    return [tuple(c[i] for c in columns) for i in range(len(candidates))]
