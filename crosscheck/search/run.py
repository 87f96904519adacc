"""The search: one short Hypothesis run per problem over the balanced schedule, stopping
at the first failure (or, with ``keep_going``, going on to judge every cell), each
failure shrunk by Hypothesis, reduced by :mod:`.shrink` and weighed by :mod:`.severity`."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from crosscheck import oracles as _oracles
from crosscheck import validation
from crosscheck.conventions import KEYWORDS as CONVENTION_KEYWORDS
from crosscheck.conventions import Convention, check_signature, convention, convention_of
from crosscheck.errors import TargetTimeout, UsageError
from crosscheck.guard import DEFAULT_TIMEOUT, GlobalRandom, Guard
from crosscheck.judge import GradientFn
from crosscheck.options import SIZE_PROFILES, ProblemSpace, problem_space
from crosscheck.problem import Problem
from crosscheck.search.block import run_block
from crosscheck.search.result import DEFAULT_OPTIONS, Counterexample, VerifyResult
from crosscheck.search.schedule import Stratum, block_seed, cell_schedule, schedule
from crosscheck.search.severity import classify
from crosscheck.search.shrink import reduce_counterexample
from crosscheck.search.state import Search, cell_key, power_summary
from crosscheck.spec import SOFTMAX_COSTS
from crosscheck.verdict import (
    CONFIRM_ORDER,
    ORACLE_ORDER,
    CheckResult,
    check_with,
    oracle_modules,
)

__all__ = ["DEEP_SATURATION", "WEIGHT_REGIMES", "verify"]

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


def _function(fn: Any, conv_options: dict[str, Any]) -> tuple[GradientFn, Convention]:
    """The function to call and its convention (an adapted function's own unless
    convention options are given); :class:`UsageError` for a wrong signature."""
    if not callable(fn):
        raise UsageError(f"fn: expected a callable gradient function, got {fn!r}")
    inner, conv = convention_of(fn)
    given = {k: v for k, v in conv_options.items() if v is not None}
    if given:  # the options win over an adapted function's own convention
        conv = convention(**given)
    return inner, check_signature(inner, conv)


def _class_indices(space: ProblemSpace) -> ProblemSpace:
    """The space of a function that takes class indices: the softmax costs only, with
    one-hot labels, and no reduction that leaves a row of zeros (:attr:`one_hot_exact`)."""
    others = [c for c in space.costs if c not in SOFTMAX_COSTS]
    if others:
        raise UsageError(
            f"labels_as: class indices are the labels of the softmax costs only; name them "
            f"with --costs {','.join(SOFTMAX_COSTS)} (got {', '.join(space.costs)})"
        )
    kinds = space.label_kinds("nonnegative")
    if kinds != ("one_hot",):
        raise UsageError(
            f"labels_as: class indices carry one-hot labels only, got label kinds {list(kinds)}"
        )
    return space._replace(one_hot_exact=True)


def _one_fixed_net(space: ProblemSpace, fn: Any) -> None:
    """A function that takes no activations or cost computes one fixed net: the space must
    name one cost, one output activation and (with hidden layers) one hidden activation,
    or it would be judged on nets it never claimed to compute."""
    outputs = sorted({o for os_ in space.outputs.values() for o in os_})
    hidden = list(space.hidden) if space.max_depth >= 2 else []
    if len(space.outputs) == 1 and len(outputs) == 1 and len(hidden) <= 1:
        return
    name = getattr(fn, "__name__", "fn")
    raise UsageError(
        f"fn: {name} takes no activations or cost, so its net is fixed: name its cost "
        f"(--costs), its output activation (--outputs) and its hidden one (--activations), "
        f"one each (or --max-depth 1 for no hidden layer); got costs {list(space.outputs)}, "
        f"outputs {outputs}, hidden {hidden}"
    )


def verify(
    fn: GradientFn,
    *,
    activations: Iterable[str] | str | None = None,
    costs: Iterable[str] | str | None = None,
    outputs: Iterable[str] | str | None = None,
    dtypes: Iterable[Any] | str | None = None,
    sizes: str | None = None,
    min_depth: int | None = None,
    max_depth: int | None = None,
    min_width: int | None = None,
    max_width: int | None = None,
    min_outputs: int | None = None,
    max_outputs: int | None = None,
    min_q: int | None = None,
    max_q: int | None = None,
    min_p: int | None = None,
    max_p: int | None = None,
    regimes: Iterable[str] | str | None = None,
    labels: Iterable[str] | str | None = None,
    layout: str | None = None,
    examples_as: str | None = None,
    reduction: str | None = None,
    factor: float | None = None,
    per_example: bool | None = None,
    bias_shape: str | None = None,
    returns: str | None = None,
    labels_as: str | None = None,
    bias_at: str | None = None,
    max_examples: int | None = None,
    seed: int = 0,
    oracle: str | None = None,
    confirm: bool = True,
    keep_going: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
    state_checks: bool = True,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    phase: Callable[[str], None] | None = None,
) -> VerifyResult:
    """Search for a problem on which ``fn`` disagrees with the oracles beyond the budget.

    ``fn`` takes its arguments in its convention (``layout``, ``examples_as``,
    ``reduction``, ``factor``, ``per_example``, ``bias_shape``, ``returns``, ``labels_as``,
    ``bias_at``:
    :func:`crosscheck.conventions.convention`; default canonical,
    ``fn(weights, X, Y, activations, cost) -> list[np.ndarray]``, every cost a sum; an
    :func:`~crosscheck.conventions.adapt` ed function brings its own).

    What is drawn: ``activations``/``costs`` restrict the names to what ``fn`` supports
    (include ``"softmax"`` to keep the softmax costs), ``outputs`` the output activation
    apart from the hidden ones; ``dtypes``; ``sizes`` a profile of
    :data:`crosscheck.options.SIZE_PROFILES` (``gate``, ``medium``, ``large``) whose
    ranges ``min_*``/``max_*`` override (depth, hidden widths, outputs N_L, inputs Q,
    examples P); ``regimes`` the weight regimes; ``labels`` the label kinds (e.g.
    ``"one_hot"``, ``"binary"``). ``max_examples`` problems are judged (the profile's
    number by default; fewer if the candidate fails first), one Hypothesis run each, in
    the strata of :func:`~crosscheck.search.schedule.schedule`; ``seed`` fixes the search.

    ``keep_going`` judges every (hidden activation, cost and output, dtype) cell, each
    with hidden layers of that one activation, and shrinks a counterexample per failing
    cell. ``timeout`` bounds each call of ``fn`` in seconds (None: no bound; a timeout
    raises :class:`~crosscheck.errors.TargetTimeout`); ``state_checks`` calls ``fn`` on
    another problem of the same shapes first and twice on each problem. ``oracle`` picks
    the judging oracle (default: the first available of
    :data:`~crosscheck.judge.ORACLE_ORDER`); ``confirm`` asks a second oracle before
    declaring a discrepancy. ``progress(done, total)`` is called after each problem and
    ``phase(text)`` when the search starts shrinking. Raises
    :class:`~crosscheck.errors.UsageError` (a ``ValueError``) naming a bad argument.
    """
    t0 = time.perf_counter()
    given = {k: v for k, v in locals().items() if k in DEFAULT_OPTIONS}
    fn, conv = _function(fn, {k: given[k] for k in CONVENTION_KEYWORDS})
    space = problem_space(
        activations=activations,
        costs=costs,
        outputs=outputs,
        dtypes=dtypes,
        sizes=sizes,
        min_depth=min_depth,
        max_depth=max_depth,
        min_width=min_width,
        max_width=max_width,
        min_outputs=min_outputs,
        max_outputs=max_outputs,
        min_q=min_q,
        max_q=max_q,
        min_p=min_p,
        max_p=max_p,
        regimes=regimes,
        labels="one_hot" if labels is None and conv.labels_as == "indices" else labels,
        powers_of_two=conv.powers_of_two(),
    )
    if conv.labels_as == "indices":
        space = _class_indices(space)
    if not conv.names:
        _one_fixed_net(space, fn)
    if max_examples is not None:
        max_examples = validation.integer(max_examples, "max_examples")
    seed = validation.integer(seed, "seed", minimum=0)
    if timeout is not None:
        timeout = validation.positive_number(timeout, "timeout")
    judges, confirmers = _oracles_for(oracle, confirm)
    guard = Guard(conv, timeout, bool(state_checks), GlobalRandom(seed))
    strata = _strata(space, max_examples, seed, keep_going)
    options = {
        **given,
        **{k: space.given[k] for k in ("activations", "costs", "outputs", "labels")},
        "regimes": None if regimes is None else list(space.regimes),
        "dtypes": [d.name for d in space.dtypes],
        "max_examples": max_examples,
        **{k: v for k, v in conv.options().items()},
    }
    from crosscheck.strategies import without_local_constants

    state = Search()
    shrink_time = reduce_time = 0.0
    failures: list[Counterexample] = []
    failed_cells: set[str] = set()
    with without_local_constants(), _torch_threads(space):
        for b, stratum in enumerate(strata):
            if keep_going and cell_key(stratum) in failed_cells:
                continue
            block_space = _stratum_space(space, stratum)
            failed = run_block(
                fn, block_space, stratum, block_seed(seed, b), state, judges, confirmers, guard
            )
            if progress is not None:
                progress(b + 1, len(strata))
            if failed and state.last_failure is not None:
                t_shrunk = time.perf_counter()
                shrink_time += t_shrunk - (state.caught_time or t_shrunk)
                if phase is not None:
                    phase(f"reducing a counterexample ({stratum.describe()})")
                failures.append(
                    _counterexample(fn, state, stratum, b, block_space if keep_going else space,
                                    judges, confirmers, guard, seed)
                )
                reduce_time += time.perf_counter() - t_shrunk
                failed_cells.add(cell_key(stratum))
                if not keep_going:
                    break
                state.resume()
    t_end = time.perf_counter()
    caught = state.first_caught
    t_caught = caught[1] if caught else t_end
    return VerifyResult(
        target=name or _target_name(fn),
        passed=not failures,
        examples=state.examples,
        worst_ratio=state.worst[0],
        worst_problem=state.worst[1],
        counterexample=failures[0] if failures else None,
        examples_until_caught=caught[0] if caught else None,
        skipped=state.skipped,
        disputed=tuple(state.disputed),
        oracle=judges[0].NAME,
        confirming=tuple(m.NAME for m in confirmers if m.NAME != judges[0].NAME),
        seed=seed,
        options=options,
        coverage={k: dict(sorted(v.items())) for k, v in state.coverage.items()},
        calls=state.calls,
        seconds=t_end - t0,
        timing={
            "search": round(t_caught - t0, 3),
            "shrink": round(shrink_time, 3),
            "reduce": round(reduce_time, 3),
        },
        inconclusive=state.inconclusive,
        cells={c: dict(sorted(n.items())) for c, n in sorted(state.cells.items())},
        power=power_summary(state.powers),
        extent={k: list(v) for k, v in sorted(state.extent.items())},
        failures=tuple(failures),
        matrix={c: dict(sorted(n.items())) for c, n in state.matrix.items()} if keep_going
        else None,
        unsupported=dict(state.unsupported.most_common()),
        flags=dict(sorted(state.flags.items())),
        convention=conv.describe(),
    )


ONE_THREAD_BELOW = 2**14
"""torch runs on one thread during a search whose largest array (examples P times the
widest layer, inputs or outputs) has fewer entries than this (the ``gate`` profile: at most
16 x 8): its intra-op thread pool cannot split such arrays and only adds hand-offs, which
on a loaded machine cost milliseconds per call (a gate problem's torch gradient: 2.4 ms
on one thread, 22-48 ms on two, measured side by side with a load average of 12 on 2
CPUs). The user's setting is restored afterwards."""


