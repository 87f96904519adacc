"""``crosscheck verify``: check anyone's gradient function against the oracles.

The function under test has the canonical signature
``fn(weights, X, Y, activations, cost) -> list[np.ndarray]`` (``weights[l]`` of shape
``(N_l + 1, N_{l+1})``, row 0 the bias, the seed's w^l of eq. 1; the result shaped like
``weights``, in their dtype; C a sum over examples and outputs, seed eq. 2). Every
judgement goes through :mod:`crosscheck.judge`: a discrepancy counts only beyond the error
budget (``|Δ| / (K u S) > 1``, :mod:`crosscheck.budget`), and problems with a relu kink
within rounding of a pre-activation have no budget and are skipped.

**One problem** (:func:`check`): run the candidate; an exception, a wrong layout or dtype
or a non-finite value is a failure on its own. Otherwise judge it against the first oracle
that answers (default: torch, then jax, mpmath, finite differences). A discrepancy is
then *confirmed* by a second, independent oracle (the mpmath truth when the problem fits
it, else the next one); only if both disagree with the candidate is it a failure, so a
failure is never an oracle artefact. (Had the confirming oracle cleared the candidate, the
problem is counted as *disputed* and passes.)

**The search** (:func:`verify`): ``max_examples`` problems, each drawn by its own short
Hypothesis run (``@given`` + ``@seed``, no example database) over
:func:`crosscheck.strategies.problems_with_info` with a *stratum* pinned by a balanced
schedule (:func:`schedule`): the cost and its output activation, the dtype, the weight
regime and a *featured* hidden activation placed at one hidden layer. Depth, widths, Q,
P, the other hidden activations, the input and label kinds and the numbers are drawn
freely, so Hypothesis can shrink them. Why one run per problem: within a run Hypothesis
spends most examples on mutations of a few draws (in 200 examples of one run, about 70
distinct architectures and 10-12 of the 26 (cost, output, dtype) combinations), and
every run starts with its simplest problem (skipped here: the same one-unit problem each
time). Independent draws in balanced strata give every cost, output activation, dtype,
regime and hidden activation its share of the 200.

**Shrinking**: the search stops at the first failing problem. Hypothesis shrinks it (at
most :data:`MAX_SHRINK_CALLS` calls; its last failing call is the smallest so far), then
:func:`reduce_counterexample` finishes on the problem itself (fewer examples, layers and
units, simpler names and numbers), keeping it failing the same way.

**Reproducibility**: the search depends on the seed and the options only (Hypothesis's
constants from local source files are switched off, see
:func:`crosscheck.strategies.without_local_constants`), so
``crosscheck verify TARGET --seed S ...`` reruns it, and :meth:`Problem.to_code` rebuilds the
counterexample itself.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import importlib.util
import itertools
import json
import math
import operator
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from crosscheck import oracles as _oracles
from crosscheck.compare import Discrepancy
from crosscheck.judge import (
    CONFIRM_ORDER,
    ORACLE_ORDER,
    CheckResult,
    GradientFn,
    check,
    check_with,
    oracle_modules,
)
from crosscheck.problem import Problem

__all__ = [
    "BLOCK_SIZE",
    "CONFIRM_ORDER",
    "DEFAULT_MAX_EXAMPLES",
    "ORACLE_ORDER",
    "Counterexample",
    "Stratum",
    "TargetError",
    "VerifyResult",
    "check",
    "configure_verify",
    "format_result",
    "load_target",
    "reproduction_call",
    "reproduction_command",
    "result_json",
    "run_verify",
    "schedule",
    "verify",
]

DEFAULT_MAX_EXAMPLES = 200
"""Problems judged by a default search."""

BLOCK_SIZE = 1
"""Problems judged per Hypothesis run (one stratum of the schedule each). One: within a
run, Hypothesis spends most examples on mutations of a few draws, and its first call is
always the simplest problem (skipped, see :func:`verify`), so a run per problem gives
independent draws."""

DEEP_SATURATION = 60.0
"""Typical |z| of the ``"deep saturating"`` weight regime (the strategies' saturating
regime at this level instead of :data:`crosscheck.strategies.SATURATING_Z` = 25)."""

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

DEFAULT_MAX_DEPTH = 5
DEFAULT_MAX_WIDTH = 8
DEFAULT_MAX_Q = 8
DEFAULT_MAX_P = 16

_RATIO_CAP = 1e300  # hypothesis.target needs a finite score

# ----------------------------------------------------------------------------- one problem


# ----------------------------------------------------------------------------- the schedule


class Stratum(NamedTuple):
    """The pinned part of one block: cost, output activation, dtype, weight regime and
    the featured hidden activation (``None`` when no hidden layer is possible)."""

    cost: str
    output: str
    dtype: str
    regime: str
    featured: str | None

    def describe(self) -> str:
        """e.g. ``squared_error/gelu float32 saturating, featuring elu``."""
        feat = f", featuring {self.featured}" if self.featured else ""
        return f"{self.cost}/{self.output} {self.dtype} {self.regime}{feat}"


def _cycle(levels: Sequence[Any], n: int, rng: np.random.Generator) -> list[Any]:
    """``n`` levels as back-to-back random permutations (each level within one of its
    share, whatever n)."""
    out: list[Any] = []
    while len(out) < n:
        out.extend(levels[i] for i in rng.permutation(len(levels)))
    return out[:n]


def _cost_weight(n_outputs: int) -> float:
    """A cost's share of the blocks: 1, plus a quarter per extra output activation (so
    squared_error, with 9 outputs, gets 3 shares: each output still gets its blocks)."""
    return 1.0 + (n_outputs - 1) / 4.0


def _allocate(n: int, outputs: Mapping[str, Sequence[str]], n_dtypes: int) -> dict[str, int]:
    """How many of ``n`` blocks each cost gets (weights :func:`_cost_weight`).

    A cost with several outputs gets a whole number of rounds of its (output, dtype)
    pairs when n allows; the rest is shared by largest remainder (ties: the order given).
    """
    costs = list(outputs)
    weights = {c: _cost_weight(len(outputs[c])) for c in costs}
    total = sum(weights.values())
    counts: dict[str, int] = {}
    for c in costs:
        k = len(outputs[c]) * n_dtypes
        share = n * weights[c] / total
        if len(outputs[c]) > 1 and share >= k:
            counts[c] = k * round(share / k)
    others = [c for c in costs if c not in counts]
    rest = n - sum(counts.values())
    if rest < len(others) or (not others and rest != 0):
        counts, others, rest = {}, costs, n
    w_rest = sum(weights[c] for c in others)
    quota = {c: rest * weights[c] / w_rest for c in others}
    for c in others:
        counts[c] = math.floor(quota[c])
    left = rest - sum(counts[c] for c in others)
    for c in sorted(others, key=lambda c: -(quota[c] - math.floor(quota[c])))[:left]:
        counts[c] += 1
    return counts


def _interleave(groups: Sequence[Sequence[Any]]) -> list[Any]:
    """One item from each group in turn: [a0, b0, c0, a1, b1, ...]."""
    out: list[Any] = []
    for i in range(max((len(g) for g in groups), default=0)):
        out.extend(g[i] for g in groups if i < len(g))
    return out


def _rounds(
    outs: Sequence[str], dtypes: Sequence[str], regimes: Sequence[str], n: int, rng
) -> list[tuple[str, str, str]]:
    """``n`` (output, dtype, regime) triples in rounds over the full product; within a
    round the outputs take turns and, per output, the dtypes alternate over permuted
    regimes, so any prefix is as balanced as it can be (outputs first)."""
    out: list[tuple[str, str, str]] = []
    while len(out) < n:
        per_output = []
        for o in (outs[i] for i in rng.permutation(len(outs))):
            by_dtype = [
                [(o, d, regimes[r]) for r in rng.permutation(len(regimes))]
                for d in (dtypes[i] for i in rng.permutation(len(dtypes)))
            ]
            per_output.append(_interleave(by_dtype))
        out.extend(_interleave(per_output))
    return out[:n]


def schedule(
    n_blocks: int,
    *,
    outputs: Mapping[str, Sequence[str]],
    hidden: Sequence[str],
    dtypes: Sequence[str],
    regimes: Sequence[str],
    seed: int = 0,
) -> list[Stratum]:
    """The balanced strata of ``n_blocks`` blocks.

    ``outputs`` maps each cost to its allowed output activations. Each cost gets its
    share of the blocks (:func:`_allocate`), interleaved by smooth weighted round robin;
    within a cost the (output, dtype, regime) triples come in balanced rounds
    (:func:`_rounds`); the featured hidden activation cycles through permutations of
    ``hidden`` independently. Permutations and tie orders come from ``seed``.
    """
    rng = np.random.default_rng([seed, 0x5EED])
    costs = [c for c in outputs if outputs[c]]
    costs = [costs[i] for i in rng.permutation(len(costs))]
    counts = _allocate(n_blocks, {c: outputs[c] for c in costs}, len(dtypes))
    current = dict.fromkeys(costs, 0)
    order: list[str] = []
    for _ in range(n_blocks):  # smooth weighted round robin (nginx's), exact counts
        for c in costs:
            current[c] += counts[c]
        best = max(costs, key=lambda c: current[c])
        current[best] -= n_blocks
        order.append(best)
    triples = {c: _rounds(outputs[c], dtypes, regimes, counts[c], rng) for c in costs}
    feats = _cycle(list(hidden), n_blocks, rng) if hidden else [None] * n_blocks
    seen: collections.Counter[str] = collections.Counter()
    strata = []
    for b, c in enumerate(order):
        o, d, r = triples[c][seen[c]]
        seen[c] += 1
        strata.append(Stratum(c, o, d, r, feats[b]))
    return strata


def _block_sizes(n: int, block: int = BLOCK_SIZE) -> list[int]:
    """``n`` examples split into ceil(n / block) blocks, sizes differing by at most one."""
    k = max(1, math.ceil(n / block))
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _block_seed(seed: int, block: int) -> int:
    return int(np.random.SeedSequence([seed & (2**63 - 1), block, 0xB10C]).generate_state(1)[0])


# ----------------------------------------------------------------------------- reduction

MAX_SHRINK_CALLS = 25
"""Calls Hypothesis's shrinker may make after the first failure. Its structural moves
come first and are finished by :func:`reduce_counterexample`; past the budget it is
stopped (its overhead on float-heavy choice sequences grows fast), keeping the smallest
failing problem so far (every failing call during shrinking is a new smallest one)."""

MAX_REDUCTION_ATTEMPTS = 400
"""Cap on the candidate calls :func:`reduce_counterexample` makes."""

MAX_SIMPLIFIED_VALUES = 40
"""Numbers are simplified (to 0 or 1-2 digits) only in problems with at most this many."""


class _Space(NamedTuple):
    """What a reduced problem may use: the search's allowed names and dtypes."""

    hidden: tuple[str, ...]
    outputs: Mapping[str, Sequence[str]]
    dtypes: tuple[str, ...]


