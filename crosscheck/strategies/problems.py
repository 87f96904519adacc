"""Whole problems: an architecture, a dtype, P, a weight regime, then the numbers.

A problem is drawn in this order, so that shrinking walks towards the simplest network
and the simplest data: the architecture (depth first, then Q, the widths, the cost, the
activations), the dtype (float64 first), P (from 1 up), the weight regime, one seed for
the values, then the weights, the inputs X and the labels Y
(:mod:`crosscheck.strategies.data`): their kinds are Hypothesis draws, their values come
from a NumPy generator seeded with that one seed (:mod:`crosscheck.strategies.arrays`).
The smallest problem is the seed's own logistic regression: sizes (1, 1), ``("sigmoid",)``,
``log_likelihood`` (seed eq. 12), float64, P = 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st

from crosscheck import spec, validation
from crosscheck.options import ProblemSpace, problem_space
from crosscheck.problem import Problem, make_problem
from crosscheck.strategies import arrays, discrete
from crosscheck.strategies.architectures import Architecture, architectures_in
from crosscheck.strategies.data import X_KINDS, _inputs_from, _labels_from, _weights_from
from crosscheck.strategies.determinism import label
from crosscheck.strategies.sizes import size

__all__ = [
    "BATCH",
    "Batch",
    "Drawn",
    "DrawnProblem",
    "batches_in",
    "problem_batches",
    "problems",
    "problems_in",
    "problems_with_info",
]


class Drawn(NamedTuple):
    """What was drawn for a problem, for breaking results down in a report."""

    architecture: Architecture
    dtype: np.dtype
    regime: str
    layer_regimes: tuple[str, ...]
    x_kind: str
    y_kind: str


class DrawnProblem(NamedTuple):
    """A problem and the :class:`Drawn` record of how it was drawn."""

    problem: Problem
    info: Drawn


def _choices(
    draw: st.DrawFn, architectures: st.SearchStrategy[Architecture], space: ProblemSpace
) -> tuple[Architecture, np.dtype, int, str]:
    """The choices made before any number: architecture, dtype, P, weight regime."""
    arch = draw(architectures, label=label("architecture"))
    dtype = draw(discrete.one_of(space.dtypes), label=label("dtype"))
    p_sizes = size(
        space.min_p, space.max_p, log=space.log_sizes, power_of_two="P" in space.powers_of_two
    )
    P = draw(p_sizes, label=label("P"))
    regime = draw(discrete.one_of(space.regimes), label=label("regime"))
    return arch, dtype, P, regime


def _numbers(
    draw: st.DrawFn,
    rng: np.random.Generator,
    choices: tuple[Architecture, np.dtype, int, str],
    space: ProblemSpace,
) -> DrawnProblem:
    """The weights, X and Y of ``choices`` from ``rng`` (their kinds are ``draw`` s)."""
    arch, dtype, P, regime = choices
    w = _weights_from(draw, rng, arch, regime, dtype, space.saturation, space.mixed)
    x = _inputs_from(draw, rng, P, arch.sizes[0], dtype, X_KINDS)
    kinds = space.label_kinds(spec.COSTS[arch.cost].labels)
    y = _labels_from(draw, rng, arch.cost, P, arch.sizes[-1], dtype, kinds)
    problem = make_problem(w.weights, x.X, y.Y, arch.activations, arch.cost)
    return DrawnProblem(problem, Drawn(arch, dtype, regime, w.layer_regimes, x.kind, y.kind))


@st.composite
def _problems_with_info(
    draw: st.DrawFn,
    architectures: st.SearchStrategy[Architecture],
    space: ProblemSpace,
) -> DrawnProblem:
    choices = _choices(draw, architectures, space)
    return _numbers(draw, arrays.seeded(draw, "values"), choices, space)


BATCH = 8
"""The default batch size: the gate's peer property and ``crosscheck bench`` 's gate
throughput judge this many problems per drawn example (docs/performance.md, "Batches")."""


class Batch(NamedTuple):
    """Problems of one :func:`~crosscheck.problem.family` (sizes, P, activations, cost,
    dtype) drawn with the same kinds (:class:`Drawn`, ``info``), differing in their numbers
    only: ``problems[0]`` is the problem :func:`problems_in` draws from the same choices,
    ``problems[k]`` has the values of the generator seeded ``[seed, k]``."""

    problems: tuple[Problem, ...]
    info: Drawn


def _recording(draw: st.DrawFn, record: list) -> st.DrawFn:
    def recorded(strategy: st.SearchStrategy, label: int | None = None) -> Any:
        value = draw(strategy, label=label)
        record.append(value)
        return value

    return recorded


def _replaying(record: list) -> st.DrawFn:
    values = iter(record)

    def replayed(strategy: st.SearchStrategy, label: int | None = None) -> Any:
        return next(values)

    return replayed


@st.composite
def _batches(
    draw: st.DrawFn,
    architectures: st.SearchStrategy[Architecture],
    space: ProblemSpace,
    size: int,
) -> Batch:
    choices = _choices(draw, architectures, space)
    seed = arrays.seed(draw, "values")
    record: list = []
    first = _numbers(_recording(draw, record), np.random.default_rng(seed), choices, space)
    # the kinds' draws depend on the choices only, so each sibling makes the same draws in
    # the same order: replayed, they give it the first one's kinds with its own values
    rest = (
        _numbers(_replaying(record), np.random.default_rng([seed, k]), choices, space).problem
        for k in range(1, size)
    )
    return Batch((first.problem, *rest), first.info)


def batches_in(space: ProblemSpace, size: int) -> st.SearchStrategy[Batch]:
    """:class:`Batch` es of ``size`` problems of a validated
    :class:`~crosscheck.options.ProblemSpace`: one Hypothesis draw of the choices and the
    kinds (what :func:`problems_in` draws for one problem), NumPy values for each member.
    Shrinking works on the shared choices and the seed."""
    size = validation.integer(size, "size")
    return _batches(architectures_in(space), space, size)


def problems_in(
    space: ProblemSpace, featured: str | None = None
) -> st.SearchStrategy[DrawnProblem]:
    """``DrawnProblem`` s of a validated :class:`~crosscheck.options.ProblemSpace`
    (``featured``: a hidden activation placed at one hidden layer, see
    :func:`crosscheck.strategies.architectures`)."""
    return _problems_with_info(architectures_in(space, featured), space)


def problems_with_info(
    *,
    activations: Iterable[str] | str | None = None,
    costs: Iterable[str] | str | None = None,
    dtypes: Iterable[Any] | str | None = None,
    min_depth: int | None = None,
    max_depth: int | None = None,
    max_width: int | None = None,
    max_q: int | None = None,
    max_p: int | None = None,
    regimes: Iterable[str] | str | None = None,
    outputs: Iterable[str] | str | None = None,
    featured: str | None = None,
    saturation: float | None = None,
) -> st.SearchStrategy[DrawnProblem]:
    """Like :func:`problems`, but draws ``DrawnProblem(problem, info)`` where ``info`` is a
    :class:`Drawn` (architecture, dtype, regime, layer_regimes, x_kind, y_kind)."""
    space = problem_space(
        activations=activations,
        costs=costs,
        outputs=outputs,
        dtypes=dtypes,
        min_depth=min_depth,
        max_depth=max_depth,
        max_width=max_width,
        max_q=max_q,
        max_p=max_p,
        regimes=regimes,
        saturation=saturation,
    )
    return problems_in(space, featured)


def problems(
    *,
    activations: Iterable[str] | str | None = None,
    costs: Iterable[str] | str | None = None,
    dtypes: Iterable[Any] | str | None = None,
    min_depth: int | None = None,
    max_depth: int | None = None,
    max_width: int | None = None,
    max_q: int | None = None,
    max_p: int | None = None,
    regimes: Iterable[str] | str | None = None,
    outputs: Iterable[str] | str | None = None,
    featured: str | None = None,
    saturation: float | None = None,
) -> st.SearchStrategy[Problem]:
    """Valid gradient problems (:class:`~crosscheck.problem.Problem`).

    Shapes: ``weights[l]`` ``(N_l + 1, N_{l+1})``, ``X`` ``(P, Q)``, ``Y`` ``(P, N_L)``
    with L in [min_depth, max_depth], N_l in [1, max_width], Q in [1, max_q], P in
    [1, max_p]. ``activations``/``costs`` restrict the names (a sequence or a
    comma-separated string; see :func:`crosscheck.strategies.architectures`), ``dtypes``
    the dtypes (float32, float64), ``regimes`` the weight regimes
    (:data:`crosscheck.options.REGIMES`); ``outputs`` and ``featured`` steer the output
    and one hidden activation; ``saturation`` is the typical |z| of the saturating
    regime's layers (default 25; ``crosscheck verify`` also uses a deeper level). The
    options are validated by :func:`crosscheck.options.problem_space`
    (:class:`~crosscheck.errors.UsageError` names a bad one). Shrinks towards depth 1,
    width 1, Q 1, P 1, float64, the seed's sigmoid + log_likelihood.

    relu/leaky_relu problems with a pre-activation within rounding of 0 are rare but
    possible; filter them with ``assume(crosscheck.budget.kink_free(problem))`` where that
    matters.
    """
    return problems_with_info(
        activations=activations,
        costs=costs,
        dtypes=dtypes,
        min_depth=min_depth,
        max_depth=max_depth,
        max_width=max_width,
        max_q=max_q,
        max_p=max_p,
        regimes=regimes,
        outputs=outputs,
        featured=featured,
        saturation=saturation,
    ).map(_first)


def _first(drawn: DrawnProblem) -> Problem:
    return drawn.problem


def problem_batches(size: int = BATCH, **options: Any) -> st.SearchStrategy[Batch]:
    """:class:`Batch` es of ``size`` (>= 1) problems that share their architecture, dtype,
    P and kinds and differ in their numbers, for computing a whole batch in one call of
    each oracle (``crosscheck.judge.judge_batch``). ``options`` are those of
    :func:`problems` except ``featured``; the first member of each batch is the problem
    :func:`problems` draws from the same choices."""
    return batches_in(problem_space(**options), size)
