"""Forward propagation (seed eq. 1) and backpropagation (seed eq. 7-10), vectorised.

All P examples travel together as the rows of a matrix, so each layer is one matrix
product through BLAS (no Python loop over examples or units). In the seed's notation,
with ``delta^l[p, n] = sum_{n_L} dc^p_{n_L} / dz^{p,l}_n`` (shape ``(P, N_l)``)::

    z^{l+1} = a^l w^l[1:] + w^l[0]                         eq. 1
    delta^L = dC/dz^L                                      eq. 13 (y - h), costs.py
    dC/dw^l[0]  = sum_p delta^{l+1}[p]                     eq. 9, 2nd line (eq. 5)
    dC/dw^l[1:] = (a^l)^T delta^{l+1}                      eq. 9, 3rd line (eq. 6)
    delta^l = f'(z^l) * (delta^{l+1} (w^l[1:])^T)          eq. 9, 1st line (eq. 7, 8)

The seed's sum over output units n_L in eq. 9 is carried inside delta: the recursion is
linear, so summing over n_L before or after it gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from handprop import activations as _activations
from handprop import costs as _costs
from handprop.network import ignore_underflow, validate

__all__ = ["ForwardPass", "cost", "forward", "gradients"]


class ForwardPass(NamedTuple):
    """The values of every layer for all P examples.

    ``z[l]`` and ``a[l]`` (l = 0..L) have shape ``(P, N_l)``. Layer 0 is the input with
    the identity activation (seed section 4): ``z[0] is a[0] is X``. ``a[L]`` is h.
    """

    z: list[np.ndarray]
    a: list[np.ndarray]


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "softmax":
        return _costs.softmax(z)
    return _activations.ACTIVATIONS[name].value(z)


def _forward(
    weights: Sequence[np.ndarray], X: np.ndarray, activations: Sequence[str]
) -> ForwardPass:
    z = [X]
    a = [X]
    for w, name in zip(weights, activations, strict=True):
        zl = a[-1] @ w[1:]  # eq. 1: sum over n_l of w_{n_l n_{l+1}} a_{n_l}
        zl += w[0]  # eq. 1: plus the bias w_{0 n_{l+1}}
        z.append(zl)
        a.append(_activate(name, zl))
    return ForwardPass(z, a)


def _gradients(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> list[np.ndarray]:
    fp = _forward(weights, X, activations)
    spec = _costs.COSTS[cost]
    out = activations[-1]
    fprime = _activations.ACTIVATIONS[out].derivative if out in _activations.ACTIVATIONS else None
    delta = spec.delta(fp.z[-1], fp.a[-1], Y, fprime)  # dC/dz^L (eq. 13 for log_likelihood)
    grads: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
    for l in range(len(weights) - 1, -1, -1):
        w = weights[l]
        g = np.empty_like(w)
        np.sum(delta, axis=0, out=g[0])  # eq. 9, 2nd line: dC/dw_{0 n_{l+1}}
        np.matmul(fp.a[l].T, delta, out=g[1:])  # eq. 9, 3rd line: sum_p a_{n_l} delta
        grads[l] = g
        if l > 0:
            # eq. 9, 1st line: f'(z^l) * sum_{n_{l+1}} w_{n_l n_{l+1}} delta_{n_{l+1}}
            back = delta @ w[1:].T
            back *= _activations.ACTIVATIONS[activations[l - 1]].derivative(fp.z[l], fp.a[l])
            delta = back
    return grads


@ignore_underflow
def forward(
    weights: Sequence[np.ndarray], X: np.ndarray, activations: Sequence[str]
) -> ForwardPass:
    """Forward propagation, seed eq. 1, for all examples at once.

    ``weights[l]``: ``(N_l + 1, N_{l+1})``; ``X``: ``(P, Q)``; ``activations``: L names.
    Returns :class:`ForwardPass` with ``z[l]``, ``a[l]`` of shape ``(P, N_l)``, l = 0..L.
    """
    weights, X, _ = validate(weights, X, None, activations, None)
    return _forward(weights, X, activations)


@ignore_underflow
def cost(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> np.floating:
    """C = sum_p sum_{n_L} c(y^p_{n_L}, h^p_{n_L}), seed eq. 2 (eq. 12 for log_likelihood).

    Shapes as in :func:`gradients`. Returns a NumPy scalar of the input dtype, finite
    wherever C is mathematically finite (saturated sigmoids go through log-sigmoid).
    """
    weights, X, Y = validate(weights, X, Y, activations, cost)
    fp = _forward(weights, X, activations)
    return _costs.COSTS[cost].value(fp.z[-1], fp.a[-1], Y)


@ignore_underflow
def gradients(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> list[np.ndarray]:
    """dC/dw^l for every layer by backpropagation, seed eq. 7-10 (eq. 13 at the output).

    ``weights[l]``: ``(N_l + 1, N_{l+1})``, row 0 the bias; ``X``: ``(P, Q)``;
    ``Y``: ``(P, N_L)``; ``activations``: L names (layers 1..L); ``cost``: a name from
    :data:`handprop.costs.COSTS`. Returns a list shaped like ``weights``, in its dtype:
    ``grads[l][0]`` is dC/dw^l_{0 n_{l+1}} and ``grads[l][1:]`` is dC/dw^l_{n_l n_{l+1}}.
    Raises ``ValueError`` naming the argument for any invalid input.
    """
    weights, X, Y = validate(weights, X, Y, activations, cost)
    return _gradients(weights, X, Y, activations, cost)