def _rebuild(p: Problem, weights: Sequence[np.ndarray], X, Y, activations) -> Problem | None:
    """The reduced problem, or None if it is invalid or puts a relu/leaky_relu
    pre-activation at (or within rounding of) its kink, where conventions differ."""
    from crosscheck.budget import kink_free
    from crosscheck.problem import make_problem

    try:
        q = make_problem(
            [np.ascontiguousarray(w, dtype=p.dtype) for w in weights],
            np.ascontiguousarray(X, dtype=p.dtype),
            np.ascontiguousarray(Y, dtype=p.dtype),
            tuple(activations),
            p.cost,
        )
    except ValueError:
        return None
    return q if kink_free(q) else None


def _fewer_examples(p: Problem, space: _Space):
    if p.P < 2:
        return
    for i in range(p.P):
        yield f"kept example {i} only", _rebuild(p, p.weights, p.X[[i]], p.Y[[i]], p.activations)
    for i in range(p.P):
        keep = [j for j in range(p.P) if j != i]
        yield f"dropped example {i}", _rebuild(p, p.weights, p.X[keep], p.Y[keep], p.activations)


def _fewer_layers(p: Problem, space: _Space):
    if p.depth < 2:
        return
    import handprop

    # The first layer's output becomes the input: layers 2..L see exactly the same values.
    with np.errstate(all="ignore"):
        a1 = handprop.forward(list(p.weights[:1]), p.X, list(p.activations[:1])).a[1]
    if np.isfinite(a1).all():
        yield (
            "fed layer 1's output as the input",
            _rebuild(p, p.weights[1:], a1, p.Y, p.activations[1:]),
        )
    # A hidden layer l folded into its neighbours as if its activation were the identity.
    for l in range(p.depth - 1, 0, -1):
        w1 = p.weights[l - 1].astype(np.float64)
        w2 = p.weights[l].astype(np.float64)
        merged = np.empty((w1.shape[0], w2.shape[1]))
        merged[0] = w1[0] @ w2[1:] + w2[0]
        merged[1:] = w1[1:] @ w2[1:]
        if np.isfinite(merged.astype(p.dtype)).all():
            weights = [*p.weights[: l - 1], merged, *p.weights[l + 1 :]]
            acts = [*p.activations[: l - 1], *p.activations[l:]]
            yield f"removed hidden layer {l}", _rebuild(p, weights, p.X, p.Y, acts)


