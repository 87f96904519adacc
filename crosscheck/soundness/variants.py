"""Two correct gradient implementations written apart from handprop, for the soundness
sweep: each computes seed eq. 1 forwards and eq. 7-10 backwards in its own way.

* :func:`reversed_order`: every sum runs in another order than BLAS's: the sums over a
  layer's inputs (eq. 1) and over the next layer's units (eq. 9, line 1) one term at a
  time from the last index down, the sums over the examples (eq. 9, lines 2-3) from the
  last example to the first;
* :func:`float64_accumulation`: float32 problems keep float32 values and elementwise
  formulas, but every sum is accumulated in float64 and rounded to float32 once (what
  mixed-precision GEMMs do); float64 problems are computed as usual.

Both take and return the canonical layout (``weights[l]`` of shape (N_l + 1, N_{l+1}),
row 0 the bias), dtype in = dtype out. The elementwise formulas are crosscheck's
(:mod:`crosscheck.spec`), evaluated in the problem's dtype.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from crosscheck import spec

__all__ = ["VARIANTS", "float64_accumulation", "reversed_order"]

Product = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _reversed_product(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """a @ w with the sum over the inner index taken from the last term to the first."""
    out = np.zeros((a.shape[0], w.shape[1]), dtype=a.dtype)
    for k in range(a.shape[1] - 1, -1, -1):
        out += a[:, k : k + 1] * w[k]
    return out


def _reversed_example_sum(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    """a^T d with the sum over the examples from the last to the first."""
    out = np.zeros((a.shape[1], d.shape[1]), dtype=a.dtype)
    for p in range(a.shape[0] - 1, -1, -1):
        out += a[p][:, None] * d[p][None, :]
    return out


def _accumulated(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """a @ w summed in float64 (float32 products are exact there), rounded once."""
    return (a.astype(np.float64) @ w.astype(np.float64)).astype(a.dtype)


def _output_delta(z: np.ndarray, h: np.ndarray, Y: np.ndarray, out: str, cost: str) -> np.ndarray:
    """dC/dz^L (seed eq. 13 and the costs), stably: y - h as y s(-z) - (1 - y) s(z)."""
    c = spec.COSTS[cost]
    if c.outputs == ("sigmoid",):
        d = Y * spec.sigmoid(-z) - (1.0 - Y) * spec.sigmoid(z)
        return d if c.sign > 0 else -d
    if c.outputs == ("softmax",):
        d = Y - h * np.sum(Y, axis=1, keepdims=True)
        return d if c.sign > 0 else -d
    return (h - Y) * spec.derivative(out, z, h)


def _gradients(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
    product: Product,
    example_sum: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> list[np.ndarray]:
    dtype = X.dtype
    a, zs, acts = X, [], [X]
    for w, name in zip(weights, activations, strict=True):
        z = product(a, w[1:]) + w[0]  # seed eq. 1
        a = spec.softmax(z) if name == "softmax" else spec.value(name, z)
        zs.append(z)
        acts.append(a.astype(dtype))
    d = _output_delta(zs[-1], acts[-1], Y, activations[-1], cost).astype(dtype)
    grads: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
    ones = np.ones((X.shape[0], 1), dtype=dtype)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = np.vstack([example_sum(ones, d), example_sum(acts[l], d)]).astype(dtype)
        if l:  # seed eq. 9, line 1: delta^l = f'(z^l) (delta^{l+1} W^T)
            b = product(d, np.ascontiguousarray(weights[l][1:].T))
            d = (spec.derivative(activations[l - 1], zs[l - 1], acts[l]) * b).astype(dtype)
    return grads


def reversed_order(weights, X, Y, activations, cost) -> list[np.ndarray]:
    """The gradient with every sum in reversed order (see the module docstring)."""
    return _gradients(weights, X, Y, activations, cost, _reversed_product, _reversed_example_sum)


def float64_accumulation(weights, X, Y, activations, cost) -> list[np.ndarray]:
    """The gradient with float32 values and float64 sums (see the module docstring)."""
    return _gradients(
        weights, X, Y, activations, cost, _accumulated, lambda a, d: _accumulated(a.T, d)
    )


VARIANTS = {"reversed order": reversed_order, "float64 accumulation": float64_accumulation}
"""The variants by name."""
