"""The seed's special cases, each as written in its own section (seed eq. 11, 13, 14, 15).

Each function has the canonical signature ``fn(weights, X, Y, activations, cost)`` and
returns gradients shaped like ``weights`` (``(N_l + 1, N_{l+1})``, row 0 the bias), and
raises ``ValueError`` for an architecture, activation or cost its equation does not cover.
They are written from their own equations, not by calling :func:`handprop.gradients`, and
``tests/test_handprop_gradients.py`` checks that they agree with it wherever they apply.

Where the seed's text is wrong or ambiguous, the mathematics is implemented and the
deviation is recorded in ``docs/derivation-notes.md``:

* eq. 11 drops the sum over n_l on its first line. Only the sum over the output units
  n_L disappears when N_L = 1; at hidden layers the sum over n_l stays.
* eq. 14 mixes indices (``n_l`` for n_2, ``l - 1`` for 1, ``n_L`` for n_2).
* eq. 15 sums p from 1 to 2: the sum runs over all P examples (4 for XOR).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from handprop import activations as _activations
from handprop import costs as _costs
from handprop.backprop import ForwardPass, _forward
from handprop.network import ignore_underflow, layer_sizes, validate

__all__ = [
    "one_output_gradients",
    "sigmoid_log_likelihood_gradients",
    "two_layer_gradients",
    "xor_221_gradients",
]

_LOG_LIKELIHOOD_SIGN = {"log_likelihood": 1.0, "binary_cross_entropy": -1.0}


def _prepare(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, ForwardPass]:
    weights, X, Y = validate(weights, X, Y, activations, cost)
    return weights, X, Y, _forward(weights, X, activations)


def _sigmoid_ll_sign(function: str, activations: Sequence[str], cost: str) -> float:
    if cost not in _LOG_LIKELIHOOD_SIGN:
        raise ValueError(
            f"cost: {function} covers 'log_likelihood' (seed eq. 12) and its negation "
            f"'binary_cross_entropy', got {cost!r}"
        )
    if any(name != "sigmoid" for name in activations):
        raise ValueError(
            f"activations: {function} needs sigmoid at every layer (seed section 3), "
            f"got {list(activations)!r}"
        )
    return _LOG_LIKELIHOOD_SIGN[cost]


@ignore_underflow
def one_output_gradients(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> list[np.ndarray]:
    """Seed eq. 11: a network with one output unit (N_L = 1), any depth and activations.

    With one output the sum over n_L disappears: c^p is one number per example and
    dc^p/dz^{p,L} a vector of shape ``(P,)``. The layer below the output takes eq. 11's
    first line as written (no sum: N_L = 1); deeper layers keep the sum over n_l, which
    eq. 11 drops by mistake (see docs/derivation-notes.md).
    """
    weights, X, Y, fp = _prepare(weights, X, Y, activations, cost)
    if weights[-1].shape[1] != 1:
        raise ValueError(
            "weights: one_output_gradients (seed eq. 11) needs one output unit, "
            f"got N_L = {weights[-1].shape[1]}"
        )
    L = len(weights)
    spec = _costs.COSTS[cost]
    out = activations[-1]
    fprime = _activations.ACTIVATIONS[out].derivative if out != "softmax" else None
    d_out = spec.delta(fp.z[L], fp.a[L], Y, fprime)[:, 0]  # dc^p/dz^{p,L}, (P,)
    grads = [np.empty_like(w) for w in weights]
    grads[L - 1][0, 0] = d_out.sum()  # eq. 11, 2nd line at l - 1 = L
    grads[L - 1][1:, 0] = fp.a[L - 1].T @ d_out  # eq. 11, 3rd line
    if L == 1:
        return grads
    # eq. 11, 1st line: dc^p/dz^{p,L-1} = f'(z^{p,L-1}) w^{L-1}_{n_{L-1} 1} dc^p/dz^{p,L}
    f = _activations.ACTIVATIONS[activations[L - 2]]
    delta = np.outer(d_out, weights[L - 1][1:, 0]) * f.derivative(fp.z[L - 1], fp.a[L - 1])
    for l in range(L - 2, -1, -1):
        grads[l][0] = delta.sum(axis=0)  # eq. 11, 2nd line
        grads[l][1:] = fp.a[l].T @ delta  # eq. 11, 3rd line
        if l > 0:
            # Below the last hidden layer the sum over n_{l+1} is back (eq. 9, 1st line).
            f = _activations.ACTIVATIONS[activations[l - 1]]
            delta = (delta @ weights[l][1:].T) * f.derivative(fp.z[l], fp.a[l])
    return grads


@ignore_underflow
def sigmoid_log_likelihood_gradients(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> list[np.ndarray]:
    """Seed eq. 13: sigmoid at every layer with the log-likelihood of eq. 12.

    d^L = y - h at the output, and f'(z) = a (1 - a) taken from the stored activations.
    ``cost="binary_cross_entropy"`` (the negated log-likelihood) gives the negated result.
    """
    weights, X, Y, fp = _prepare(weights, X, Y, activations, cost)
    sign = _sigmoid_ll_sign("sigmoid_log_likelihood_gradients", activations, cost)
    L = len(weights)
    h = fp.a[L]
    # eq. 13, 1st line: dc/dz^{p,L} = y - h (1 - h taken as sigma(-z) to stay accurate).
    delta = Y * _activations.sigmoid(-fp.z[L]) - (1.0 - Y) * h
    if sign < 0:
        delta = -delta
    grads = [np.empty_like(w) for w in weights]
    for l in range(L - 1, -1, -1):
        grads[l][0] = delta.sum(axis=0)  # eq. 13, 3rd line
        grads[l][1:] = fp.a[l].T @ delta  # eq. 13, 4th line
        if l > 0:
            a = fp.a[l]
            delta = a * (1.0 - a) * (delta @ weights[l][1:].T)  # eq. 13, 2nd line
    return grads


@ignore_underflow
def two_layer_gradients(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> list[np.ndarray]:
    """Seed eq. 14: two weight layers (input, one hidden layer, output); any activations.

    The layer below the hidden one is the input, with a^{p,0}_q = x^p_q (n_0 = q in the
    seed). The output layer's gradient is taken directly (eq. 5, 6 at l = 1).
    """
    weights, X, Y, fp = _prepare(weights, X, Y, activations, cost)
    if len(weights) != 2:
        raise ValueError(
            "weights: two_layer_gradients (seed eq. 14) needs exactly 2 weight layers "
            f"(input, hidden, output), got {len(weights)}"
        )
    spec = _costs.COSTS[cost]
    out = activations[1]
    fprime = _activations.ACTIVATIONS[out].derivative if out != "softmax" else None
    d2 = spec.delta(fp.z[2], fp.a[2], Y, fprime)  # dc^p/dz^{p,2}_{n_2}, (P, N_2)
    a1 = fp.a[1]
    v = weights[1]
    g1 = np.empty_like(v)
    g1[0] = d2.sum(axis=0)  # eq. 5: dC/dw^1_{0 n_2} = sum_p dc^p/dz^{p,2}_{n_2}
    g1[1:] = a1.T @ d2  # eq. 6: dC/dw^1_{n_1 n_2} = sum_p a^{p,1}_{n_1} dc^p/dz^{p,2}_{n_2}
    # eq. 14, 1st line: dc^p/dz^{p,1}_{n_1} = f'(z^{p,1}_{n_1}) sum_{n_2} w^1_{n_1 n_2} d2
    d1 = _activations.ACTIVATIONS[activations[0]].derivative(fp.z[1], a1) * (d2 @ v[1:].T)
    g0 = np.empty_like(weights[0])
    g0[0] = d1.sum(axis=0)  # eq. 14, 2nd line
    g0[1:] = X.T @ d1  # eq. 14, 3rd line: sum_p x^p_q dc^p/dz^{p,1}_{n_1}
    return [g0, g1]


@ignore_underflow
def xor_221_gradients(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> list[np.ndarray]:
    """Seed eq. 15: the 2-2-1 sigmoid network with the log-likelihood, closed form.

    ``weights[0]`` (the seed's U) is ``(3, 2)``, ``weights[1]`` (the seed's v) is
    ``(3, 1)``. With d^p = y^p - h^p and sums over all P examples (the seed's upper
    limit 2 is a typo)::

        dC/dw^0_{0 n_1} = w^1_{n_1} sum_p a^{p,1}_{n_1} (1 - a^{p,1}_{n_1}) d^p
        dC/dw^0_{q n_1} = w^1_{n_1} sum_p x^p_q a^{p,1}_{n_1} (1 - a^{p,1}_{n_1}) d^p
        dC/dv_0 = sum_p d^p,     dC/dv_{n_1} = sum_p a^{p,1}_{n_1} d^p
    """
    weights, X, Y, fp = _prepare(weights, X, Y, activations, cost)
    sizes = layer_sizes(weights)
    if sizes != (2, 2, 1):
        raise ValueError(f"weights: xor_221_gradients (seed eq. 15) needs a 2-2-1 net, got {sizes}")
    sign = _sigmoid_ll_sign("xor_221_gradients", activations, cost)
    a1, h = fp.a[1], fp.a[2][:, 0]
    x1, x2 = X[:, 0], X[:, 1]
    d = Y[:, 0] * _activations.sigmoid(-fp.z[2][:, 0]) - (1.0 - Y[:, 0]) * h  # y - h
    if sign < 0:
        d = -d
    g0 = np.empty_like(weights[0])
    g1 = np.empty_like(weights[1])
    for n1 in range(2):
        s = a1[:, n1] * (1.0 - a1[:, n1]) * d  # a (1 - a) (y - h), one term per example
        w = weights[1][1 + n1, 0]  # the seed's w^1_{n_1}
        g0[0, n1] = w * np.sum(s)  # eq. 15, 1st line
        g0[1, n1] = w * np.sum(x1 * s)  # eq. 15, 2nd line, q = 1
        g0[2, n1] = w * np.sum(x2 * s)  # eq. 15, 2nd line, q = 2
        g1[1 + n1, 0] = np.sum(a1[:, n1] * d)  # v: no backpropagation needed
    g1[0, 0] = np.sum(d)
    return [g0, g1]
