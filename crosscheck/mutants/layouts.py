"""Backprop written the ways real code is: weights and biases apart, (out, in) matrices
with examples as columns (Nielsen's and Ng's layout), a mean over the batch, one example
per call; each correct base with its :class:`~crosscheck.conventions.Convention`, and the
bugs such code has (a gradient reshaped instead of transposed, a bias averaged while the
weights are summed, dividing by m twice, a mean over the outputs too).

The activations and cost deltas are :mod:`.base`'s (handprop's formulas); the layout
code is written here, apart from :func:`~crosscheck.mutants.base.textbook`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from crosscheck.mutants.base import CORRECT

__all__ = [
    "CONVENTIONS",
    "bias_mean_weights_sum",
    "divided_by_m_twice",
    "in_out_mean",
    "in_out_rows",
    "mean_over_outputs_too",
    "out_in_columns",
    "out_in_gradient_reshaped",
    "out_in_mean",
    "out_in_one_example",
]


def _rows_forward(weights, biases, X, activations, parts):
    """Rows layout: z = a W + b (W (in, out), b (out,)); every z and a."""
    zs, as_ = [X], [X]
    for W, b, name in zip(weights, biases, activations, strict=True):
        z = as_[-1] @ W + b.reshape(-1)
        zs.append(z)
        as_.append(parts.value(name, z))
    return zs, as_


def in_out_rows(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
    *,
    scale: float = 1.0,
    bias_mean: bool = False,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Correct: W (in, out), b (out,), X (P, Q); the summed cost's gradient times
    ``scale`` (``1 / P`` for a mean)."""
    with np.errstate(under="ignore"):
        zs, as_ = _rows_forward(weights, biases, X, activations, CORRECT)
        delta = CORRECT.output_delta(zs[-1], as_[-1], Y, activations[-1], cost, CORRECT) * scale
        dW: list[Any] = [None] * len(weights)
        db: list[Any] = [None] * len(weights)
        for l in range(len(weights) - 1, -1, -1):
            dW[l] = as_[l].T @ delta
            db[l] = delta.mean(axis=0) if bias_mean else delta.sum(axis=0)
            if l > 0:
                fprime = CORRECT.derivative(activations[l - 1], zs[l], as_[l])
                delta = (delta @ weights[l].T) * fprime
        return dW, db


def out_in_columns(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
    *,
    mean: bool = False,
    reshape: bool = False,
    twice: bool = False,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Correct: W (out, in), b (out, 1), X (Q, m) with the m examples as columns (Ng's
    course layout), ``Z = W @ A + b``; with ``mean`` the cost is averaged over the m
    examples (``dZ = (A - Y) / m`` at the output)."""
    m = X.shape[1]
    with np.errstate(under="ignore"):
        Zs, As = [X], [X]
        for W, b, name in zip(weights, biases, activations, strict=True):
            Z = W @ As[-1] + b
            Zs.append(Z)
            As.append(CORRECT.value(name, Z.T).T)
        dZ = CORRECT.output_delta(Zs[-1].T, As[-1].T, Y.T, activations[-1], cost, CORRECT).T
        if mean:
            dZ = dZ / m
        dW: list[Any] = [None] * len(weights)
        db: list[Any] = [None] * len(weights)
        for l in range(len(weights) - 1, -1, -1):
            if reshape:
                dW[l] = (As[l] @ dZ.T).reshape(weights[l].shape)  # (in, out) reshaped, not .T
            else:
                dW[l] = dZ @ As[l].T
            if twice:
                dW[l] = dW[l] / m
            db[l] = dZ.sum(axis=1, keepdims=True)
            if l > 0:
                fprime = CORRECT.derivative(activations[l - 1], Zs[l].T, As[l].T).T
                dZ = (weights[l].T @ dZ) * fprime
        return dW, db


def out_in_one_example(weights, biases, x, y, activations, cost):
    """Correct: Nielsen's ``backprop(x, y)``: one example as a column x (Q, 1), y (N_L, 1),
    W (out, in), b (out, 1)."""
    return out_in_columns(weights, biases, x, y, activations, cost)


def in_out_mean(weights, biases, X, Y, activations, cost):
    """Correct: W (in, out), b (out,), X (P, Q), the cost averaged over the P examples."""
    return in_out_rows(weights, biases, X, Y, activations, cost, scale=1.0 / X.shape[0])


def out_in_mean(weights, biases, X, Y, activations, cost):
    """Correct: W (out, in), b (out, 1), examples as columns, cost averaged (dZ / m)."""
    return out_in_columns(weights, biases, X, Y, activations, cost, mean=True)


def out_in_gradient_reshaped(weights, biases, X, Y, activations, cost):
    """dW computed (in, out) and reshaped to (out, in) instead of transposed."""
    return out_in_columns(weights, biases, X, Y, activations, cost, reshape=True)


def bias_mean_weights_sum(weights, biases, X, Y, activations, cost):
    """The bias gradients averaged over the examples while the weight gradients are summed."""
    return in_out_rows(weights, biases, X, Y, activations, cost, bias_mean=True)


def divided_by_m_twice(weights, biases, X, Y, activations, cost):
    """A mean-reduced cost's dW divided by m again (dZ = (A - Y) / m, then dW = dZ A^T / m)."""
    return out_in_columns(weights, biases, X, Y, activations, cost, mean=True, twice=True)


def mean_over_outputs_too(weights, biases, X, Y, activations, cost):
    """Declared a mean over the examples, computed as np.mean over examples *and* outputs."""
    return in_out_rows(
        weights, biases, X, Y, activations, cost, scale=1.0 / (X.shape[0] * Y.shape[1])
    )


_OUT_IN_COLUMNS = {
    "layout": "separate-out-in",
    "examples_as": "columns",
    "bias_shape": "column",
}

CONVENTIONS: dict[str, dict[str, Any]] = {
    "in_out_rows": {"layout": "separate-in-out"},
    "in_out_mean": {"layout": "separate-in-out", "reduction": "mean"},
    "out_in_columns": _OUT_IN_COLUMNS,
    "out_in_mean": {**_OUT_IN_COLUMNS, "reduction": "mean"},
    "out_in_one_example": {**_OUT_IN_COLUMNS, "per_example": True},
    "out_in_gradient_reshaped": _OUT_IN_COLUMNS,
    "bias_mean_weights_sum": {"layout": "separate-in-out"},
    "divided_by_m_twice": {**_OUT_IN_COLUMNS, "reduction": "mean"},
    "mean_over_outputs_too": {"layout": "separate-in-out", "reduction": "mean"},
}
"""Each function's convention (the ``crosscheck.verify`` options it is checked with)."""
