"""Seed eq. 1 and eq. 9 transcribed index by index, for reading beside the derivation.

Slow on purpose: plain Python loops over p, n_l and n_{l+1}, one line per term of the
seed's equations, with the seed's index names (``n_l``, ``n_l1`` for n_{l+1}, ``n_l2``
for n_{l+2}, ``n_L``). Arrays are indexed like the seed's symbols: ``w[l][n_l, n_l1]`` is
w^l_{n_l n_{l+1}} with ``n_l = 0`` the bias; ``a[l][p, n_l - 1]`` is a^{p,l}_{n_l}
(Python counts units from 0, the seed from 1). Tested against
:func:`handprop.gradients` in ``tests/test_handprop_gradients.py``.

The sums over examples p and output units n_L of eq. 3 are explicit loops: each term
c^p_{n_L} is propagated back on its own, ``dc_dz[l]`` holding dc^p_{n_L}/dz^{p,l}.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from handprop import activations as _activations
from handprop import costs as _costs
from handprop.network import ignore_underflow, layer_sizes, validate

__all__ = ["forward", "gradients"]


@ignore_underflow
def forward(
    weights: Sequence[np.ndarray], X: np.ndarray, activations: Sequence[str]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Seed eq. 1, one z^{p,l+1}_{n_{l+1}} at a time. Returns ``(z, a)`` as lists over l."""
    weights, X, _ = validate(weights, X, None, activations, None)
    N = layer_sizes(weights)
    L = len(weights)
    P = X.shape[0]
    z = [X.copy()]
    a = [X.copy()]  # layer 0: the input, identity activation (seed section 4)
    for l in range(L):
        w = weights[l]
        z_next = np.zeros((P, N[l + 1]), dtype=X.dtype)
        for p in range(P):
            for n_l1 in range(1, N[l + 1] + 1):
                total = w[0, n_l1 - 1]  # eq. 1: w_{0 n_{l+1}}
                for n_l in range(1, N[l] + 1):
                    total = total + w[n_l, n_l1 - 1] * a[l][p, n_l - 1]  # + w a
                z_next[p, n_l1 - 1] = total
        z.append(z_next)
        if activations[l] == "softmax":
            a.append(_costs.softmax(z_next))
        else:
            a.append(_activations.get(activations[l]).value(z_next))  # a = f(z)
    return z, a


@ignore_underflow
def gradients(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    cost: str,
) -> list[np.ndarray]:
    """dC/dw^l by seed eq. 9, loop by loop. Same contract as :func:`handprop.gradients`."""
    weights, X, Y = validate(weights, X, Y, activations, cost)
    N = layer_sizes(weights)
    L = len(weights)
    P = X.shape[0]
    z, a = forward(weights, X, activations)
    spec = _costs.get(cost)
    out = activations[-1]
    fprime = _activations.ACTIVATIONS[out].derivative if out != "softmax" else None
    grads = [np.zeros_like(w) for w in weights]

    for p in range(P):
        for n_L in range(1, N[L] + 1):
            # eq. 3: C = sum_p sum_{n_L} c^p_{n_L}; each c^p_{n_L} is backpropagated alone.
            dc_dz = {L: _output_dc_dz(spec, z[L][p], a[L][p], Y[p], fprime, n_L)}
            for l in range(L - 1, -1, -1):
                # Layer l+1 is known; eq. 9 gives the gradients of w^l and dc/dz^{l}.
                d_next = dc_dz[l + 1]
                for n_l1 in range(1, N[l + 1] + 1):
                    # eq. 9, 2nd line: dC/dw^l_{0 n_{l+1}} = sum_p sum_{n_L} dc/dz^{p,l+1}
                    grads[l][0, n_l1 - 1] += d_next[n_l1 - 1]
                    for n_l in range(1, N[l] + 1):
                        # eq. 9, 3rd line: dC/dw^l_{n_l n_{l+1}} += a^{p,l}_{n_l} dc/dz^{p,l+1}
                        grads[l][n_l, n_l1 - 1] += a[l][p, n_l - 1] * d_next[n_l1 - 1]
                if l == 0:
                    break
                f = _activations.get(activations[l - 1])
                d_here = np.zeros(N[l], dtype=X.dtype)
                for n_l in range(1, N[l] + 1):
                    # eq. 9, 1st line: dc/dz^{p,l}_{n_l}
                    #   = f'(z^{p,l}_{n_l}) sum_{n_{l+1}} w^l_{n_l n_{l+1}} dc/dz^{p,l+1}_{n_{l+1}}
                    s = X.dtype.type(0)
                    for n_l1 in range(1, N[l + 1] + 1):
                        s = s + weights[l][n_l, n_l1 - 1] * d_next[n_l1 - 1]
                    fp = f.derivative(z[l][p, n_l - 1 : n_l], a[l][p, n_l - 1 : n_l])[0]
                    d_here[n_l - 1] = fp * s
                dc_dz[l] = d_here
    return grads


def _output_dc_dz(
    spec: _costs.Cost,
    z: np.ndarray,
    h: np.ndarray,
    y: np.ndarray,
    fprime,
    n_L: int,
) -> np.ndarray:
    """dc^p_{n_L} / dz^{p,L}_j for j = 1..N_L, one example's row (seed eq. 4 at l + 1 = L).

    For an elementwise output only j = n_L is non-zero (eq. 13: y - h for the sigmoid
    log-likelihood). For the softmax costs c^p_{n_L} = y_{n_L} log softmax(z)_{n_L}
    depends on every z_j: dc/dz_j = y_{n_L} (1[j = n_L] - softmax(z)_j), times the sign.
    """
    k = n_L - 1
    if fprime is None and spec.outputs == ("softmax",):
        d = -y[k] * h
        d[k] += y[k]
        return spec.sign * d
    d = np.zeros_like(z)
    d[k] = spec.delta(z[k : k + 1], h[k : k + 1], y[k : k + 1], fprime)[0]
    return d
