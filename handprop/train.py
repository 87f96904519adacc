"""Full-batch training: gradient ascent on the log-likelihood, descent on a loss.

The seed maximises the log-likelihood C of eq. 2 and 12 (its gradient, eq. 9 and 13, is
``sum_p (y - h) ...``), so one step of plain gradient *ascent* is::

    w^l <- w^l + lr * dC/dw^l                     for every layer l

and, for a loss (a cost with ``COSTS[cost].sign == -1``), descent ``w^l <- w^l - lr dC/dw^l``.
Writing ``s = COSTS[cost].sign`` (+1 or -1), the optional heavy-ball momentum ``mu`` keeps a
velocity ``v`` per layer, zero at the start::

    v <- mu * v + dC/dw            (the first step gives v = dC/dw exactly)
    w <- w + s * lr * v

which is ``torch.optim.SGD(lr=lr, momentum=mu, dampening=0, nesterov=False,
maximize=(s == +1))`` step by step: torch negates the gradient when maximising, keeps
``b_1 = g_1`` and ``b_t = mu b_{t-1} + g_t``, and moves ``theta -= lr b_t``; negation is
exact, so the two differ only by how ``w + lr v`` is rounded (torch may fuse it into one
FMA). ``mu = 0`` is plain gradient ascent/descent. Everything stays in the weights' dtype:
``lr`` and ``mu`` are Python floats, which NumPy rounds to float32 for float32 arrays.

:func:`xor_problem` is the seed's 2-2-1 sigmoid net (section 5) on XOR, initialised with
the documented :data:`XOR_SEED`; with :data:`XOR_LEARNING_RATE` it classifies all four
points correctly (every output on the right side of 0.5) after a few hundred steps and
keeps them so (see :func:`solved`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from handprop import costs as _costs
from handprop.backprop import cost as _cost
from handprop.backprop import forward as _forward
from handprop.backprop import gradients as _gradients
from handprop.network import init_weights, validate

__all__ = [
    "XOR_ACTIVATIONS",
    "XOR_COST",
    "XOR_LEARNING_RATE",
    "XOR_SEED",
    "XOR_SIZES",
    "XOR_STEPS",
    "TrainingProblem",
    "Trajectory",
    "solved",
    "train",
    "xor_data",
    "xor_problem",
]

XOR_SEED = 0
"""Seed of ``init_weights(XOR_SIZES, seed=XOR_SEED)`` (Glorot-uniform weights, zero biases)."""

XOR_SIZES: tuple[int, ...] = (2, 2, 1)
"""The seed's 2-2-1 architecture (section 5): 2 inputs, 2 hidden units, 1 output."""

XOR_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "sigmoid")
"""Sigmoid hidden layer and sigmoid output (seed section 3 and 5)."""

XOR_COST = "log_likelihood"
"""The seed's cost (eq. 12), summed over the four examples and maximised."""

XOR_LEARNING_RATE = 0.5
"""Learning rate of the documented run (exact in float32 and float64)."""

XOR_STEPS = 10_000
"""Length of the documented run."""


class Trajectory(NamedTuple):
    """The record of one training run.

    ``costs`` has shape ``(steps + 1,)`` and the weights' dtype: ``costs[t]`` is C at the
    weights after t updates (``costs[0]`` at the initial weights). ``checkpoints`` maps
    each requested step t to a copy of the weights after t updates (a list shaped like
    the weights). ``weights`` are the final weights (after ``steps`` updates).
    """

    costs: np.ndarray
    checkpoints: dict[int, list[np.ndarray]]
    weights: list[np.ndarray]


class TrainingProblem(NamedTuple):
    """weights, X, Y, activations, cost: the canonical argument list of :func:`train`."""

    weights: list[np.ndarray]
    X: np.ndarray
    Y: np.ndarray
    activations: tuple[str, ...]
    cost: str


def _finite_number(x: Any, name: str, *, low: float, high: float | None = None) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: expected a real number, got {type(x).__name__} {x!r}")
    v = float(x)
    ok = math.isfinite(v) and v >= low and (high is None or v < high)
    if not ok:
        rng = f"[{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{name}: expected a finite number in {rng}, got {x!r}")
    return v