def _fewer_units(p: Problem, space: _Space):
    L = p.depth
    for l in range(L, -1, -1):  # units of layer l: the output L, hidden, the inputs 0
        n = p.sizes[l]
        if n < 2:
            continue
        for j in range(n - 1, -1, -1):
            weights = list(p.weights)
            X, Y = p.X, p.Y
            if l > 0:  # drop column j of w^{l-1}
                weights[l - 1] = np.delete(weights[l - 1], j, axis=1)
            else:
                X = np.delete(X, j, axis=1)
            if l < L:  # drop row j + 1 of w^l
                weights[l] = np.delete(weights[l], j + 1, axis=0)
            else:
                Y = np.delete(Y, j, axis=1)
            what = "input" if l == 0 else ("output unit" if l == L else "unit")
            where = "" if l in (0, L) else f" of layer {l}"
            yield f"removed {what} {j}{where}", _rebuild(p, weights, X, Y, p.activations)


def _fewer_paired_units(p: Problem, space: _Space):
    # Unit j removed from a run of consecutive layers of equal width at once (the inputs
    # and the outputs included), so that square weight matrices stay square.
    L, n = p.depth, p.sizes
    runs = [
        (a, b)
        for a in range(L + 1)
        for b in range(L, a, -1)
        if n[a] >= 2 and all(n[k] == n[a] for k in range(a, b + 1))
    ]
    for a, b in runs:
        for j in range(n[a] - 1, -1, -1):
            weights = list(p.weights)
            X, Y = p.X, p.Y
            for l in range(a, b + 1):  # unit j of layer l: column of w^{l-1}, row of w^l
                if l == 0:
                    X = np.delete(X, j, axis=1)
                else:
                    weights[l - 1] = np.delete(weights[l - 1], j, axis=1)
                if l == L:
                    Y = np.delete(Y, j, axis=1)
                else:
                    weights[l] = np.delete(weights[l], j + 1, axis=0)
            yield (
                f"removed unit {j} of layers {a} to {b}",
                _rebuild(p, weights, X, Y, p.activations),
            )


def _fewer_output_layers(p: Problem, space: _Space):
    # The last hidden layer becomes the output (its activation if the cost allows it,
    # else the cost's first allowed output), with labels tiled from Y's columns.
    if p.depth < 2:
        return
    allowed = space.outputs.get(p.cost, ())
    n = p.sizes[-2]
    Y = p.Y[:, [j % p.sizes[-1] for j in range(n)]]
    for out in dict.fromkeys([p.activations[-2], *allowed]):
        if out in allowed:
            acts = [*p.activations[:-2], out]
            yield (
                f"made layer {p.depth - 1} the output ({out})",
                _rebuild(p, p.weights[:-1], p.X, Y, acts),
            )


