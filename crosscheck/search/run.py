"""The search: one short Hypothesis run per problem over the balanced schedule, stopping
at the first failure, which Hypothesis shrinks and :mod:`.shrink` reduces further."""

from __future__ import annotations

import collections
import itertools
import math
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from crosscheck import oracles as _oracles
from crosscheck import validation
from crosscheck.errors import UsageError
from crosscheck.judge import GradientFn
from crosscheck.options import ProblemSpace, problem_space
from crosscheck.problem import Problem
from crosscheck.search.result import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_P,
    DEFAULT_MAX_Q,
    DEFAULT_MAX_WIDTH,
    Counterexample,
    VerifyResult,
)
from crosscheck.search.schedule import Stratum, block_seed, schedule
from crosscheck.search.shrink import reduce_counterexample
from crosscheck.verdict import (
    CONFIRM_ORDER,
    ORACLE_ORDER,
    CheckResult,
    check_with,
    oracle_modules,
)

__all__ = ["DEEP_SATURATION", "MAX_SHRINK_CALLS", "WEIGHT_REGIMES", "verify"]

DEEP_SATURATION = 60.0
"""Typical |z| of the ``"deep saturating"`` weight regime (the strategies' saturating
regime at this level instead of :data:`crosscheck.options.SATURATING_Z` = 25)."""

WEIGHT_REGIMES: dict[str, tuple[str, float | None]] = {
    "typical": ("typical", None),
    "small": ("small", None),
    "saturating": ("saturating", None),
    "deep saturating": ("saturating", DEEP_SATURATION),
    "mixed": ("mixed", None),
}
"""The schedule's weight regimes: name -> (strategies regime, saturation level). Saturation
is where clipped formulas, cancellation and underflow show; at the default level (25)
the output reaches |z| > 23 in about half the draws, so a deeper level doubles the
chance of catching, e.g., an output sigmoid clipped to [1e-10, 1 - 1e-10]."""

MAX_SHRINK_CALLS = 25
"""Calls Hypothesis's shrinker may make after the first failure. Its structural moves
come first and are finished by :func:`~crosscheck.search.shrink.reduce_counterexample`;
past the budget it is stopped (its overhead on float-heavy choice sequences grows fast),
keeping the smallest failing problem so far (every failing call during shrinking is a new
smallest one)."""

_RATIO_CAP = 1e300  # hypothesis.target needs a finite score


class _Found(AssertionError):
    """Raised inside a block to tell Hypothesis the candidate failed."""


class _StopShrinking(BaseException):
    """Raised inside a block to end Hypothesis's shrinking (not an Exception: Hypothesis
    lets it through instead of treating it as a failure of the test)."""


class _Search:
    """Mutable state shared by the blocks' test functions."""

    def __init__(self) -> None:
        self.examples = 0
        self.calls = 0
        self.skipped = 0
        self.inconclusive = 0
        self.disputed: list[str] = []
        self.cells: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.powers: dict[tuple[str, str, str], list[float]] = collections.defaultdict(list)
        self.extent: dict[str, list[int]] = {}
        self.worst = (0.0, None)
        self.searching = True
        self.caught_at: int | None = None
        self.caught_time: float | None = None
        self.last_failure: tuple[Any, CheckResult] | None = None
        self.shrink_calls = 0
        self.coverage: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )

    def cover(self, drawn: Any, stratum: Stratum) -> None:
        p, info = drawn
        c = self.coverage
        c["depth"][str(p.depth)] += 1
        c["dtype"][str(p.dtype)] += 1
        c["cost"][p.cost] += 1
        c["output activation"][p.activations[-1]] += 1
        for a in sorted(set(p.activations[:-1])):
            c["hidden activation (present)"][a] += 1
        c["hidden activations (distinct)"][str(len(set(p.activations[:-1])))] += 1
        c["regime"][stratum.regime] += 1
        for r in sorted(set(info.layer_regimes)):
            c["layer regime (present)"][r] += 1
        c["x kind"][info.x_kind] += 1
        c["y kind"][f"{info.y_kind}"] += 1
        c["P"][_bucket(p.P, (1, 2, 3, 5, 9))] += 1
        c["N_L"][_bucket(p.sizes[-1], (1, 2, 3, 5))] += 1
        c["widest layer"][_bucket(max(p.sizes[1:]), (1, 2, 3, 5))] += 1
        c["Q"][_bucket(p.sizes[0], (1, 2, 3, 5))] += 1
        for key, n in (("depth", p.depth), ("width", max(p.sizes[1:])), ("P", p.P),
                       ("Q", p.sizes[0])):
            lo_hi = self.extent.setdefault(key, [n, n])
            lo_hi[0], lo_hi[1] = min(lo_hi[0], n), max(lo_hi[1], n)

    def judged(self, drawn: Any, stratum: Stratum, outcome: CheckResult) -> None:
        """Count a problem the candidate did not fail: its cell's verdict and its power."""
        p = drawn.problem
        self.cells[f"{stratum.cost}/{stratum.output} {stratum.dtype}"][outcome.status] += 1
        if outcome.status == "inconclusive":
            self.inconclusive += 1
        for r in outcome.power:
            if math.isfinite(r.power):
                key = (str(p.dtype), _position(r.layer, p.depth), r.row_kind)
                self.powers[key].append(r.power)


