"""The verdict on a gradient *function* for one problem: pass, fail, inconclusive, skipped.

What ``crosscheck verify`` does on every problem it draws and what
:func:`crosscheck.check_gradients` does on the one a user gives, by the rules of
:mod:`crosscheck.judge`:

1. the budget, once; the function, on copies of the arrays, through
   :mod:`crosscheck.guard` (an exception, ``sys.exit``, an argument changed in place, a
   wrong layout or dtype, a non-finite value is a failure on its own; ``Unsupported``
   skips the problem; no return within the timeout raises
   :class:`~crosscheck.errors.TargetTimeout`);
2. judged by the first oracle that answers (:data:`ORACLE_ORDER`);
3. a discrepancy is *confirmed* by a second, independent oracle (:data:`CONFIRM_ORDER`,
   the truth first) before it is a failure; one the second clears is *disputed* and
   takes the second's verdict;
4. a pass whose power is too weak (inconclusive) is judged again within a sharper budget
   (larger Jacobian windows, :data:`SHARPER_WORK`) before it is called inconclusive;
5. with the guard's ``state_checks``, the function is first called on another problem of
   the same shapes (the same numbers with the examples, inputs, hidden units and outputs
   in reverse order: a forward pass or result cached by shape gives a wrong answer, and
   one right there but wrong here is diagnosed as state) and then twice on the problem
   (two different answers are *nondeterministic*: both are judged, and a failure of
   either is a failure).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from crosscheck import observe
from crosscheck import oracles as _oracles
from crosscheck.budget import Budget, budget
from crosscheck.choices import CONFIRM_ORDER, ORACLE_ORDER
from crosscheck.conventions import (
    KEYWORDS,
    Convention,
    check_signature,
    convention,
    convention_of,
)
from crosscheck.errors import TargetTimeout, UsageError
from crosscheck.formatting import fmt
from crosscheck.guard import Guard, Run, run
from crosscheck.judge import GradientFn, Reference, Verdict, judge, reference, rejudge
from crosscheck.problem import Problem, mirror

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
    ``traceback`` is the function's own when it raised or exited; ``unsupported`` the
    reason it gave for a problem out of its scope (status ``"skipped"``); ``flags`` what
    the state checks saw: ``"nondeterministic"`` (two calls on the same inputs differed),
    ``"global random"`` (it drew from ``random`` / ``numpy.random``), ``"stale"`` (its
    answer was the one for another problem of the same shapes).
    """

    status: str
    error: str | None
    verdicts: tuple[Verdict, ...]
    note: str = ""
    disputed: bool = False
    traceback: str = ""
    unsupported: str | None = None
    flags: tuple[str, ...] = ()

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
        if self.traceback:
            lines.extend(f"    {line}" for line in self.traceback.splitlines())
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
    grads: list[np.ndarray],
    problem: Problem,
    b: Budget,
    candidates: Sequence[ModuleType],
    refs: dict[str, Reference],
) -> tuple[Verdict, Reference] | None:
    """The verdict (and reference) of the first oracle in ``candidates`` that answers, or
    the last skip if none does (None if there is no candidate); ``refs`` keeps each
    oracle's answer for this problem (an oracle runs once however often it is asked)."""
    last = None
    for mod in candidates:
        if mod.NAME not in refs:
            refs[mod.NAME] = reference(mod, problem, b)
        ref = refs[mod.NAME]
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
    *,
    guard: Guard | None = None,
) -> CheckResult:
    """Judge ``fn`` on ``problem`` by the first of ``judges`` that answers, confirmed by
    the first of ``confirmers`` (other than the judge) on a discrepancy (module steps),
    calling ``fn`` through ``guard`` (default: canonical, no timeout, no state checks);
    every result is told to :mod:`crosscheck.observe`'s listeners.
    :class:`~crosscheck.errors.TargetTimeout` when a call does not return in time."""
    result = _check_with(fn, problem, judges, confirmers, guard or Guard())
    observe.notify(fn, problem, result)
    return result


def _run(fn: GradientFn, problem: Problem, guard: Guard) -> Run:
    with np.errstate(all="ignore"):  # judge the numbers, not the candidate's warnings
        r = run(fn, problem, guard)
    if r.kind == "timeout":
        raise TargetTimeout(
            f"fn {r.error} on {problem.describe()} (the per-call timeout; raise it with "
            "--timeout / timeout=, or restrict the sizes)"
        )
    return r