def _simpler_values(p: Problem, space: _Space):
    # Each number replaced by 0, then by itself to 1 and 2 significant digits.
    arrays = [*p.weights, p.X, p.Y]
    if sum(a.size for a in arrays) > MAX_SIMPLIFIED_VALUES:
        return
    for k, a in enumerate(arrays):
        for idx in np.ndindex(a.shape):
            x = float(a[idx])
            for y in (0.0, float(f"{x:.1g}"), float(f"{x:.2g}")):
                if y == x or (y != 0.0 and abs(y) < abs(x) * 1e-3):
                    continue
                new = [b.copy() for b in arrays]
                new[k][idx] = y
                if float(new[k][idx]) == x:
                    continue
                where = f"weights[{k}]" if k < p.depth else ("X" if k == p.depth else "Y")
                yield (
                    f"{where}{list(idx)} = {y:g}",
                    _rebuild(p, new[: p.depth], new[p.depth], new[p.depth + 1], p.activations),
                )
                break  # one simplification per number per round


def _simpler_names(p: Problem, space: _Space):
    from crosscheck.spec import ACTIVATION_ORDER

    for l, name in enumerate(p.activations):
        allowed = space.hidden if l < p.depth - 1 else space.outputs.get(p.cost, ())
        for simpler in ACTIVATION_ORDER[: ACTIVATION_ORDER.index(name)]:
            if simpler in allowed:
                acts = [*p.activations[:l], simpler, *p.activations[l + 1 :]]
                yield f"layer {l + 1}: {name} -> {simpler}", _rebuild(p, p.weights, p.X, p.Y, acts)
    if p.dtype == np.float32 and "float64" in space.dtypes:
        yield (
            "float32 -> float64",
            _rebuild(p.astype(np.float64), p.weights, p.X, p.Y, p.activations),
        )


_REDUCTIONS = (
    _fewer_examples,
    _fewer_layers,
    _fewer_output_layers,
    _fewer_units,
    _fewer_paired_units,
    _simpler_names,
    _simpler_values,
)


def reduce_counterexample(
    problem: Problem,
    outcome: CheckResult,
    still_fails: Callable[[Problem], CheckResult | None],
    space: _Space,
    max_attempts: int = MAX_REDUCTION_ATTEMPTS,
) -> tuple[Problem, CheckResult, tuple[str, ...]]:
    """Greedily shrink a failing problem's structure, keeping it failing the same way.

    Hypothesis shrinks the drawn choices; this finishes the job on the problem itself
    (P, depth, widths, Q, N_L, then simpler activation names and float64), where its
    choice-level moves are slow or blocked. ``still_fails(p)`` returns the failing
    :class:`CheckResult` or None; a reduction is kept only if the failure is of the same kind
    (an error stays an error, a discrepancy a discrepancy). Deterministic.
    """
    kind = outcome.error is not None
    steps: list[str] = []
    attempts = 0
    improved = True
    while improved and attempts < max_attempts:
        improved = False
        for reduction in _REDUCTIONS:
            for what, smaller in reduction(problem, space):
                if smaller is None:
                    continue
                attempts += 1
                found = still_fails(smaller)
                if found is not None and (found.error is not None) == kind:
                    problem, outcome = smaller, found
                    steps.append(what)
                    improved = True
                    break
                if attempts >= max_attempts:
                    break
            if improved or attempts >= max_attempts:
                break
    return problem, outcome, tuple(steps)


# ----------------------------------------------------------------------------- results


class Counterexample(NamedTuple):
    """The minimal failing problem (Hypothesis's shrunk example) and how it failed."""

    problem: Problem
    outcome: CheckResult
    stratum: Stratum
    block: int
    x_kind: str
    y_kind: str
    regime: str
    layer_regimes: tuple[str, ...]
    shrunk: str
    reductions: tuple[str, ...]

    @property
    def kind(self) -> str:
        """``"error"`` (exception, layout, non-finite) or ``"discrepancy"``."""
        return "error" if self.outcome.error is not None else "discrepancy"

    def failing_records(self) -> list[Discrepancy]:
        """The judging oracle's records beyond the budget, in layer order (bias first)."""
        if not self.outcome.verdicts or self.outcome.verdicts[0].comparison is None:
            return []
        return [r for r in self.outcome.verdicts[0].comparison.records if r.max_ratio > 1.0]


class VerifyResult(NamedTuple):
    """What :func:`verify` found.

    ``examples``: problems judged by the search (the failing one included; shrinking's
    calls are not counted); ``worst_ratio``/``worst_problem``: the largest budget ratio
    among the passing ones and that problem's summary; ``counterexample``: the shrunk
    failing problem or None; ``examples_until_caught``: ``examples`` when it failed;
    ``skipped``: draws without a budget (relu kinks); ``disputed``: discrepancies the
    confirming oracle cleared; ``coverage``: counts of what the search tried, per factor.
    """

    target: str
    passed: bool
    examples: int
    worst_ratio: float
    worst_problem: str | None
    counterexample: Counterexample | None
    examples_until_caught: int | None
    skipped: int
    disputed: tuple[str, ...]
    oracle: str
    confirming: tuple[str, ...]
    seed: int
    options: dict[str, Any]
    coverage: dict[str, dict[str, int]]
    calls: int
    seconds: float
    timing: dict[str, float]


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
        self.disputed: list[str] = []
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