def _largest_array(space: ProblemSpace) -> int:
    return space.max_p * max(space.max_width, space.output_range[1], space.max_q)


@contextlib.contextmanager
def _torch_threads(space: ProblemSpace) -> Iterator[None]:
    """torch on one thread for the search (see :data:`ONE_THREAD_BELOW`), if torch is
    imported (the oracles import it when asked whether they are available)."""
    torch = sys.modules.get("torch")
    if torch is None or _largest_array(space) >= ONE_THREAD_BELOW:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _schedule_regimes(space: ProblemSpace) -> tuple[str, ...]:
    """The schedule's weight regimes whose strategies regime the space allows."""
    return tuple(r for r, (base, _) in WEIGHT_REGIMES.items() if base in space.regimes)


KEEP_GOING_PER_CELL = 2
"""Problems per cell of a ``keep_going`` search unless ``max_examples`` is given."""


def _strata(
    space: ProblemSpace, n: int | None, seed: int, keep_going: bool
) -> list[Stratum]:
    """The blocks' strata: balanced over the space, or (``keep_going``) cell by cell,
    :data:`KEEP_GOING_PER_CELL` per cell unless ``n`` is given."""
    dts = tuple(d.name for d in space.dtypes)
    hidden = space.hidden if space.max_depth > 1 else ()
    regimes = _schedule_regimes(space)
    if keep_going:
        cells = len(hidden) + (space.min_depth == 1)
        cells *= sum(len(o) for o in space.outputs.values()) * len(dts)
        return cell_schedule(
            KEEP_GOING_PER_CELL * cells if n is None else n, outputs=space.outputs,
            hidden=hidden, shallow=space.min_depth == 1, dtypes=dts, regimes=regimes, seed=seed,
        )
    n = SIZE_PROFILES[space.profile].examples if n is None else n
    return schedule(n, outputs=space.outputs, hidden=hidden, dtypes=dts, regimes=regimes, seed=seed)


