"""How bad a failure looks, in words: a wrong derivative, or a numerically inaccurate one.

A wrong derivative (a missing factor, a wrong formula, a transposed matrix) is wrong on
typical inputs, by a large relative error. A numerically inaccurate one (softplus as
log(1 + exp(z)), a clipped sigmoid, float32 arithmetic inside) is right on typical inputs
and beyond the budget only where values saturate or cancel, or wrong everywhere by a tiny
relative error. :func:`classify` judges the function again on a few problems of the
counterexample's architecture with typical numbers
(:func:`crosscheck.strategies.data.typical_numbers`) and says which it looks like, with
the regime where the failure shows, its budget ratio and its relative error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from crosscheck.errors import TargetTimeout
from crosscheck.formatting import fmt
from crosscheck.problem import Problem, make_problem
from crosscheck.verdict import CheckResult

__all__ = ["LARGE_RELATIVE", "TYPICAL_PROBLEMS", "Severity", "classify"]

TYPICAL_PROBLEMS = 3
"""Problems with typical numbers the function is judged on again."""

LARGE_RELATIVE = 1e-3
"""A relative error this large is a wrong value, not rounding: float32's inconclusive
threshold (docs/error-budget.md, "Power"), above float32 arithmetic inside (~1e-7)."""


class Severity(NamedTuple):
    """``kind``: ``"wrong derivative"``, ``"numerically inaccurate"``, ``"state"`` (kept
    between calls), ``"nondeterministic"`` or ``"error"`` (an exception, a wrong layout, a
    changed argument: no numbers to weigh); ``words``: one
    sentence; ``ratio`` and ``relative``: the counterexample's budget ratio and largest
    relative error; ``typical``: (failed, judged) among the typical problems."""

    kind: str
    words: str
    ratio: float
    relative: float
    typical: tuple[int, int]


def _relative(outcome: CheckResult) -> float:
    v = outcome.verdicts[0] if outcome.verdicts else None
    if v is None or v.comparison is None:
        return float("inf")
    failing = [r.max_rel for r in v.comparison.records if r.max_ratio > 1.0]
    return max(failing, default=0.0)


def classify(
    problem: Problem,
    outcome: CheckResult,
    where: str,
    judge: Callable[[Problem], CheckResult],
    seed: int = 0,
) -> Severity:
    """The severity of ``outcome`` (a failure on ``problem``, drawn in the weight regime
    and input kind described by ``where``); ``judge(p)`` judges the function on ``p``."""
    if outcome.error is not None:
        return Severity("error", "an error, not a wrong number", float("inf"), float("inf"), (0, 0))
    ratio, relative = outcome.ratio, _relative(outcome)
    numbers = f"budget ratio {fmt(ratio)}, relative error {fmt(relative)}"
    for flag, kind, words in (
        ("stale", "state", "looks like state kept between calls, not a wrong derivative"),
        ("nondeterministic", "nondeterministic", "nondeterministic: the same inputs gave "
         "different answers, at least one beyond the budget"),
    ):
        if flag in outcome.flags:
            return Severity(kind, f"{words}; here: {numbers}", ratio, relative, (0, 0))
    rng = np.random.default_rng([seed, 0x5E7])
    failed: list[CheckResult] = []
    judged = 0
    for _ in range(TYPICAL_PROBLEMS):
        weights, X, Y = _typical(problem, rng)
        try:
            result = judge(make_problem(weights, X, Y, problem.activations, problem.cost))
        except TargetTimeout:
            continue
        if result.unsupported is not None or result.status == "skipped":
            continue
        judged += 1
        if result.status == "fail":
            failed.append(result)
    if failed:
        worst = max(failed, key=lambda r: r.ratio)
        rel_typ = _relative(worst)
        if rel_typ >= LARGE_RELATIVE or worst.error is not None:
            kind = "wrong derivative"
            words = (
                f"looks like a wrong derivative: wrong on typical inputs too ({len(failed)} of "
                f"{judged} problems of this architecture with typical weights and inputs in "
                f"[-1, 1] fail, relative error up to {fmt(rel_typ)}); here: {numbers}"
            )
        else:
            kind = "numerically inaccurate"
            words = (
                f"looks numerically inaccurate everywhere: beyond the budget on typical inputs "
                f"too, but only by a relative {fmt(rel_typ)} (lower-precision arithmetic "
                f"inside?); here ({where}): {numbers}"
            )
        return Severity(kind, words, ratio, relative, (len(failed), judged))
    if judged == 0:
        return Severity("wrong derivative" if relative >= LARGE_RELATIVE else
                        "numerically inaccurate", f"{numbers} (no typical problem could be "
                        "judged)", ratio, relative, (0, 0))
    size = "a large" if relative >= LARGE_RELATIVE else "a small"
    words = (
        f"looks numerically inaccurate, not wrong: right on {judged} problems of this "
        f"architecture with typical weights and inputs in [-1, 1]; beyond the budget only "
        f"here ({where}), where values saturate or cancel, by {size} relative error: "
        f"{numbers}"
    )
    return Severity("numerically inaccurate", words, ratio, relative, (0, judged))


def _typical(problem: Problem, rng: np.random.Generator):
    from crosscheck.strategies.data import typical_numbers

    return typical_numbers(problem.sizes, problem.cost, problem.P, problem.dtype, rng)