def _bucket(n: int, edges: Sequence[int]) -> str:
    """``n`` as ``"1"``, ``"2"``, ``"3-4"``, ... for the edges (1, 2, 3, 5), ``"5+"`` last."""
    for lo, hi in itertools.pairwise(edges):
        if lo <= n < hi:
            return str(lo) if hi == lo + 1 else f"{lo}-{hi - 1}"
    return f"{edges[-1]}+"


# ----------------------------------------------------------------------------- options


def _name_list(value: Iterable[str] | str | None, argument: str, known: Sequence[str]):
    if value is None:
        return None
    names = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    bad = [n for n in names if n not in known]
    if bad or not names:
        raise ValueError(
            f"{argument}: expected names from {', '.join(known)}; got {names!r}"
            + (f" ({', '.join(map(repr, bad))} unknown)" if bad else "")
        )
    return tuple(dict.fromkeys(names))


def _dtype_list(value: Iterable[Any] | str | None) -> tuple[str, ...]:
    if value is None:
        return ("float64", "float32")
    names = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    out = []
    for v in names:
        try:
            dt = np.dtype(v)
        except TypeError:
            dt = None
        if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtypes: expected float32 and/or float64, got {v!r}")
        out.append(dt.name)
    if not out:
        raise ValueError("dtypes: expected float32 and/or float64, got nothing")
    return tuple(dict.fromkeys(out))