def train(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
    *,
    learning_rate: float,
    steps: int,
    momentum: float = 0.0,
    checkpoints: Iterable[int] = (),
) -> Trajectory:
    """Train by full-batch gradient ascent (log-likelihoods) or descent (losses).

    ``weights[l]``: ``(N_l + 1, N_{l+1})``, row 0 the bias; ``X``: ``(P, Q)``; ``Y``:
    ``(P, N_L)``; ``activations``: L names; ``cost``: a name from
    :data:`handprop.costs.COSTS`. Each of the ``steps`` updates is
    ``v = momentum * v + dC/dw`` then ``w = w + sign * learning_rate * v`` (module notes),
    with dC/dw from :func:`handprop.gradients` (seed eq. 9) and C from
    :func:`handprop.cost` (seed eq. 2). The input weights are not modified.

    Returns a :class:`Trajectory`: C at each of the ``steps + 1`` weights visited, the
    weights at each step listed in ``checkpoints`` (integers in ``0..steps``) and the
    final weights, all in the weights' dtype. Raises ``ValueError`` naming the argument
    for an invalid problem, a negative or non-integer ``steps``, a learning rate that is
    not finite and positive, a momentum outside ``[0, 1)`` or a checkpoint out of range;
    and if an update produces a non-finite weight (a learning rate too large).
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps: expected a non-negative integer, got {steps!r}")
    steps = int(steps)
    lr = _finite_number(learning_rate, "learning_rate", low=0.0)
    if lr == 0.0:
        raise ValueError("learning_rate: expected a positive number, got 0")
    mu = _finite_number(momentum, "momentum", low=0.0, high=1.0)
    marks: set[int] = set()
    for t in checkpoints:
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t <= steps:
            raise ValueError(
                f"checkpoints: expected integers in 0..{steps} (steps), got {t!r}"
            )
        marks.add(int(t))
    weights, X, Y = validate(weights, X, Y, activations, cost)
    sign = float(_costs.COSTS[cost].sign)
    step_size = sign * lr  # exact: a sign flip
    activations = list(activations)

    w = [np.array(a, copy=True) for a in weights]
    v = [np.zeros_like(a) for a in w] if mu else None
    dtype = w[0].dtype
    costs = np.empty(steps + 1, dtype=dtype)
    saved: dict[int, list[np.ndarray]] = {}
    for t in range(steps + 1):
        costs[t] = _cost(w, X, Y, activations, cost)
        if t in marks:
            saved[t] = [a.copy() for a in w]
        if t == steps:
            break
        g = _gradients(w, X, Y, activations, cost)
        if v is not None:
            for vl, gl in zip(v, g, strict=True):
                vl *= mu
                vl += gl
            g = v
        for l, (wl, gl) in enumerate(zip(w, g, strict=True)):
            wl += step_size * gl
            if not np.isfinite(wl).all():
                raise ValueError(
                    f"learning_rate: weights[{l}] became non-finite at step {t + 1}; "
                    f"expected finite weights (learning_rate {lr!r} is too large?)"
                )
    return Trajectory(costs, saved, w)


def solved(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
) -> bool:
    """True if every output is on the right side of 0.5: ``(h > 0.5) == (y > 0.5)``.

    Shapes as in :func:`train`; meant for 0/1 labels and a sigmoid output (an output of
    exactly 0.5 counts as wrong for either label).
    """
    h = _forward(weights, X, activations).a[-1]
    Y = np.asarray(Y)
    return bool(np.all(np.where(Y > 0.5, h > 0.5, h < 0.5)))


def xor_data(dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: ``X`` ``(4, 2)`` with rows 00, 01, 10, 11 and ``Y`` ``(4, 1)``."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=dtype)
    Y = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=dtype)
    return X, Y


def xor_problem(
    dtype: Any = np.float64,
    *,
    seed: int = XOR_SEED,
    sizes: Sequence[int] = XOR_SIZES,
    activations: Sequence[str] | None = None,
) -> TrainingProblem:
    """XOR for a net with layer sizes ``sizes`` (default the seed's 2-2-1), initialised by
    ``init_weights(sizes, seed=seed, dtype=dtype)``; cost :data:`XOR_COST`.

    ``activations`` defaults to sigmoid everywhere. ``train(*xor_problem(),
    learning_rate=XOR_LEARNING_RATE, steps=XOR_STEPS)`` is the documented run. The same
    seed gives the float32 weights as the float64 ones rounded to float32.
    """
    sizes = tuple(sizes)
    if len(sizes) < 2 or sizes[0] != 2 or sizes[-1] != 1:
        raise ValueError(f"sizes: expected (2, ..., 1) for XOR, got {sizes!r}")
    acts = tuple(activations) if activations is not None else ("sigmoid",) * (len(sizes) - 1)
    X, Y = xor_data(dtype)
    weights = init_weights(sizes, seed=seed, dtype=dtype)
    validate(weights, X, Y, acts, XOR_COST)
    return TrainingProblem(weights, X, Y, acts, XOR_COST)
