"""One block of the search: a short Hypothesis run that judges one problem of a stratum,
and, when the function fails it, Hypothesis's shrinking of that problem."""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from crosscheck.errors import TargetTimeout
from crosscheck.guard import Guard
from crosscheck.judge import GradientFn
from crosscheck.options import ProblemSpace
from crosscheck.search.schedule import Stratum
from crosscheck.search.state import Search
from crosscheck.verdict import check_with

__all__ = ["MAX_SHRINK_CALLS", "MAX_SHRINK_SECONDS", "run_block"]

MAX_SHRINK_CALLS = 25
"""Calls Hypothesis's shrinker may make after the first failure. Its structural moves
come first and are finished by :func:`~crosscheck.search.shrink.reduce_counterexample`;
past the budget it is stopped (its overhead on float-heavy choice sequences grows fast),
keeping the smallest failing problem so far (every failing call during shrinking is a new
smallest one)."""

MAX_SHRINK_SECONDS = 60.0
"""Seconds Hypothesis's shrinking may take (large problems take seconds per call); the
gate's problems shrink in well under a second, so their results never depend on it."""

_RATIO_CAP = 1e300  # hypothesis.target needs a finite score


class _Found(AssertionError):
    """Raised inside a block to tell Hypothesis the candidate failed."""


class _StopShrinking(BaseException):
    """Raised inside a block to end Hypothesis's shrinking (not an Exception: Hypothesis
    lets it through instead of treating it as a failure of the test)."""


class _Abort(BaseException):
    """Carries a :class:`~crosscheck.errors.TargetTimeout` out of Hypothesis."""


def run_block(
    fn: GradientFn,
    space: ProblemSpace,
    stratum: Stratum,
    seed: int,
    state: Search,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
    guard: Guard,
) -> bool:
    """One Hypothesis run that judges one problem of ``space`` (already narrowed to the
    stratum; more problems while shrinking); True if the candidate failed. A timeout while
    searching raises :class:`~crosscheck.errors.TargetTimeout`; while shrinking, the
    problem counts as not failing."""
    import hypothesis
    from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings, target
    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisException, Unsatisfiable

    from crosscheck.strategies import problems_in

    strategy = problems_in(space, stratum.featured)
    nonce = st.integers(0, 2**16)
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
    @given(st.data())
    def block(data: Any) -> None:
        # Hypothesis's next call after the simplest one draws a "novel prefix": its first
        # choice is forced to differ from the simplest's. A leading nonce takes that role,
        # so the problem's own first choice (the depth) stays free to be 1.
        data.draw(nonce)
        if first[0] and state.searching:
            # Hypothesis's first call is the run's simplest problem (every choice at its
            # minimum: one unit, P = 1, X = 0): the same few problems in every block. It
            # is rejected before the problem is drawn (the draw would be wasted).
            first[0] = False
            reject()
        first[0] = False
        drawn = data.draw(strategy)
        if not state.searching:
            state.shrink_calls += 1
            too_long = time.perf_counter() - (state.caught_time or 0.0) > MAX_SHRINK_SECONDS
            if state.shrink_calls > MAX_SHRINK_CALLS or too_long:
                raise _StopShrinking
        try:
            outcome = check_with(fn, drawn.problem, judges, confirmers, guard=guard)
        except TargetTimeout as exc:
            if state.searching:
                raise _Abort(exc) from None
            return  # a shrunk problem that times out does not fail the same way
        state.calls += 1
        if outcome.unsupported is not None:
            if state.searching:
                state.declined(stratum, outcome)
            return
        if outcome.status == "skipped":
            if state.searching:
                state.skipped += 1
            reject()
        if outcome.status == "fail":
            if state.searching:
                state.caught(drawn, stratum, time.perf_counter(), outcome)
            state.last_failure = (drawn, outcome)
            raise _Found(drawn.problem.describe())
        if state.searching:
            state.judged(drawn, stratum, outcome)
        target(min(outcome.ratio, _RATIO_CAP), label="budget ratio")

    # No example database, so no key: without this Hypothesis hashes the test function's
    # source (inspect.getsource and tokenize) on every run, i.e. every block.
    block._hypothesis_internal_database_key = None  # type: ignore[attr-defined]
    try:
        block()
    except _Abort as abort:
        raise abort.args[0] from None
    except (_Found, _StopShrinking):
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
