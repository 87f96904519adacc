"""Reduce a failing problem: fewer examples, layers and units, simpler names and numbers,
keeping it failing the same way and inside the search's problem space (after
Hypothesis's own shrinking). Problems beyond the gate's sizes are first halved."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from crosscheck import spec
from crosscheck.budget import kink_free
from crosscheck.options import ProblemSpace
from crosscheck.problem import Problem, make_problem
from crosscheck.verdict import CheckResult

__all__ = [
    "HALVE_ABOVE",
    "MAX_REDUCTION_ATTEMPTS",
    "MAX_REDUCTION_SECONDS",
    "MAX_SIMPLIFIED_VALUES",
    "reduce_counterexample",
]

MAX_REDUCTION_ATTEMPTS = 400
"""Cap on the candidate calls :func:`reduce_counterexample` makes."""

MAX_REDUCTION_SECONDS = 120.0
"""Cap on the time :func:`reduce_counterexample` takes (large problems take seconds per
call; the gate's reduce in a few seconds, so their results never depend on it)."""

HALVE_ABOVE = {"P": 16, "units": 8}
"""Problems with more examples or units than the gate draws are halved first."""

MAX_SIMPLIFIED_VALUES = 40
"""Numbers are simplified (to 0 or 1-2 digits) only in problems with at most this many."""


def _rebuild(
    p: Problem, weights: Sequence[np.ndarray], X, Y, activations, space: ProblemSpace | None = None
) -> Problem | None:
    """The reduced problem, or None if it is invalid, outside ``space``, or puts a
    relu/leaky_relu pre-activation at (or within rounding of) its kink, where conventions
    differ."""
    if space is not None:
        shaped = Problem(tuple(weights), X, Y, tuple(activations), p.cost)
        try:
            if not space.admits(shaped):
                return None
        except (IndexError, AttributeError):  # not even shaped like a problem
            return None
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


def _fewer_examples(p: Problem, space: ProblemSpace):
    if p.P < 2:
        return
    for i in range(p.P):
        only = _rebuild(p, p.weights, p.X[[i]], p.Y[[i]], p.activations, space)
        yield f"kept example {i} only", only
    for i in range(p.P):
        keep = [j for j in range(p.P) if j != i]
        rest = _rebuild(p, p.weights, p.X[keep], p.Y[keep], p.activations, space)
        yield f"dropped example {i}", rest


def _first_layer_output(p: Problem) -> np.ndarray:
    """a^1 = f(z^1), z^1 = [1 X] w^0 (seed eq. 1 with a_0 = 1), in the problem's dtype."""
    unit_x = np.empty((p.P, p.sizes[0] + 1), dtype=p.dtype)
    unit_x[:, 0] = 1.0
    unit_x[:, 1:] = p.X
    return spec.value(p.activations[0], unit_x @ p.weights[0]).astype(p.dtype, copy=False)


def _fewer_layers(p: Problem, space: ProblemSpace):
    if p.depth < 2:
        return
    # The first layer's output becomes the input: layers 2..L see exactly the same values.
    with np.errstate(all="ignore"):
        a1 = _first_layer_output(p)
    if np.isfinite(a1).all():
        yield (
            "fed layer 1's output as the input",
            _rebuild(p, p.weights[1:], a1, p.Y, p.activations[1:], space),
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
            yield f"removed hidden layer {l}", _rebuild(p, weights, p.X, p.Y, acts, space)


def _fewer_units(p: Problem, space: ProblemSpace):
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
            yield f"removed {what} {j}{where}", _rebuild(p, weights, X, Y, p.activations, space)


def _fewer_paired_units(p: Problem, space: ProblemSpace):
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
                _rebuild(p, weights, X, Y, p.activations, space),
            )


def _fewer_output_layers(p: Problem, space: ProblemSpace):
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
                _rebuild(p, p.weights[:-1], p.X, Y, acts, space),
            )