def _stratum_space(space: ProblemSpace, stratum: Stratum) -> ProblemSpace:
    """``space`` narrowed to ``stratum``'s cost, output activation, dtype and regime (and,
    for a pure stratum, to hidden layers of its one activation, or none)."""
    regime, saturation = WEIGHT_REGIMES[stratum.regime]
    narrowed = space._replace(
        outputs={stratum.cost: (stratum.output,)},
        dtypes=(np.dtype(stratum.dtype),),
        regimes=(regime,),
        saturation=space.saturation if saturation is None else saturation,
    )
    if not stratum.pure:
        return narrowed
    if stratum.featured is None:
        return narrowed._replace(max_depth=1)
    return narrowed._replace(hidden=(stratum.featured,), min_depth=max(2, space.min_depth))


def _counterexample(
    fn: GradientFn,
    state: Search,
    stratum: Stratum,
    block: int,
    space: ProblemSpace,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
    guard: Guard,
    seed: int,
) -> Counterexample:
    """The failure of the last block reduced within ``space`` and weighed."""
    assert state.last_failure is not None
    (shrunk, info), outcome = state.last_failure

    def still_fails(p: Problem) -> CheckResult | None:
        state.calls += 1
        try:
            o = check_with(fn, p, judges, confirmers, guard=guard)
        except TargetTimeout:
            return None
        return o if o.status == "fail" else None

    def judge(p: Problem) -> CheckResult:
        state.calls += 1
        return check_with(fn, p, judges, confirmers, guard=guard)

    problem, outcome, steps = reduce_counterexample(shrunk, outcome, still_fails, space)
    first = state.caught_outcome
    if first is not None and "stale" in first.flags and "stale" not in outcome.flags:
        outcome = outcome._replace(
            flags=(*outcome.flags, "stale"),
            note=(f"{outcome.note}; " if outcome.note else "")
            + "when first caught, on the problem drawn: "
            + first.note.split("; ")[-1]
            + "; this reduced problem fails through state left by earlier calls and may "
            "pass in a fresh process",
        )
    where = f"{stratum.regime} weights, {info.x_kind} inputs, {info.y_kind} labels"
    severity = classify(problem, outcome, where, judge, seed)
    return Counterexample(
        problem,
        outcome,
        stratum,
        block,
        info.x_kind,
        info.y_kind,
        stratum.regime,
        info.layer_regimes,
        shrunk.describe(),
        steps,
        severity,
        cell_key(stratum) if stratum.pure else None,
    )