def _position(layer: int, depth: int) -> str:
    """``"output"`` for the last weight layer, ``"first"`` for w^0 of a deeper net,
    ``"hidden"`` in between."""
    if layer == depth - 1:
        return "output"
    return "first" if layer == 0 else "hidden"


def _power_summary(
    powers: dict[tuple[str, str, str], list[float]],
) -> dict[str, dict[str, dict[str, list]]]:
    """``{dtype: {position: {row_kind: [median, worst]}}}`` of the whole-block power over
    the judged problems (the smallest relative error of a whole block that was flagged)."""
    out: dict[str, dict[str, dict[str, list]]] = {}
    for dtype in ("float64", "float32"):
        for position in ("first", "hidden", "output"):
            for kind in ("bias", "weights"):
                values = powers.get((dtype, position, kind))
                if values:
                    out.setdefault(dtype, {}).setdefault(position, {})[kind] = [
                        float(np.median(values)),
                        float(np.max(values)),
                    ]
    return out


def _bucket(n: int, edges: Sequence[int]) -> str:
    """``n`` as ``"1"``, ``"2"``, ``"3-4"``, ... for the edges (1, 2, 3, 5), ``"5+"`` last."""
    for lo, hi in itertools.pairwise(edges):
        if lo <= n < hi:
            return str(lo) if hi == lo + 1 else f"{lo}-{hi - 1}"
    return f"{edges[-1]}+"


def _target_name(fn: Any) -> str:
    mod = getattr(fn, "__module__", None) or "?"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"{mod}:{name}"


def _oracles_for(oracle: str | None, confirm: bool) -> tuple[list[ModuleType], list[ModuleType]]:
    """The judging oracle(s) to try in turn and the confirming ones; :class:`UsageError`
    for an unknown or unavailable ``oracle``."""
    if oracle is not None:
        mod = _oracles.get(oracle)
        ok, why = mod.available()
        if not ok:
            raise UsageError(f"oracle: {oracle} is unavailable here: {why}")
        judges = [mod]
    else:
        judges = oracle_modules(ORACLE_ORDER)
        if not judges:
            raise UsageError(f"oracle: none of {', '.join(ORACLE_ORDER)} is available")
    return judges, oracle_modules(CONFIRM_ORDER) if confirm else []