def _simpler_values(p: Problem, space: ProblemSpace):
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
                    _rebuild(
                        p, new[: p.depth], new[p.depth], new[p.depth + 1], p.activations, space
                    ),
                )
                break  # one simplification per number per round


def _simpler_names(p: Problem, space: ProblemSpace):
    order = spec.ACTIVATION_ORDER
    for l, name in enumerate(p.activations):
        allowed = space.hidden if l < p.depth - 1 else space.outputs.get(p.cost, ())
        for simpler in order[: order.index(name)]:
            if simpler in allowed:
                acts = [*p.activations[:l], simpler, *p.activations[l + 1 :]]
                simpler_p = _rebuild(p, p.weights, p.X, p.Y, acts, space)
                yield f"layer {l + 1}: {name} -> {simpler}", simpler_p
    if p.dtype == np.float32 and np.dtype(np.float64) in space.dtypes:
        yield (
            "float32 -> float64",
            _rebuild(p.astype(np.float64), p.weights, p.X, p.Y, p.activations, space),
        )


def _halved(p: Problem, space: ProblemSpace):
    # Half the examples, or half the units of a layer (the inputs and outputs included),
    # for problems larger than the gate's: one unit at a time would take thousands of calls.
    if p.P > HALVE_ABOVE["P"]:
        half = p.P // 2
        for what, rows in (("first", slice(0, half)), ("last", slice(half, None))):
            yield (
                f"kept the {what} {p.P - half if what == 'last' else half} examples",
                _rebuild(p, p.weights, p.X[rows], p.Y[rows], p.activations, space),
            )
    L = p.depth
    for l in range(L, -1, -1):
        n = p.sizes[l]
        if n <= HALVE_ABOVE["units"]:
            continue
        keep = slice(0, n // 2)
        weights, X, Y = list(p.weights), p.X, p.Y
        if l > 0:
            weights[l - 1] = weights[l - 1][:, keep]
        else:
            X = X[:, keep]
        if l < L:
            weights[l] = np.concatenate([weights[l][:1], weights[l][1:][keep]])
        else:
            Y = Y[:, keep]
        yield (
            f"kept the first {n // 2} of {n} units of layer {l}",
            _rebuild(p, weights, X, Y, p.activations, space),
        )


_REDUCTIONS = (
    _halved,
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
    space: ProblemSpace,
    max_attempts: int = MAX_REDUCTION_ATTEMPTS,
    max_seconds: float = MAX_REDUCTION_SECONDS,
) -> tuple[Problem, CheckResult, tuple[str, ...]]:
    """Greedily shrink a failing problem's structure, keeping it failing the same way.

    Hypothesis shrinks the drawn choices; this finishes the job on the problem itself
    (P, depth, widths, Q, N_L, then simpler activation names and float64), where its
    choice-level moves are slow or blocked. ``still_fails(p)`` returns the failing
    :class:`CheckResult` or None; a reduction is kept only if the failure is of the same kind
    (an error stays an error, a discrepancy a discrepancy), and only inside ``space``
    (its sizes, names and dtypes: :meth:`~crosscheck.options.ProblemSpace.admits`).
    Deterministic, unless ``max_seconds`` runs out first.
    """
    kind = outcome.error is not None
    steps: list[str] = []
    attempts = 0
    improved = True
    deadline = time.perf_counter() + max_seconds
    while improved and attempts < max_attempts and time.perf_counter() < deadline:
        improved = False
        for reduction in _REDUCTIONS:
            for what, smaller in reduction(problem, space):
                if smaller is None or not space.admits(smaller):
                    continue
                attempts += 1
                found = still_fails(smaller)
                if found is not None and (found.error is not None) == kind:
                    problem, outcome = smaller, found
                    steps.append(what)
                    improved = True
                    break
                if attempts >= max_attempts or time.perf_counter() >= deadline:
                    break
            if improved or attempts >= max_attempts or time.perf_counter() >= deadline:
                break
    return problem, outcome, tuple(steps)