def _check_with(
    fn: GradientFn,
    problem: Problem,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
    guard: Guard,
) -> CheckResult:
    b = budget(problem)
    with guard.session():  # the function's random generators installed once for its calls
        decoy = _run(fn, problem.mirrored(), guard) if guard.state_checks else None
        first = _run(fn, problem, guard)
        again = None
        if guard.state_checks and first.grads is not None:
            again = _run(fn, problem, guard)
    if first.kind == "unsupported":
        note = f"unsupported: {first.error}"
        return CheckResult("skipped", None, (), note, unsupported=first.error)
    flags = ("global random",) if any(r and r.random_used for r in (decoy, first, again)) else ()
    if first.error is not None:
        return CheckResult("fail", first.error, (), traceback=first.traceback, flags=flags)
    refs: dict[str, Reference] = {}
    result = _judged(first.grads, problem, b, judges, confirmers, refs)
    if again is not None and (again.grads is None or not _identical(first.grads, again.grads)):
        result = _nondeterministic(result, first, again, problem, b, judges, confirmers, refs)
        flags = ("nondeterministic", *flags)
    stale = _stale(result, decoy, first, problem, b, judges, confirmers, refs)
    if stale:
        flags = (*flags, "stale")
        result = _noted(result, stale)
    if "global random" in flags:
        result = _noted(result, "it draws from the global random generators (random / "
                        "numpy.random): its answers may vary from call to call")
    return result._replace(flags=flags) if flags else result


def _stale(
    result: CheckResult,
    decoy: Run | None,
    first: Run,
    problem: Problem,
    b: Budget,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
    refs: dict[str, Reference],
) -> str:
    """Why a failure looks like state kept between calls ("" if it does not): the answer
    is, bit for bit, the one given for the mirrored problem called just before, or the
    function was right there (the same question, its order reversed) and wrong here."""
    if result.status != "fail" or decoy is None or decoy.grads is None or first.grads is None:
        return ""
    if _identical(problem.mirrored().weights, problem.weights) and np.array_equal(
        problem.mirrored().X, problem.X
    ):  # nothing to reverse (one unit, one example, ...): the same problem twice
        return ""
    if _identical(decoy.grads, first.grads):
        return (
            "its answer is, bit for bit, the one it gave for another problem of the same "
            "shapes called just before (this one in reverse order): a result cached by shape?"
        )
    mirrored = [mirror(g) for g in decoy.grads]
    if _judged(mirrored, problem, b, judges, confirmers, refs).status in ("pass", "inconclusive"):
        return (
            "it was right on the same problem with its examples, inputs, units and outputs in "
            "reverse order, called just before, and is wrong on this one: state kept between "
            "calls (a forward pass or a result cached by shape?)"
        )
    return ""