def _int(value: Any, argument: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{argument}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _space(
    activations: tuple[str, ...] | None, costs: tuple[str, ...] | None
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """The allowed outputs of each allowed cost, and the allowed hidden activations."""
    from crosscheck.options import problem_space

    space = problem_space(activations=activations, costs=costs)
    return space.outputs, space.hidden


def _target_name(fn: Any) -> str:
    mod = getattr(fn, "__module__", None) or "?"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"{mod}:{name}"


# ----------------------------------------------------------------------------- the search


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
    (fewer if the candidate fails first), in blocks of :data:`BLOCK_SIZE` with the strata
    of :func:`schedule`; ``seed`` fixes the whole search. ``oracle`` picks the judging
    oracle (default: the first available of :data:`ORACLE_ORDER`); ``confirm`` asks a
    second oracle before declaring a discrepancy. ``progress(done, total)`` is called
    after each block. Raises ``ValueError`` naming a bad argument.
    """
    t0 = time.perf_counter()
    if not callable(fn):
        raise ValueError(f"fn: expected a callable gradient function, got {fn!r}")
    from crosscheck.spec import ACTIVATION_ORDER, COST_ORDER

    acts = _name_list(activations, "activations", ACTIVATION_ORDER)
    cost_names = _name_list(costs, "costs", COST_ORDER)
    dts = _dtype_list(dtypes)
    max_depth = _int(max_depth, "max_depth", 1)
    max_width = _int(max_width, "max_width", 1)
    max_examples = _int(max_examples, "max_examples", 1)
    max_q = _int(max_q, "max_q", 1)
    max_p = _int(max_p, "max_p", 1)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
    if oracle is not None:
        mod = _oracles.get(oracle)  # ValueError for an unknown name
        ok, why = mod.available()
        if not ok:
            raise ValueError(f"oracle: {oracle} is unavailable here: {why}")
        judges = [mod]
    else:
        judges = oracle_modules(ORACLE_ORDER)
        if not judges:
            raise ValueError(f"oracle: none of {', '.join(ORACLE_ORDER)} is available")
    confirmers = oracle_modules(CONFIRM_ORDER) if confirm else []
    outputs, hidden = _space(acts, cost_names)
    if max_depth == 1:
        hidden = ()
    regimes = tuple(WEIGHT_REGIMES)
    sizes = _block_sizes(max_examples)
    strata = schedule(
        len(sizes), outputs=outputs, hidden=hidden, dtypes=dts, regimes=regimes, seed=int(seed)
    )
    options = {
        "activations": list(acts) if acts else None,
        "costs": list(cost_names) if cost_names else None,
        "dtypes": list(dts),
        "max_depth": max_depth,
        "max_width": max_width,
        "max_examples": max_examples,
        "max_q": max_q,
        "max_p": max_p,
        "oracle": oracle,
        "confirm": confirm,
    }
    from crosscheck.strategies import without_local_constants

    state = _Search()
    found: tuple[int, Stratum] | None = None
    sz = dict(acts=acts, max_depth=max_depth, max_width=max_width, max_q=max_q, max_p=max_p)
    with without_local_constants():
        for b, (n, stratum) in enumerate(zip(sizes, strata, strict=True)):
            failed = _run_block(
                fn, stratum, n, _block_seed(int(seed), b), state, judges, confirmers, **sz
            )
            if progress is not None:
                progress(b + 1, len(sizes))
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
            return o if o.status == "failed" else None

        space = _Space(hidden, outputs, dts)
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
        seed=int(seed),
        options=options,
        coverage={k: dict(sorted(v.items())) for k, v in state.coverage.items()},
        calls=state.calls,
        seconds=t_end - t0,
        timing=timing,
    )


def _run_block(
    fn: GradientFn,
    stratum: Stratum,
    n: int,
    block_seed: int,
    state: _Search,
    judges: Sequence[ModuleType],
    confirmers: Sequence[ModuleType],
    **sizes: Any,
) -> bool:
    """One Hypothesis run of ``n`` examples in ``stratum``; True if the candidate failed."""
    import hypothesis
    from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings, target
    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisException, Unsatisfiable

    from crosscheck.strategies import problems_with_info

    acts = sizes.pop("acts")
    strategy = problems_with_info(
        activations=acts,
        costs=(stratum.cost,),
        outputs=(stratum.output,),
        dtypes=(stratum.dtype,),
        regimes=(WEIGHT_REGIMES[stratum.regime][0],),
        saturation=WEIGHT_REGIMES[stratum.regime][1],
        featured=stratum.featured if sizes["max_depth"] >= 2 else None,
        **sizes,
    )
    # Hypothesis's next call after the simplest one draws a "novel prefix": its first
    # choice is forced to differ from the simplest's. A leading nonce takes that role, so
    # the problem's own first choice (the depth) stays free to be 1.
    strategy = st.tuples(st.integers(0, 2**16), strategy).map(operator.itemgetter(1))
    first = [True]

    @hypothesis.seed(block_seed)
    @settings(
        settings.get_profile("default"),
        max_examples=n,
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
        if outcome.status == "failed":
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
            if outcome.status == "disputed":
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
    except Unsatisfiable:  # every draw of this stratum was skipped (relu kinks)
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


# ----------------------------------------------------------------------------- reporting


def _examples(n: int) -> str:
    return f"{n} example" + ("" if n == 1 else "s")


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.3g}"


def reproduction_command(target: str, result: VerifyResult) -> str:
    """The ``crosscheck verify`` command that reruns the same search."""
    o = result.options
    parts = ["crosscheck", "verify", target, "--seed", str(result.seed)]
    if o.get("activations"):
        parts += ["--activations", ",".join(o["activations"])]
    if o.get("costs"):
        parts += ["--costs", ",".join(o["costs"])]
    if o.get("dtypes") and set(o["dtypes"]) != {"float32", "float64"}:
        parts += ["--dtypes", ",".join(o["dtypes"])]
    if o.get("max_depth", DEFAULT_MAX_DEPTH) != DEFAULT_MAX_DEPTH:
        parts += ["--max-depth", str(o["max_depth"])]
    if o.get("max_width", DEFAULT_MAX_WIDTH) != DEFAULT_MAX_WIDTH:
        parts += ["--max-width", str(o["max_width"])]
    if o.get("max_examples", DEFAULT_MAX_EXAMPLES) != DEFAULT_MAX_EXAMPLES:
        parts += ["--max-examples", str(o["max_examples"])]
    if o.get("oracle"):
        parts += ["--oracle", o["oracle"]]
    return " ".join(shlex.quote(p) for p in parts)


def reproduction_call(result: VerifyResult) -> str:
    """The ``crosscheck.verify(fn, ...)`` call that reruns the same search."""
    o = result.options
    args = ["fn", f"seed={result.seed}"]
    defaults = {
        "activations": None,
        "costs": None,
        "dtypes": ["float64", "float32"],
        "max_depth": DEFAULT_MAX_DEPTH,
        "max_width": DEFAULT_MAX_WIDTH,
        "max_examples": DEFAULT_MAX_EXAMPLES,
        "max_q": DEFAULT_MAX_Q,
        "max_p": DEFAULT_MAX_P,
        "oracle": None,
        "confirm": True,
    }
    for key, default in defaults.items():
        value = o.get(key, default)
        if key == "dtypes" and value is not None and set(value) == set(default):
            continue
        if value != default:
            args.append(f"{key}={value!r}")
    return f"crosscheck.verify({', '.join(args)})"


def _architecture(p: Problem) -> str:
    hidden = ", ".join(p.activations[:-1]) or "none"
    return (
        f"L = {p.depth}, sizes (Q, N_1, ..., N_L) = {p.sizes}; hidden activations: {hidden}; "
        f"output: {p.activations[-1]}; cost: {p.cost}; dtype: {p.dtype}; P = {p.P}"
    )


def _record_line(r: Discrepancy) -> str:
    return r.describe()


def describe_counterexample(cx: Counterexample, *, target: str | None = None) -> str:
    """The standalone description of a counterexample: architecture, what failed where,
    both values, the ratio, which oracles agreed, and a pasteable reproduction."""
    p, o = cx.problem, cx.outcome
    lines = [
        f"minimal counterexample: {p.describe()}",
        f"  architecture: {_architecture(p)}",
        f"  drawn as: {cx.shrunk} (weight regime {cx.regime}, x {cx.x_kind}, y {cx.y_kind}; "
        "shrunk by Hypothesis)",
    ]
    if cx.reductions:
        lines.append(
            f"  then reduced by crosscheck in {len(cx.reductions)} steps (fewer examples, layers "
            "and units, simpler names and numbers; listed in the --report JSON)"
        )
    if o.error is not None:
        lines.append(f"  the function failed: {o.error}")
    else:
        failing = cx.failing_records()
        judge_v = o.verdicts[0]
        if failing:
            first = failing[0]
            worst = max(failing, key=lambda r: r.max_ratio)
            lines.append(f"  first differing element: {_record_line(first)}")
            if worst != first:
                lines.append(f"  worst element: {_record_line(worst)}")
            others = [r for r in failing if r not in (first, worst)]
            lines.extend(f"  also differing: {_record_line(r)}" for r in others)
        agree = [f"{judge_v.oracle} (budget ratio {_fmt(judge_v.ratio)})"]
        if len(o.verdicts) > 1:
            agree.append(f"{o.verdicts[1].oracle} (budget ratio {_fmt(o.verdicts[1].ratio)})")
            lines.append(f"  oracles that agree it is wrong: {' and '.join(agree)}")
        else:
            lines.append(f"  judged by {agree[0]}; {o.note}")
    lines.append("  reproduce this problem in Python:")
    code = p.to_code().splitlines()
    if target is not None:
        code += [
            "from crosscheck.judge import check",
            "from crosscheck.search import load_target",
            f"fn = load_target({target!r})",
        ]
    else:
        code += ["from crosscheck.judge import check", "fn = ...  # the function under test"]
    code.append("print(check(fn, problem).summary())")
    lines.extend(f"    {line}" for line in code)
    return "\n".join(lines)


def format_result(result: VerifyResult, *, target: str | None = None) -> str:
    """The text ``crosscheck verify`` prints (``target`` as given on the command line)."""
    tgt = target or result.target
    conf = ", ".join(result.confirming) or "none"
    head = [
        f"crosscheck verify {tgt}",
        f"judged by {result.oracle}; a discrepancy must be confirmed by the first of "
        f"({conf}) that can answer; seed {result.seed}",
    ]
    skipped = f"; {result.skipped} draws skipped (relu kink, no budget)" if result.skipped else ""
    disputed = (
        f"; {len(result.disputed)} oracle disagreements (not counted against the function)"
        if result.disputed
        else ""
    )
    if result.passed:
        head += [
            f"PASSED: {_examples(result.examples)}, no discrepancy beyond the error budget"
            f"{skipped}{disputed}",
            f"worst budget ratio {_fmt(result.worst_ratio)} (a correct gradient stays below 1)"
            + (f" on {result.worst_problem}" if result.worst_problem else ""),
        ]
        return "\n".join(head)
    cx = result.counterexample
    assert cx is not None
    what = "an error" if cx.kind == "error" else "a discrepancy beyond the error budget"
    head += [
        f"FAILED after {_examples(result.examples_until_caught or 0)}: {what} "
        f"(in the block {cx.stratum.describe()}; shrunk by Hypothesis)",
        describe_counterexample(cx, target=target),
        "rerun the search:",
        f"  {reproduction_command(tgt, result)}"
        if target is not None
        else f"  {reproduction_call(result)}",
    ]
    return "\n".join(head)


def _jsonable(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def counterexample_dict(cx: Counterexample) -> dict[str, Any]:
    """A JSON-ready record of a counterexample."""
    p = cx.problem
    return {
        "kind": cx.kind,
        "describe": p.describe(),
        "sizes": list(p.sizes),
        "depth": p.depth,
        "activations": list(p.activations),
        "cost": p.cost,
        "dtype": str(p.dtype),
        "P": p.P,
        "regime": cx.regime,
        "layer_regimes": list(cx.layer_regimes),
        "x_kind": cx.x_kind,
        "y_kind": cx.y_kind,
        "block": cx.block,
        "stratum": cx.stratum._asdict(),
        "shrunk": cx.shrunk,
        "reductions": list(cx.reductions),
        "error": cx.outcome.error,
        "oracles": list(cx.outcome.oracles),
        "ratios": {v.oracle: v.ratio for v in cx.outcome.verdicts if v.skipped is None},
        "note": cx.outcome.note,
        "records": [
            {
                "layer": r.layer,
                "row_kind": r.row_kind,
                "index": list(r.index),
                "value": r.value,
                "reference": r.reference,
                "tolerance": r.tolerance,
                "ratio": r.max_ratio,
                "max_abs": r.max_abs,
                "max_rel": r.max_rel,
            }
            for r in cx.failing_records()
        ],
        "weights": [w.astype(np.float64).tolist() for w in p.weights],
        "X": p.X.astype(np.float64).tolist(),
        "Y": p.Y.astype(np.float64).tolist(),
    }


def result_dict(result: VerifyResult, *, target: str | None = None) -> dict[str, Any]:
    """A JSON-ready record of a run (timings under ``"timing"``)."""
    tgt = target or result.target
    cx = result.counterexample
    return _jsonable(
        {
            "target": tgt,
            "passed": result.passed,
            "examples": result.examples,
            "examples_until_caught": result.examples_until_caught,
            "worst_ratio": result.worst_ratio,
            "worst_problem": result.worst_problem,
            "skipped": result.skipped,
            "disputed": list(result.disputed),
            "oracle": result.oracle,
            "confirming": list(result.confirming),
            "seed": result.seed,
            "options": result.options,
            "command": reproduction_command(tgt, result),
            "counterexample": None if cx is None else counterexample_dict(cx),
            "coverage": result.coverage,
            "timing": {"seconds": round(result.seconds, 3), "calls": result.calls, **result.timing},
        }
    )


def result_json(result: VerifyResult, *, target: str | None = None) -> str:
    """:func:`result_dict` as indented JSON."""
    return json.dumps(result_dict(result, target=target), indent=2) + "\n"


def _write_report(directory: str, result: VerifyResult, target: str) -> list[Path]:
    from crosscheck.atomic import write_many

    out = Path(directory)
    text = format_result(result, target=target)
    md = f"# crosscheck verify\n\n```\n{text}\n```\n"
    files = {out / "verify.json": result_json(result, target=target), out / "verify.md": md}
    write_many({k: v.encode() for k, v in files.items()})
    return list(files)


# ----------------------------------------------------------------------------- targets


class TargetError(ValueError):
    """A TARGET that cannot be imported, or is not a callable."""


def load_target(spec: str) -> Callable[..., Any]:
    """The function named by ``spec``: ``path/to/file.py:function`` or
    ``package.module:function`` (``function`` may be dotted: ``Class.method``).

    A file is imported by path, with its directory on ``sys.path`` while it runs (so its
    own sibling imports work). Raises :class:`TargetError` saying what went wrong.
    """
    if not isinstance(spec, str) or ":" not in spec:
        raise TargetError(
            f"TARGET: expected 'path/to/file.py:function' or 'package.module:function', "
            f"got {spec!r}"
        )
    where, _, attr = spec.rpartition(":")
    if not where or not attr:
        raise TargetError(f"TARGET: expected MODULE:FUNCTION, got {spec!r}")
    if where.endswith(".py") or os.sep in where or "/" in where:
        module = _import_file(where)
    else:
        try:
            module = importlib.import_module(where)
        except Exception as exc:
            raise TargetError(
                f"TARGET {spec!r}: cannot import module {where!r}: {type(exc).__name__}: {exc}"
            ) from exc
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(
                f"TARGET {spec!r}: {where!r} has no attribute {attr!r}"
                + (f" (no {part!r})" if part != attr else "")
            ) from None
    if not callable(obj):
        raise TargetError(
            f"TARGET {spec!r}: {attr!r} is a {type(obj).__name__}, not a callable gradient "
            "function fn(weights, X, Y, activations, cost)"
        )
    return obj


def _import_file(path: str) -> ModuleType:
    file = Path(path)
    if not file.is_file():
        raise TargetError(f"TARGET: no such file {path!r}")
    name = f"_crosscheck_target_{file.stem}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise TargetError(f"TARGET: cannot import {path!r} as a Python file")
    module = importlib.util.module_from_spec(spec)
    directory = str(file.resolve().parent)
    sys.path.insert(0, directory)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # the file's own error, reported as such
        sys.modules.pop(name, None)
        raise TargetError(
            f"TARGET: importing {path!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        try:
            sys.path.remove(directory)
        except ValueError:  # pragma: no cover - the module removed it itself
            pass
    return module


# ----------------------------------------------------------------------------- CLI


def configure_verify(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``crosscheck verify``."""
    parser.description = (
        "Check a gradient function fn(weights, X, Y, activations, cost) -> list of arrays "
        "against independent oracles on generated problems, judged by the error budget. "
        "Exit 0: no discrepancy; 1: a counterexample (printed, with a reproduction); "
        "2: usage error or a target that cannot be imported."
    )
    parser.add_argument(
        "target", metavar="TARGET", help="path/to/file.py:function or package.module:function"
    )
    parser.add_argument(
        "--activations",
        metavar="A,B,...",
        help="activations the function supports (default: all; add 'softmax' to keep the "
        "softmax costs)",
    )
    parser.add_argument(
        "--costs", metavar="C,...", help="costs the function supports (default: all)"
    )
    parser.add_argument("--dtypes", metavar="D,...", help="float32 and/or float64 (default: both)")
    parser.add_argument("--max-depth", type=int, default=DEFAULT_MAX_DEPTH, metavar="L")
    parser.add_argument("--max-width", type=int, default=DEFAULT_MAX_WIDTH, metavar="N")
    parser.add_argument(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"problems to judge (default {DEFAULT_MAX_EXAMPLES})",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    parser.add_argument(
        "--oracle",
        choices=list(_oracles.ORACLES),
        help="the judging oracle (default: the best available: " + ", ".join(ORACLE_ORDER) + ")",
    )
    parser.add_argument("--report", metavar="DIR", help="write DIR/verify.json and verify.md")


def run_verify(args: argparse.Namespace) -> int:
    """Run ``crosscheck verify``; exit 0 (passed), 1 (counterexample) or 2 (usage)."""
    try:
        fn = load_target(args.target)
    except TargetError as exc:
        print(f"crosscheck verify: {exc}", file=sys.stderr)
        return 2
    try:
        result = verify(
            fn,
            activations=args.activations,
            costs=args.costs,
            dtypes=args.dtypes,
            max_depth=args.max_depth,
            max_width=args.max_width,
            max_examples=args.max_examples,
            seed=args.seed,
            oracle=args.oracle,
            name=args.target,
        )
    except ValueError as exc:
        print(f"crosscheck verify: {exc}", file=sys.stderr)
        return 2
    print(format_result(result, target=args.target))
    if args.report:
        for path in _write_report(args.report, result, args.target):
            print(f"wrote {path}")
    return 0 if result.passed else 1