def verify(
    fn: GradientFn,
    *,
    activations: Iterable[str] | str | None = None,
    costs: Iterable[str] | str | None = None,
    dtypes: Iterable[Any] | str | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_width: int = DEFAULT_MAX_WIDTH,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    seed: int = 0,
    oracle: str | None = None,
    confirm: bool = True,
    max_q: int = DEFAULT_MAX_Q,
    max_p: int = DEFAULT_MAX_P,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    """Search for a problem on which ``fn`` disagrees with the oracles beyond the budget.

    ``fn(weights, X, Y, activations, cost) -> list[np.ndarray]`` (canonical layout).
    ``activations``/``costs`` restrict the names to what ``fn`` supports (include
    ``"softmax"`` to keep the softmax costs; default: everything); ``dtypes`` the dtypes
    (default float32 and float64); depth L in [1, max_depth], widths N_l in
    [1, max_width], Q in [1, max_q], P in [1, max_p]. ``max_examples`` problems are judged
    (fewer if the candidate fails first), one Hypothesis run each, in the strata of
    :func:`~crosscheck.search.schedule.schedule`; ``seed`` fixes the whole search.
    ``oracle`` picks the judging oracle (default: the first available of
    :data:`~crosscheck.judge.ORACLE_ORDER`); ``confirm`` asks a second oracle before
    declaring a discrepancy. ``progress(done, total)`` is called after each problem.
    Raises :class:`~crosscheck.errors.UsageError` (a ``ValueError``) naming a bad argument.
    """
    t0 = time.perf_counter()
    if not callable(fn):
        raise UsageError(f"fn: expected a callable gradient function, got {fn!r}")
    space = problem_space(
        activations=activations,
        costs=costs,
        dtypes=dtypes,
        max_depth=max_depth,
        max_width=max_width,
        max_q=max_q,
        max_p=max_p,
    )
    max_examples = validation.integer(max_examples, "max_examples")
    seed = validation.integer(seed, "seed", minimum=0)
    judges, confirmers = _oracles_for(oracle, confirm)
    given = space.given
    dts = tuple(d.name for d in space.dtypes)
    hidden = space.hidden if space.max_depth > 1 else ()
    strata = schedule(
        max_examples,
        outputs=space.outputs,
        hidden=hidden,
        dtypes=dts,
        regimes=tuple(WEIGHT_REGIMES),
        seed=seed,
    )
    options = {
        "activations": given["activations"],
        "costs": given["costs"],
        "dtypes": list(dts),
        "max_depth": int(max_depth),
        "max_width": given["max_width"],
        "max_examples": max_examples,
        "max_q": given["max_q"],
        "max_p": given["max_p"],
        "oracle": oracle,
        "confirm": confirm,
    }
    from crosscheck.strategies import without_local_constants

    state = _Search()
    found: tuple[int, Stratum] | None = None
    with without_local_constants():
        for b, stratum in enumerate(strata):
            failed = _run_block(fn, space, stratum, block_seed(seed, b), state, judges, confirmers)
            if progress is not None:
                progress(b + 1, len(strata))
            if failed:
                found = (b, stratum)
                break
    t_shrunk = time.perf_counter()
    counterexample = None
    if found is not None and state.last_failure is not None:
        (shrunk, info), outcome = state.last_failure

        def still_fails(p: Problem) -> CheckResult | None:
            state.calls += 1
            o = check_with(fn, p, judges, confirmers)
            return o if o.status == "fail" else None

        problem, outcome, steps = reduce_counterexample(shrunk, outcome, still_fails, space)
        counterexample = Counterexample(
            problem,
            outcome,
            found[1],
            found[0],
            info.x_kind,
            info.y_kind,
            found[1].regime,
            info.layer_regimes,
            shrunk.describe(),
            steps,
        )
    worst_ratio, worst_problem = state.worst
    t_end = time.perf_counter()
    t_caught = state.caught_time or t_shrunk
    timing = {
        "search": round(t_caught - t0, 3),
        "shrink": round(t_shrunk - t_caught, 3),
        "reduce": round(t_end - t_shrunk, 3),
    }
    return VerifyResult(
        target=name or _target_name(fn),
        passed=counterexample is None,
        examples=state.examples,
        worst_ratio=worst_ratio,
        worst_problem=worst_problem,
        counterexample=counterexample,
        examples_until_caught=state.caught_at,
        skipped=state.skipped,
        disputed=tuple(state.disputed),
        oracle=judges[0].NAME,
        confirming=tuple(m.NAME for m in confirmers if m.NAME != judges[0].NAME),
        seed=seed,
        options=options,
        coverage={k: dict(sorted(v.items())) for k, v in state.coverage.items()},
        calls=state.calls,
        seconds=t_end - t0,
        timing=timing,
        inconclusive=state.inconclusive,
        cells={c: dict(sorted(n.items())) for c, n in sorted(state.cells.items())},
        power=_power_summary(state.powers),
        extent={k: list(v) for k, v in sorted(state.extent.items())},
    )


def _stratum_space(space: ProblemSpace, stratum: Stratum) -> ProblemSpace:
    """``space`` narrowed to ``stratum``'s cost, output activation, dtype and regime."""
    regime, saturation = WEIGHT_REGIMES[stratum.regime]
    return space._replace(
        outputs={stratum.cost: (stratum.output,)},
        dtypes=(np.dtype(stratum.dtype),),
        regimes=(regime,),
        saturation=space.saturation if saturation is None else saturation,
    )


def _run_block(
    fn: GradientFn,
    space: ProblemSpace,
    stratum: Stratum,
    seed: int,
    state: _Search,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
) -> bool:
    """One Hypothesis run that judges one problem of ``stratum`` (more while shrinking);
    True if the candidate failed."""
    import hypothesis
    from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings, target
    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisException, Unsatisfiable

    from crosscheck.strategies import problems_in

    strategy = problems_in(_stratum_space(space, stratum), stratum.featured)
    # Hypothesis's next call after the simplest one draws a "novel prefix": its first
    # choice is forced to differ from the simplest's. A leading nonce takes that role, so
    # the problem's own first choice (the depth) stays free to be 1.
    strategy = st.tuples(st.integers(0, 2**16), strategy).map(operator.itemgetter(1))
    first = [True]

    @hypothesis.seed(seed)
    @settings(
        settings.get_profile("default"),
        max_examples=1,
        database=None,
        derandomize=False,
        deadline=None,
        phases=[Phase.generate, Phase.target, Phase.shrink],
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(strategy)
    def block(drawn: Any) -> None:
        if first[0] and state.searching:
            # Hypothesis's first call is the run's simplest problem (every choice at its
            # minimum: one unit, P = 1, X = 0): the same few problems in every block.
            first[0] = False
            reject()
        first[0] = False
        if not state.searching:
            state.shrink_calls += 1
            if state.shrink_calls > MAX_SHRINK_CALLS:
                raise _StopShrinking
        outcome = check_with(fn, drawn.problem, judges, confirmers)
        state.calls += 1
        if outcome.status == "skipped":
            if state.searching:
                state.skipped += 1
            reject()
        if outcome.status == "fail":
            if state.searching:
                state.examples += 1
                state.cover(drawn, stratum)
                state.caught_at = state.examples
                state.caught_time = time.perf_counter()
                state.searching = False
            state.last_failure = (drawn, outcome)
            raise _Found(drawn.problem.describe())
        if state.searching:
            state.examples += 1
            state.cover(drawn, stratum)
            state.judged(drawn, stratum, outcome)
            if outcome.disputed:
                state.disputed.append(f"{drawn.problem.describe()}: {outcome.note}")
            elif outcome.ratio >= state.worst[0]:
                state.worst = (outcome.ratio, drawn.problem.describe())
        target(min(outcome.ratio, _RATIO_CAP), label="budget ratio")

    try:
        block()
    except _Found:
        return True
    except _StopShrinking:
        return True
    except Unsatisfiable:  # every draw of this stratum was skipped (no oracle answered)
        return False
    except HypothesisException:
        # e.g. Flaky: a candidate that fails only some of the times it is called. The
        # last failing call is still a counterexample; without one, it is an error.
        if not state.searching and state.last_failure is not None:
            return True
        raise
    except BaseExceptionGroup:  # pragma: no cover - several bugs despite report_multiple_bugs
        if not state.searching and state.last_failure is not None:
            return True
        raise
    return False