def _identical(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _noted(result: CheckResult, note: str) -> CheckResult:
    return result._replace(note=f"{result.note}; {note}" if result.note else note)


def _nondeterministic(
    result: CheckResult,
    first: Run,
    again: Run,
    problem: Problem,
    b: Budget,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
    refs: dict[str, Reference],
) -> CheckResult:
    """Two calls on the same inputs differed: both answers are judged; the result is the
    first failing one's (else the first's), with both results in the note."""
    if again.grads is None:
        note = (
            "nondeterministic: a second call on the same inputs failed "
            f"({again.error}) where the first returned a gradient judged {result.status}"
        )
        return CheckResult("fail", again.error, (), note, traceback=again.traceback)
    second = _judged(again.grads, problem, b, judges, confirmers, refs)
    l, idx, x, y = _first_difference(first.grads, again.grads)
    note = (
        f"nondeterministic: two calls on the same inputs differ (first at layer {l} index "
        f"{idx}: {x!r}, then {y!r}); first call: {result.status}, budget ratio "
        f"{fmt(result.ratio)}; second call: {second.status}, budget ratio {fmt(second.ratio)}"
    )
    chosen = second if result.status != "fail" and second.status == "fail" else result
    return _noted(chosen, note)


def _first_difference(a: Sequence[np.ndarray], b: Sequence[np.ndarray]):
    for l, (x, y) in enumerate(zip(a, b, strict=True)):
        if not np.array_equal(x, y):
            idx = tuple(int(i) for i in np.argwhere(x != y)[0])
            return l, idx, float(x[idx]), float(y[idx])
    return 0, (0, 0), 0.0, 0.0  # pragma: no cover - called only when they differ


def _judged(
    grads: list[np.ndarray],
    problem: Problem,
    b: Budget,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
    refs: dict[str, Reference],
) -> CheckResult:
    """The verdict on canonical gradients: judged, sharpened, confirmed."""
    answer = _first_answer(grads, problem, b, judges, refs)
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
    answer = _first_answer(grads, problem, b, others, refs)
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
    timeout: float | None = None,
    state_checks: bool = True,
    **convention: Any,
) -> CheckResult:
    """Judge ``fn`` on ``problem`` (see the module docstring for the rules).

    ``oracle`` names the judging oracle (default: the first available of
    :data:`ORACLE_ORDER` that answers); ``confirm=False`` skips the second opinion.
    ``convention`` (``layout``, ``examples_as``, ``reduction``, ``factor``,
    ``per_example``, ``bias_shape``: :func:`crosscheck.conventions.convention`) says how
    ``fn`` takes its arguments (``problem`` stays canonical); ``timeout`` bounds each
    call in seconds; ``state_checks`` calls ``fn`` on another problem of the same shapes
    first and twice on this one. :class:`~crosscheck.errors.UsageError` for an unknown or
    unavailable oracle or a bad convention, a wrong signature or a reduction whose
    conversion would round.
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
    fn, conv = _with_convention(fn, convention, "check")
    _exact_scale(conv, problem)
    guard = Guard(conv, timeout, state_checks)
    return check_with(fn, problem, judges, confirmers, guard=guard)


def _with_convention(
    fn: GradientFn, options: dict[str, Any], caller: str
) -> tuple[GradientFn, Convention]:
    """The function to call and its validated convention (an adapted function's own,
    unless options are given). A keyword that is not a convention's is a TypeError
    naming ``caller`` (the public function the keywords were given to)."""
    unknown = sorted(set(options) - set(KEYWORDS))
    if unknown:
        raise TypeError(
            f"{caller}() got an unexpected keyword argument {unknown[0]!r} (the keywords "
            f"of the function's convention are {', '.join(KEYWORDS)})"
        )
    inner, conv = convention_of(fn)
    if options:
        inner, conv = fn, convention(**options)
    return inner, check_signature(inner, conv)


def _exact_scale(conv: Convention, problem: Problem) -> None:
    s = conv.scale(1 if conv.per_example else problem.P, problem.sizes[-1])
    if math.frexp(abs(s))[0] != 0.5:
        raise UsageError(
            f"reduction: {conv.reduction} divides by "
            f"{' x '.join(conv.powers_of_two())} = {1 / s:g}, not a power of two, so the "
            "conversion to the summed cost would round; give P (and N_L for mean-all) as "
            "powers of two"
        )


def check_gradients(
    fn: GradientFn,
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
    *,
    biases: Sequence[np.ndarray] | None = None,
    oracle: str | None = None,
    confirm: bool = True,
    timeout: float | None = None,
    state_checks: bool = True,
    **convention: Any,
) -> CheckResult:
    """Judge ``fn(weights, X, Y, activations, cost)`` on this one problem.

    For a user with one real model in a test suite: the same judgement as
    ``crosscheck verify`` and the gate (:func:`check`). The arrays are in ``fn``'s own
    convention (``convention`` keywords as for :func:`check`; default canonical:
    ``weights[l]`` of shape ``(N_l + 1, N_{l+1})``, row 0 the bias, the seed's w^l; ``X``
    ``(P, Q)``; ``Y`` ``(P, N_L)``; with a separate layout, pass ``biases`` too) and
    validated (:class:`~crosscheck.errors.UsageError` names a bad one). The result's
    ``status`` is ``"pass"``, ``"fail"``, ``"inconclusive"`` or ``"skipped"``; ``ratio``,
    ``power`` and ``str(result)`` say how far and how much it checked.
    """
    _, conv = _with_convention(fn, convention, "check_gradients")
    problem = conv.problem(weights, biases, X, Y, activations, cost)
    return check(
        fn,
        problem,
        oracle=oracle,
        confirm=confirm,
        timeout=timeout,
        state_checks=state_checks,
        **convention,
    )
